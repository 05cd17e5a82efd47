// Blocks and RFC 6962 Merkle trees.

import Crypto

/// A block header. `stateRoot` and `resultsRoot` describe the *previous* block's execution (as in CometBFT).
public struct BlockHeader: CanonicalCodable, Hashable, Sendable {
    public var chainID: String
    public var height: UInt64
    /// Simulated time in ticks (1 tick = 1 µs).
    public var timeTicks: Int64
    public var previousBlockHash: Hash
    /// `Block.txRoot`: `MerkleTree.root` over the transactions' hashes (as CometBFT's `Txs.Hash`).
    public var txRoot: Hash
    /// The application's state root after the previous block.
    public var stateRoot: Hash
    /// `MerkleTree.root` over the canonical bytes of the previous block's receipts.
    public var resultsRoot: Hash
    public var proposer: Address
    /// SHA-256 of `Block.lastCommit`.
    public var lastCommitHash: Hash
    public var validatorsHash: Hash
    /// `Block.evidenceRoot`: `MerkleTree.root` over the encoded evidence items of `Block.evidence`.
    public var evidenceHash: Hash

    public init(
        chainID: String, height: UInt64, timeTicks: Int64, previousBlockHash: Hash, txRoot: Hash, stateRoot: Hash,
        resultsRoot: Hash, proposer: Address, lastCommitHash: Hash, validatorsHash: Hash,
        evidenceHash: Hash = Block.evidenceRoot([])
    ) {
        self.chainID = chainID
        self.height = height
        self.timeTicks = timeTicks
        self.previousBlockHash = previousBlockHash
        self.txRoot = txRoot
        self.stateRoot = stateRoot
        self.resultsRoot = resultsRoot
        self.proposer = proposer
        self.lastCommitHash = lastCommitHash
        self.validatorsHash = validatorsHash
        self.evidenceHash = evidenceHash
    }

    /// `Hash.sha256(domain: "readchain/header/v1", canonical bytes)`.
    public var hash: Hash { Hash.sha256(domain: "readchain/header/v1", canonicalBytes) }

    public func encode(into w: inout CanonicalWriter) {
        w.writeString(chainID)
        w.write(height)
        w.write(timeTicks)
        w.write(previousBlockHash)
        w.write(txRoot)
        w.write(stateRoot)
        w.write(resultsRoot)
        w.write(proposer)
        w.write(lastCommitHash)
        w.write(validatorsHash)
        w.write(evidenceHash)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        chainID = try r.readString(maxLength: Transaction.maxChainIDLength)
        height = try r.readUInt64()
        timeTicks = try r.readInt64()
        previousBlockHash = try r.read()
        txRoot = try r.read()
        stateRoot = try r.read()
        resultsRoot = try r.read()
        proposer = try r.read()
        lastCommitHash = try r.read()
        validatorsHash = try r.read()
        evidenceHash = try r.read()
    }
}

/// A block: header, transactions, evidence of misbehaviour and the previous block's commit certificate (the last
/// two opaque here: the consensus layer defines, builds and checks them).
public struct Block: CanonicalCodable, Hashable, Sendable {
    /// Most evidence items in one block (CometBFT bounds evidence per block by bytes; both bounds here).
    public static let maxEvidence = 16
    /// Largest encoded evidence item, bytes (two signed votes take about 400).
    public static let maxEvidenceBytes = 2_048

    public var header: BlockHeader
    public var transactions: [Transaction]
    /// Encoded evidence items (consensus' `DuplicateVoteEvidence`: two conflicting signed votes of one validator);
    /// `header.evidenceHash` is their Merkle root. At most `maxEvidence`, each at most `maxEvidenceBytes`.
    public var evidence: [Bytes]
    /// The commit certificate of the previous block; `header.lastCommitHash` is its SHA-256.
    public var lastCommit: Bytes

    public init(header: BlockHeader, transactions: [Transaction], evidence: [Bytes] = [], lastCommit: Bytes) {
        self.header = header
        self.transactions = transactions
        self.evidence = evidence
        self.lastCommit = lastCommit
    }

    public var hash: Hash { header.hash }

    /// `canonicalBytes.count`, added up from the parts instead of encoding every transaction (each knows its own
    /// size): the layout of `encode(into:)`, a `u32` count before each array and each byte string.
    public var encodedSize: Int {
        var n = header.canonicalBytes.count + 4
        for t in transactions { n += t.encodedSize }
        n += 4
        for e in evidence { n += 4 + e.count }
        return n + 4 + lastCommit.count
    }

    /// The tx root these transactions should have: the RFC 6962 root over their hashes (SHA-256 of the canonical
    /// bytes), as CometBFT's `Txs.Hash` does. Each `Transaction` keeps its hash, so checking a block's root costs
    /// two short hashes per transaction instead of re-encoding and re-hashing every transaction at every node.
    public static func txRoot(_ transactions: [Transaction]) -> Hash {
        MerkleTree.root(hashLeaves: transactions.map(\.hash))
    }

    /// The evidence root of these encoded evidence items (the RFC 6962 root over their bytes).
    public static func evidenceRoot(_ evidence: [Bytes]) -> Hash { MerkleTree.root(leaves: evidence) }

