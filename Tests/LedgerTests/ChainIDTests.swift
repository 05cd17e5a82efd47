import Testing

@testable import Ledger

/// Chain ids are printable ASCII and compared as bytes (issue 17 item 5): Swift's `String ==` is Unicode canonical
/// equivalence, while signatures cover the raw UTF-8 bytes.
@Suite("Chain ids: ASCII, compared as bytes")
struct ChainIDTests {
    /// "café" precomposed (U+00E9) and decomposed (e + U+0301): equal Swift strings, different bytes.
    static let composed = "caf\u{e9}"
    static let decomposed = "cafe\u{301}"
    /// U+212A KELVIN SIGN is canonically equivalent to ASCII "K": an ASCII chain id has a non-ASCII twin.
    static let asciiChain = "K-chain"
    static let kelvinTwin = "\u{212A}-chain"

    @Test func unicodeEquivalentIdsAreEqualStringsButDifferentChains() {
        #expect(Self.composed == Self.decomposed, "the premise: Swift compares by canonical equivalence")
        #expect(Array(Self.composed.utf8) != Array(Self.decomposed.utf8))
        #expect(!ChainID.same(Self.composed, Self.decomposed))
        #expect(Self.asciiChain == Self.kelvinTwin)
        #expect(!ChainID.same(Self.asciiChain, Self.kelvinTwin))
        #expect(ChainID.same("readchain-sim", "readchain-sim"))
    }

    @Test func aChainsOwnIdMustBePrintableASCII() {
        #expect(ChainID.problem("readchain-sim") == nil)
        #expect(ChainID.problem(Self.asciiChain) == nil)
        for bad in [Self.composed, Self.decomposed, Self.kelvinTwin, "", "a b", "tab\t", "nul\u{0}"] {
            #expect(ChainID.problem(bad) != nil, "\(bad.debugDescription)")
        }
        #expect(ChainID.problem(Self.composed)?.contains("not printable ASCII") == true)
        #expect(ChainID.problem(String(repeating: "x", count: Transaction.maxChainIDLength)) == nil)
        #expect(ChainID.problem(String(repeating: "x", count: Transaction.maxChainIDLength + 1)) != nil)
    }

    /// A transaction signed for the Kelvin-sign twin of this chain's id carries a valid signature over its own bytes;
    /// compared as strings it would pass the envelope (a cross-chain replay). Compared as bytes it is another chain.
    @Test func aTransactionSignedForAUnicodeEquivalentIdIsFromAnotherChain() {
        let key = SigningKey.derive(label: "alice", seed: 17)
        let twin = Transaction.signed(by: key, chainID: Self.kelvinTwin, nonce: 0, fee: .zero, message: [1])
        #expect(twin.hasValidSignature)
        let cache = SignatureCache(capacity: 16)
        let check = Envelope.verify(twin, chainID: Self.asciiChain, maxTxBytes: 1 << 16, cache: cache)
        #expect(check.code == .wrongChainID)
        var chain = SingleNodeChain(
            chainID: Self.asciiChain, app: KVApp(), proposer: key, limits: MempoolLimits(maxTxs: 10), cache: cache)
        #expect(chain.submit(twin).code == .wrongChainID)
        #expect(chain.mempool.count == 0)
        let own = Transaction.signed(by: key, chainID: Self.asciiChain, nonce: 0, fee: .zero, message: [1])
        #expect(Envelope.verify(own, chainID: Self.asciiChain, maxTxBytes: 1 << 16, cache: cache).isOK)
    }
}
