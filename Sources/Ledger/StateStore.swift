// The authenticated key-value state: a persistent, compressed binary Merkle-Patricia (crit-bit) trie.

import Crypto
import Synchronization

/// An authenticated key-value map with a Merkle root and proofs of membership and absence.
///
/// A persistent crit-bit trie over the bits of a prefix-free expansion of each key (per key byte: a marker bit 1,
/// then its 8 bits, most significant first; past the end every bit is 0). The expansion keeps byte-lexicographic
/// order, and no key's expansion is a prefix of another's, so every pair of keys has a first differing bit.
/// Inner nodes store that bit and their two subtrees (bit 0 left); leaves store key and value. The shape, and so
/// the root, depends only on the set of (key, value) pairs, never on the order of updates.
///
/// Hashes (computed on first use and then cached in the immutable nodes, so an update that is overwritten before
/// anyone asks for a root, such as a transaction check's, or a key written twice in one block, is never hashed):
/// - leaf = SHA-256(0x00 ‖ u32 len(key) ‖ key ‖ u32 len(value) ‖ value)
/// - inner = SHA-256(0x01 ‖ u32 bit ‖ left ‖ right)
/// - empty = `StateStore.emptyRoot` = `Hash.sha256(domain: "readchain/state/empty/v1")`
///
/// Nodes are immutable and shared between copies: copying is O(1), and an update allocates only the nodes on one
/// root-to-leaf path, O(depth) = O(log n) for keys that are hashes or have hashed components; the next root hashes
/// the new nodes of every update since the last root, each once.
///
/// Key design matters: depth is the length of the longest chain of keys that extend one another. Keys made of a
/// short fixed prefix and a hash (or a fixed-width id) keep it logarithmic; never build keys from unbounded,
/// user-chosen strings without hashing them (a user could then make "a", "aa", "aaa", … and a linear path).
///
/// Two states are equal when their roots are (SHA-256 collision resistance).
public struct StateStore: Sendable, Equatable {
    var root: TrieNode?

    public static func == (a: StateStore, b: StateStore) -> Bool { a.root === b.root || a.rootHash == b.rootHash }

    /// The root of the empty state.
    public static let emptyRoot = Hash.sha256(domain: "readchain/state/empty/v1")

    /// An empty state.
    public init() { root = nil }

    /// A state holding `pairs` (later duplicates win), built bottom-up with one hash per node.
    ///
    /// - Complexity: O(n log n) comparisons, O(n) hashes.
    public init(_ pairs: [(key: Bytes, value: Bytes)]) {
        var sorted = pairs.enumerated().sorted { a, b in
            if a.element.key == b.element.key { return a.offset < b.offset }
            return a.element.key.lexicographicallyPrecedes(b.element.key)
        }.map(\.element)
        // Keep the last of each run of equal keys.
        var unique: [(key: Bytes, value: Bytes)] = []
        unique.reserveCapacity(sorted.count)
        for p in sorted {
            if let last = unique.last, last.key == p.key { unique[unique.count - 1] = p } else { unique.append(p) }
        }
        sorted = []
        root = unique.isEmpty ? nil : TrieNode.build(unique[...])
    }

    /// The root hash. - Complexity: O(1).
    public var rootHash: Hash { root?.hash ?? StateStore.emptyRoot }

    /// Number of keys. - Complexity: O(1).
    public var count: Int { root?.count ?? 0 }

    public var isEmpty: Bool { root == nil }

    /// The value stored under `key`. - Complexity: O(depth).
    public func get(_ key: Bytes) -> Bytes? {
        guard let root else { return nil }
        let leaf = root.bestLeaf(for: key)
        return leaf.key == key ? leaf.value : nil
    }

    /// Stores `value` under `key`. - Complexity: O(depth) node allocations (hashed by the next `rootHash`).
    public mutating func set(_ key: Bytes, _ value: Bytes) {
        guard let r = root else {
            root = TrieNode(key: key, value: value)
            return
        }
        let leaf = r.bestLeaf(for: key)
        if let cb = critBit(key, leaf.key) {
            root = r.inserting(key, value, at: cb)
        } else if leaf.value != value {
            root = r.replacing(key, value)
        }
    }

    /// Removes `key` if present. - Complexity: O(depth).
    public mutating func remove(_ key: Bytes) {
        guard let r = root, r.bestLeaf(for: key).key == key else { return }
        root = r.removing(key)
    }

