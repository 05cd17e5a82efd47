import Testing

@testable import Ledger

@Suite("RFC 6962 Merkle trees")
struct MerkleTests {
    /// The certificate-transparency test leaves and roots (RFC 6962 reference implementation tests).
    static let leaves: [Bytes] = [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        Array(0x50...0x57), Array(0x60...0x6f),
    ]
    static let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    @Test func knownAnswers() {
        #expect(MerkleTree.root(leaves: []).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        for n in 1...8 {
            #expect(MerkleTree.root(leaves: Array(Self.leaves.prefix(n))).hex == Self.roots[n - 1])
        }
    }

    /// Recursive RFC 6962 definition, to cross-check the bottom-up implementation.
    func reference(_ d: ArraySlice<Bytes>) -> Hash {
        if d.count == 1 { return MerkleTree.leafHash(d.first!) }
        let k = MerkleTree.split(d.count)
        return MerkleTree.nodeHash(reference(d.prefix(k)), reference(d.dropFirst(k)))
    }

    @Test func proofsForEveryIndexOfTreesUpTo33() {
        for n in 1...33 {
            let leaves = (0..<n).map { Bytes("leaf \($0)".utf8) }
            let root = MerkleTree.root(leaves: leaves)
            #expect(root == reference(leaves[...]))
            for i in 0..<n {
                let p = MerkleTree.proof(leaves: leaves, index: i)
                #expect(p.verify(leaf: leaves[i], root: root), "n=\(n) i=\(i)")
                #expect(!p.verify(leaf: Bytes("other".utf8), root: root))
                #expect(!p.verify(leaf: leaves[i], root: Hash.sha256(root.bytes)))
                var q = p
                q.index = UInt64((i + 1) % n)
                if n > 1 { #expect(!q.verify(leaf: leaves[i], root: root)) }
                // (The tree size is bound by the root's context, as in RFC 9162: a larger size with the same path
                // shape verifies, so it is not tested here.)
                if !p.siblings.isEmpty {
                    q = p
                    q.siblings[0] = Hash.sha256(q.siblings[0].bytes)
                    #expect(!q.verify(leaf: leaves[i], root: root))
                    q = p
                    q.siblings.removeLast()
                    #expect(!q.verify(leaf: leaves[i], root: root))
                }
                q = p
                q.siblings.append(root)
                #expect(!q.verify(leaf: leaves[i], root: root))
            }
        }
    }
}