    /// Whether `header.txRoot`, `header.evidenceHash` and `header.lastCommitHash` match the body, and the evidence
    /// is within its bounds.
    public var bodyMatchesHeader: Bool {
        evidence.count <= Block.maxEvidence && evidence.allSatisfy { $0.count <= Block.maxEvidenceBytes }
            && header.txRoot == Block.txRoot(transactions) && header.evidenceHash == Block.evidenceRoot(evidence)
            && header.lastCommitHash == Hash.sha256(lastCommit)
    }

    public func encode(into w: inout CanonicalWriter) {
        w.write(header)
        w.writeArray(transactions)
        w.writeArray(evidence) { w, e in w.writeBytes(e) }
        w.writeBytes(lastCommit)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        header = try r.read()
        transactions = try r.readArray(of: Transaction.self)
        evidence = try r.readArray(maxCount: Block.maxEvidence) {
            (r: inout CanonicalReader) throws(DecodingError) -> Bytes in
            try r.readBytes(maxLength: Block.maxEvidenceBytes)
        }
        lastCommit = try r.readBytes()
    }
}

/// RFC 6962 Merkle trees: leaf = SHA-256(0x00 ‖ leaf), node = SHA-256(0x01 ‖ left ‖ right), empty = SHA-256("").
public enum MerkleTree {
    static func leafHash(_ leaf: Bytes) -> Hash {
        var h = SHA256()
        withUnsafeBytes(of: UInt8(0)) { h.update(bufferPointer: $0) }
        leaf.withUnsafeBytes { h.update(bufferPointer: $0) }
        return Hash(digest: h.finalize())
    }

    static func nodeHash(_ l: Hash, _ r: Hash) -> Hash {
        var h = SHA256()
        withUnsafeBytes(of: UInt8(1)) { h.update(bufferPointer: $0) }
        l.withUnsafeBytes { h.update(bufferPointer: $0) }
        r.withUnsafeBytes { h.update(bufferPointer: $0) }
        return Hash(digest: h.finalize())
    }

    /// The largest power of two strictly less than `n` (n ≥ 2).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// The Merkle tree hash of `leaves`.
    ///
    /// - Complexity: O(n) hashes.
    public static func root(leaves: [Bytes]) -> Hash {
        if leaves.isEmpty { return Hash.sha256([]) }
        return rootOfHashes(leaves.map(leafHash))
    }

    /// `root(leaves: hashes.map(\.bytes))` without an array per leaf: leaves that are digests.
    public static func root(hashLeaves hashes: [Hash]) -> Hash {
        if hashes.isEmpty { return Hash.sha256([]) }
        return rootOfHashes(
            hashes.map { leaf in
                var h = SHA256()
                withUnsafeBytes(of: UInt8(0)) { h.update(bufferPointer: $0) }
                leaf.withUnsafeBytes { h.update(bufferPointer: $0) }
                return Hash(digest: h.finalize())
            })
    }

    /// Root over already-hashed leaves, bottom-up (same result as RFC 6962's recursive split).
    static func rootOfHashes(_ hashes: [Hash]) -> Hash {
        var level = hashes
        while level.count > 1 {
            var next: [Hash] = []
            next.reserveCapacity((level.count + 1) / 2)
            var i = 0
            while i + 1 < level.count {
                next.append(nodeHash(level[i], level[i + 1]))
                i += 2
            }
            if i < level.count { next.append(level[i]) }
            level = next
        }
        return level[0]
    }

    /// The audit path of leaf `index` (RFC 6962 §2.1.1). `index` must be in range.
    public static func proof(leaves: [Bytes], index: Int) -> MerkleProof {
        precondition(index >= 0 && index < leaves.count, "leaf index out of range")
        let hashes = leaves.map(leafHash)
        var siblings: [Hash] = []
        path(index, hashes[...], &siblings)
        return MerkleProof(index: UInt64(index), leafCount: UInt64(leaves.count), siblings: siblings)
    }

    private static func path(_ m: Int, _ d: ArraySlice<Hash>, _ out: inout [Hash]) {
        let n = d.count
        if n <= 1 { return }
        let k = split(n)
        let s = d.startIndex
        if m < k {
            path(m, d[s..<(s + k)], &out)
            out.append(rootOfHashes(Array(d[(s + k)...])))
        } else {
            path(m - k, d[(s + k)...], &out)
            out.append(rootOfHashes(Array(d[s..<(s + k)])))
        }
    }
}

/// An RFC 6962 inclusion proof.
public struct MerkleProof: CanonicalCodable, Equatable, Sendable {
    public var index: UInt64
    public var leafCount: UInt64
    /// Sibling hashes, leaf level first.
    public var siblings: [Hash]

    public init(index: UInt64, leafCount: UInt64, siblings: [Hash]) {
        self.index = index
        self.leafCount = leafCount
        self.siblings = siblings
    }

    /// Whether `leaf` is at `index` of a tree of `leafCount` leaves with this `root` (RFC 9162 §2.1.3.2).
    public func verify(leaf: Bytes, root: Hash) -> Bool {
        guard index < leafCount else { return false }
        var fn = index
        var sn = leafCount - 1
        var r = MerkleTree.leafHash(leaf)
        for p in siblings {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = MerkleTree.nodeHash(p, r)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                r = MerkleTree.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    public func encode(into w: inout CanonicalWriter) {
        w.write(index)
        w.write(leafCount)
        w.writeArray(siblings)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        index = try r.readUInt64()
        leafCount = try r.readUInt64()
        siblings = try r.readArray(of: Hash.self, maxCount: 64)
    }
}