    /// All pairs whose key starts with `prefix`, in ascending byte order of keys.
    ///
    /// - Complexity: O(depth + k) for k results.
    public func scan(prefix: Bytes) -> [(key: Bytes, value: Bytes)] {
        guard let n = subtree(prefix) else { return [] }
        var out: [(key: Bytes, value: Bytes)] = []
        out.reserveCapacity(n.count)
        n.collect(into: &out)
        return out
    }

    /// The pairs whose key starts with `prefix` and sorts byte-lexicographically before `bound`, in ascending
    /// order: the first ones of ``scan(prefix:)``, without visiting the rest (an ordered index's due entries, e.g.
    /// deadlines up to a time, whatever the index's size).
    ///
    /// - Complexity: O(depth + k) for k results.
    public func scan(prefix: Bytes, below bound: Bytes) -> [(key: Bytes, value: Bytes)] {
        guard let n = subtree(prefix) else { return [] }
        var out: [(key: Bytes, value: Bytes)] = []
        n.collect(into: &out, below: bound)
        return out
    }

    /// The smallest subtree holding every key that starts with `prefix`, or nil when no key does.
    private func subtree(_ prefix: Bytes) -> TrieNode? {
        guard var n = root else { return nil }
        let prefixBits = prefix.count * 9
        while n.bit >= 0 && n.bit < prefixBits {
            n = keyBit(prefix, n.bit) == 0 ? n.left! : n.right!
        }
        var first = n
        while first.bit >= 0 { first = first.left! }
        return first.key.starts(with: prefix) ? n : nil
    }

    /// Every pair, in ascending key order.
    public var entries: [(key: Bytes, value: Bytes)] { scan(prefix: []) }

    /// A proof of `key`'s value, or of its absence, against `rootHash`. - Complexity: O(depth).
    public func prove(_ key: Bytes) -> StateProof {
        guard var n = root else { return StateProof(key: key, value: nil, neighbour: nil, steps: []) }
        var steps: [StateProof.Step] = []
        while n.bit >= 0 {
            let goLeft = keyBit(key, n.bit) == 0
            steps.append(StateProof.Step(bit: UInt32(n.bit), sibling: goLeft ? n.right!.hash : n.left!.hash))
            n = goLeft ? n.left! : n.right!
        }
        if n.key == key { return StateProof(key: key, value: n.value, neighbour: nil, steps: steps) }
        return StateProof(key: key, value: nil, neighbour: StateProof.Leaf(key: n.key, value: n.value), steps: steps)
    }

    /// Number of inner nodes on `key`'s search path (the nodes an update of `key` rehashes, minus the leaf).
    public func depth(of key: Bytes) -> Int {
        var d = 0
        var n = root
        while let x = n, x.bit >= 0 {
            d += 1
            n = keyBit(key, x.bit) == 0 ? x.left : x.right
        }
        return d
    }
}

/// A proof that `key` maps to `value` (membership) or to nothing (absence) under a state root.
///
/// `steps` is the search path of `key` from the root: each inner node's bit and the hash of the child not taken.
/// For absence, `neighbour` is the leaf that path ends at, whose key differs from `key`; since a crit-bit trie's
/// search path for a key is unique, reaching a different leaf proves the key is absent.
public struct StateProof: CanonicalCodable, Equatable, Sendable {
    public struct Step: Equatable, Sendable {
        public var bit: UInt32
        public var sibling: Hash
        public init(bit: UInt32, sibling: Hash) {
            self.bit = bit
            self.sibling = sibling
        }
    }

    public struct Leaf: Equatable, Sendable {
        public var key: Bytes
        public var value: Bytes
        public init(key: Bytes, value: Bytes) {
            self.key = key
            self.value = value
        }
    }

    public var key: Bytes
    /// The proven value; nil for a proof of absence.
    public var value: Bytes?
    /// For absence in a non-empty state: the leaf the key's search path reaches.
    public var neighbour: Leaf?
    /// Root first.
    public var steps: [Step]

    public init(key: Bytes, value: Bytes?, neighbour: Leaf?, steps: [Step]) {
        self.key = key
        self.value = value
        self.neighbour = neighbour
        self.steps = steps
    }

