// Chain ids: printable ASCII, compared byte for byte.

/// The rules for a chain id, in one place.
///
/// Signatures cover a chain id's UTF-8 bytes, but Swift's `String ==` compares by Unicode canonical equivalence:
/// `"caf\u{e9}"` and `"cafe\u{301}"` are equal strings with different bytes. Comparing with `==` would let a
/// vote or transaction signed for one chain be accepted on the other. So a chain's own id must be printable ASCII
/// (checked where a genesis or a configuration is built), and a message's id is compared with it byte for byte.
public enum ChainID {
    /// Why `id` cannot be a chain's id (nil when it can): 1 to `Transaction.maxChainIDLength` bytes, each printable
    /// ASCII (0x21...0x7E; no spaces, no control characters).
    public static func problem(_ id: String) -> String? {
        let bytes = Array(id.utf8)
        guard !bytes.isEmpty, bytes.count <= Transaction.maxChainIDLength else {
            return "chain id must be 1 to \(Transaction.maxChainIDLength) bytes, not \(bytes.count)"
        }
        guard let bad = bytes.firstIndex(where: { !(0x21...0x7E).contains($0) }) else { return nil }
        return "chain id \(id.debugDescription) is not printable ASCII (byte \(bad) is \(bytes[bad]))"
    }

    /// Whether `a` and `b` are the same chain id: the same UTF-8 bytes (never Unicode canonical equivalence).
    ///
    /// - Complexity: O(length).
    @inlinable
    public static func same(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }
}
