import PropertyBased
import Stochastic
import Testing

@testable import Ledger

@Suite("State store (crit-bit Merkle trie)")
struct StateStoreTests {
    /// Reference model: a dictionary, sorted when read.
    func sortedPairs(_ m: [Bytes: Bytes], prefix: Bytes = []) -> [(key: Bytes, value: Bytes)] {
        m.filter { $0.key.starts(with: prefix) }.map { (key: $0.key, value: $0.value) }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    func same(_ a: [(key: Bytes, value: Bytes)], _ b: [(key: Bytes, value: Bytes)]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    @Test func emptyState() {
        let s = StateStore()
        #expect(s.rootHash == StateStore.emptyRoot)
        #expect(s.count == 0)
        #expect(s.get([1]) == nil)
        #expect(s.scan(prefix: []).isEmpty)
        let p = s.prove([1])
        #expect(p.verify(root: s.rootHash))
        #expect(!p.verify(root: Hash.zero))
    }

    @Test func prefixKeysAndEmptyKey() {
        var s = StateStore()
        let keys: [Bytes] = [[], [0], [0, 0], [1], [0, 1], [0, 0, 0], [255], [255, 0]]
        for (i, k) in keys.enumerated() { s.set(k, [UInt8(i)]) }
        #expect(s.checkInvariants())
        #expect(s.count == keys.count)
        for (i, k) in keys.enumerated() { #expect(s.get(k) == [UInt8(i)]) }
        #expect(s.scan(prefix: [0]).map(\.key) == [[0], [0, 0], [0, 0, 0], [0, 1]])
        #expect(s.entries.map(\.key) == keys.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test func randomOperationsMatchDictionaryModel() {
        var g = SplitMix64(seed: 5)
        for round in 0..<40 {
            var s = StateStore()
            var model: [Bytes: Bytes] = [:]
            let keySpace = 1 + round * 3
            for step in 0..<400 {
                let k = g.bytes(upTo: g.int(0..<3))  // short keys: many prefixes and collisions
                let key = k.isEmpty && keySpace > 4 ? [UInt8(g.int(0..<keySpace) & 0xff)] : k
                switch g.int(0..<10) {
                case 0..<5:
                    let v = g.bytes(upTo: 3)
                    s.set(key, v)
                    model[key] = v
                case 5..<8:
                    s.remove(key)
                    model[key] = nil
                case 8:
                    let prefix = g.bytes(upTo: 1)
                    #expect(same(s.scan(prefix: prefix), sortedPairs(model, prefix: prefix)))
                default:
                    // The bounded scan is the full scan's pairs before the bound, whatever the bound's length.
                    let prefix = g.bytes(upTo: 1)
                    let bound = g.bytes(upTo: 4)
                    let expected = sortedPairs(model, prefix: prefix).filter { $0.key.lexicographicallyPrecedes(bound) }
                    #expect(same(s.scan(prefix: prefix, below: bound), expected))
                }
                #expect(s.get(key) == model[key])
                #expect(s.count == model.count)
                if step % 50 == 0 {
                    #expect(s.checkInvariants())
                    #expect(s.rootHash == StateStore(sortedPairs(model)).rootHash)
                }
            }
            #expect(same(s.entries, sortedPairs(model)))
        }
    }

    @Test func rootIndependentOfInsertionOrder() async {
        await propertyCheck(count: 100, input: Gen.int(in: 0...1_000_000).array(of: 0...60)) { xs in
            var a = StateStore()
            for x in xs { a.set(Self.key(x), Self.value(x)) }
            var b = StateStore()
            for x in xs.reversed() { b.set(Self.key(x), Self.value(x)) }
            var c = StateStore()
            for x in xs.sorted() { c.set(Self.key(x), Self.value(x)) }
            // Insert extra keys and remove them again: no trace left.
            var d = c
            for x in xs { d.set(Self.key(x + 7_000_000), [1]) }
            for x in xs { d.remove(Self.key(x + 7_000_000)) }
            #expect(a.rootHash == b.rootHash)
            #expect(a.rootHash == c.rootHash)
            #expect(a.rootHash == d.rootHash)
            #expect(a.rootHash == StateStore(xs.map { (key: Self.key($0), value: Self.value($0)) }).rootHash)
        }
    }

    static func key(_ x: Int) -> Bytes {
        // Variable-length keys with shared prefixes.
        Array(String(x).utf8)
    }

    static func value(_ x: Int) -> Bytes { [UInt8(x & 0xff), UInt8((x >> 8) & 0xff)] }

    @Test func proofsOfMembershipAndAbsence() {
        var g = SplitMix64(seed: 11)
        for n in [0, 1, 2, 3, 10, 100, 300] {
            var s = StateStore()
            var present: [Bytes] = []
            for _ in 0..<n {
                let k = g.bytes(upTo: 4)
                s.set(k, g.bytes(upTo: 6))
                present.append(k)
            }
            let root = s.rootHash
            for k in present {
                let p = s.prove(k)
                #expect(p.value == s.get(k))
                #expect(p.verify(root: root))
                #expect(try! StateProof.decode(canonical: p.canonicalBytes).verify(root: root))
                var wrong = p
                wrong.value = (p.value ?? []) + [0]
                #expect(!wrong.verify(root: root))
                wrong = p
                wrong.value = nil
                #expect(!wrong.verify(root: root), "claiming absence of a present key")
                #expect(!p.verify(root: Hash.sha256(root.bytes)))
            }
            for _ in 0..<50 {
                let k = g.bytes(upTo: 5)
                let p = s.prove(k)
                #expect(p.verify(root: root))
                #expect(p.value == s.get(k))
                if p.value == nil, n > 0 {
                    var wrong = p
                    wrong.value = [1]
                    wrong.neighbour = nil
                    #expect(!wrong.verify(root: root), "claiming presence of an absent key")
                    wrong = p
                    wrong.neighbour?.value.append(9)
                    #expect(!wrong.verify(root: root))
                    if !p.steps.isEmpty {
                        wrong = p
                        wrong.steps.removeLast()
                        #expect(!wrong.verify(root: root))
                    }
                }
            }
        }
    }

    @Test func copiesAreIndependent() {
        var a = StateStore()
        for i in 0..<100 { a.set([UInt8(i)], [UInt8(i)]) }
        let rootBefore = a.rootHash
        var b = a
        b.set([5], [99])
        b.remove([6])
        b.set([200, 1], [1])
        #expect(a.rootHash == rootBefore)
        #expect(a.get([5]) == [5])
        #expect(a.get([6]) == [6])
        #expect(a.get([200, 1]) == nil)
        #expect(b.get([5]) == [99])
        #expect(b.rootHash != rootBefore)
        // Setting the same value, or removing an absent key, changes nothing.
        var c = a
        c.set([5], [5])
        c.remove([250])
        #expect(c.rootHash == rootBefore)
    }

    @Test func updateCostIsLogarithmic() {
        // Depth of a path (nodes rehashed per update) for hashed keys stays near log2(n).
        var pairs: [(key: Bytes, value: Bytes)] = []
        for i in 0..<20_000 { pairs.append((Hash.sha256(UInt64Box(v: UInt64(i)).canonicalBytes).bytes, [1])) }
        let s = StateStore(pairs)
        let maxDepth = pairs.prefix(500).map { s.depth(of: $0.key) }.max()!
        #expect(maxDepth < 40)  // log2(20000) ≈ 14.3
        var t = StateStore()
        for p in pairs.prefix(2_000) { t.set(p.key, p.value) }
        #expect(t.rootHash == StateStore(Array(pairs.prefix(2_000))).rootHash)
    }
}