    /// Whether this proof holds against `root`. - Complexity: O(steps) hashes.
    public func verify(root: Hash) -> Bool {
        let leafKey: Bytes
        let leafValue: Bytes
        switch (value, neighbour) {
        case (nil, nil):
            return steps.isEmpty && root == StateStore.emptyRoot
        case (let v?, nil):
            leafKey = key
            leafValue = v
        case (nil, let n?):
            guard n.key != key else { return false }
            leafKey = n.key
            leafValue = n.value
        case (_?, _?):
            return false
        }
        var previous = -1
        for s in steps {
            let b = Int(s.bit)
            // Bits strictly increase along a path, and the leaf lies on the key's side of every node.
            guard b > previous, keyBit(leafKey, b) == keyBit(key, b) else { return false }
            previous = b
        }
        var h = TrieNode.leafHash(leafKey, leafValue)
        for s in steps.reversed() {
            h =
                keyBit(key, Int(s.bit)) == 0
                ? TrieNode.innerHash(Int(s.bit), h, s.sibling) : TrieNode.innerHash(Int(s.bit), s.sibling, h)
        }
        return h == root
    }

    public func encode(into w: inout CanonicalWriter) {
        w.writeBytes(key)
        w.writeOptional(value) { w, v in w.writeBytes(v) }
        w.writeOptional(neighbour) { w, n in
            w.writeBytes(n.key)
            w.writeBytes(n.value)
        }
        w.writeArray(steps) { w, s in
            w.write(s.bit)
            w.write(s.sibling)
        }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        key = try r.readBytes()
        value = try r.readOptional { (r: inout CanonicalReader) throws(DecodingError) -> Bytes in try r.readBytes() }
        neighbour = try r.readOptional { (r: inout CanonicalReader) throws(DecodingError) -> Leaf in
            Leaf(key: try r.readBytes(), value: try r.readBytes())
        }
        steps = try r.readArray(maxCount: 1 << 16) { (r: inout CanonicalReader) throws(DecodingError) -> Step in
            Step(bit: try r.readUInt32(), sibling: try r.read())
        }
    }
}

// MARK: - Trie internals

/// Bit `i` of the prefix-free expansion of `key` (see `StateStore`).
@inline(__always)
func keyBit(_ key: Bytes, _ i: Int) -> Int {
    let p = i / 9
    guard p < key.count else { return 0 }
    let s = i % 9
    if s == 0 { return 1 }
    return Int((key[p] >> UInt8(8 - s)) & 1)
}

/// The first bit where the expansions of `a` and `b` differ, or nil if the keys are equal.
func critBit(_ a: Bytes, _ b: Bytes) -> Int? {
    let n = Swift.min(a.count, b.count)
    var p = 0
    while p < n && a[p] == b[p] { p += 1 }
    if p == n { return a.count == b.count ? nil : p * 9 }
    return p * 9 + 1 + (a[p] ^ b[p]).leadingZeroBitCount
}

/// An immutable trie node; leaves have `bit == -1`.
///
/// Its hash is computed on first use and cached (`hash`). Nodes can be shared between threads (a genesis state
/// copied by parallel replications): the cache is published with release/acquire ordering, written only by the
/// thread that claims it first; any other thread that finds it unpublished computes the same value itself.
final class TrieNode: @unchecked Sendable {
    /// 0: not computed; 1: being stored by the thread that claimed it; 2: `storedHash` holds the hash.
    private let hashState = Atomic<UInt8>(0)
    /// Written once, by the claiming thread, before `hashState` becomes 2; read only after seeing 2.
    private nonisolated(unsafe) var storedHash = Hash.zero
    let count: Int
    let bit: Int
    let key: Bytes
    let value: Bytes
    let left: TrieNode?
    let right: TrieNode?

    init(key: Bytes, value: Bytes) {
        self.key = key
        self.value = value
        self.bit = -1
        self.count = 1
        self.left = nil
        self.right = nil
    }

    init(bit: Int, left: TrieNode, right: TrieNode) {
        self.key = []
        self.value = []
        self.bit = bit
        self.count = left.count + right.count
        self.left = left
        self.right = right
    }

    /// The node's hash (see `StateStore`): computed on first use (an inner node's from its children's), then cached.
    var hash: Hash {
        if hashState.load(ordering: .acquiring) == 2 { return storedHash }
        let h = bit < 0 ? TrieNode.leafHash(key, value) : TrieNode.innerHash(bit, left!.hash, right!.hash)
        if hashState.compareExchange(expected: 0, desired: 1, ordering: .relaxed).exchanged {
            storedHash = h
            hashState.store(2, ordering: .releasing)
        }
        return h
    }

    static func leafHash(_ key: Bytes, _ value: Bytes) -> Hash {
        var h = SHA256()
        h.update(data: [0])
        h.update(data: bigEndian32(key.count))
        h.update(data: key)
        h.update(data: bigEndian32(value.count))
        h.update(data: value)
        return Hash(digest: h.finalize())
    }

    static func innerHash(_ bit: Int, _ l: Hash, _ r: Hash) -> Hash {
        var h = SHA256()
        h.update(data: [1])
        h.update(data: bigEndian32(bit))
        l.withUnsafeBytes { h.update(bufferPointer: $0) }
        r.withUnsafeBytes { h.update(bufferPointer: $0) }
        return Hash(digest: h.finalize())
    }

    /// The leaf reached by following `key`'s bits.
    func bestLeaf(for key: Bytes) -> TrieNode {
        var n = self
        while n.bit >= 0 { n = keyBit(key, n.bit) == 0 ? n.left! : n.right! }
        return n
    }

    /// Inserts a new key whose first difference from the existing keys on its path is at bit `cb`.
    func inserting(_ key: Bytes, _ value: Bytes, at cb: Int) -> TrieNode {
        if bit < 0 || bit > cb {
            let leaf = TrieNode(key: key, value: value)
            return keyBit(key, cb) == 0
                ? TrieNode(bit: cb, left: leaf, right: self) : TrieNode(bit: cb, left: self, right: leaf)
        }
        return keyBit(key, bit) == 0
            ? TrieNode(bit: bit, left: left!.inserting(key, value, at: cb), right: right!)
            : TrieNode(bit: bit, left: left!, right: right!.inserting(key, value, at: cb))
    }

    /// Replaces the value of a key that is present.
    func replacing(_ key: Bytes, _ value: Bytes) -> TrieNode {
        if bit < 0 { return TrieNode(key: key, value: value) }
        return keyBit(key, bit) == 0
            ? TrieNode(bit: bit, left: left!.replacing(key, value), right: right!)
            : TrieNode(bit: bit, left: left!, right: right!.replacing(key, value))
    }

    /// Removes a key that is present; nil if nothing is left.
    func removing(_ key: Bytes) -> TrieNode? {
        if bit < 0 { return nil }
        if keyBit(key, bit) == 0 {
            guard let l = left!.removing(key) else { return right! }
            return TrieNode(bit: bit, left: l, right: right!)
        } else {
            guard let r = right!.removing(key) else { return left! }
            return TrieNode(bit: bit, left: left!, right: r)
        }
    }

    /// Appends the subtree's pairs with keys before `bound`, in order; false once a key at or after it was met.
    @discardableResult
    func collect(into out: inout [(key: Bytes, value: Bytes)], below bound: Bytes) -> Bool {
        if bit < 0 {
            guard key.lexicographicallyPrecedes(bound) else { return false }
            out.append((key, value))
            return true
        }
        return left!.collect(into: &out, below: bound) && right!.collect(into: &out, below: bound)
    }

    func collect(into out: inout [(key: Bytes, value: Bytes)]) {
        if bit < 0 {
            out.append((key, value))
        } else {
            left!.collect(into: &out)
            right!.collect(into: &out)
        }
    }

    /// Builds the trie of sorted, distinct keys.
    static func build(_ pairs: ArraySlice<(key: Bytes, value: Bytes)>) -> TrieNode {
        if pairs.count == 1 { return TrieNode(key: pairs.first!.key, value: pairs.first!.value) }
        let cb = critBit(pairs.first!.key, pairs.last!.key)!
        // First index whose bit `cb` is 1 (all keys share the bits before `cb`, sorted ⇒ 0s then 1s).
        var lo = pairs.startIndex
        var hi = pairs.endIndex - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if keyBit(pairs[mid].key, cb) == 0 { lo = mid + 1 } else { hi = mid }
        }
        return TrieNode(bit: cb, left: build(pairs[..<lo]), right: build(pairs[lo...]))
    }

    /// Checks the structural invariants (for tests): bits increase downwards, keys sit on the right side.
    func checkInvariants(parentBit: Int = -1) -> Bool {
        if bit < 0 { return count == 1 && hash == TrieNode.leafHash(key, value) }
        guard bit > parentBit, let l = left, let r = right, count == l.count + r.count,
            hash == TrieNode.innerHash(bit, l.hash, r.hash)
        else { return false }
        var a: [(key: Bytes, value: Bytes)] = []
        var b: [(key: Bytes, value: Bytes)] = []
        l.collect(into: &a)
        r.collect(into: &b)
        guard a.allSatisfy({ keyBit($0.key, bit) == 0 }), b.allSatisfy({ keyBit($0.key, bit) == 1 }) else {
            return false
        }
        return l.checkInvariants(parentBit: bit) && r.checkInvariants(parentBit: bit)
    }
}

extension StateStore {
    /// Structural check of the whole trie (tests only; O(n · depth)).
    func checkInvariants() -> Bool { root?.checkInvariants() ?? true }
}
