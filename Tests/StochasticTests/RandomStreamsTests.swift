import Testing

@testable import Stochastic

@Suite("Random streams")
struct RandomStreamsTests {
    private func draws(_ stream: RandomStream, _ n: Int = 1000) -> [Double] {
        (0..<n).map { _ in stream.uniform() }
    }

    @Test func sameSeedGivesSameSequenceInSeparateObjects() {
        let a = RandomStreams(seed: 42, replication: 3).stream("arrivals")
        let b = RandomStreams(seed: 42, replication: 3).stream("arrivals")
        #expect(a !== b)
        #expect(a.seed == b.seed)
        #expect(draws(a) == draws(b))
    }

    @Test func sameNameReturnsSameObject() {
        let streams = RandomStreams(seed: 1, replication: 0)
        let first = streams.stream("x")
        _ = first.uniform()
        #expect(streams.stream("x") === first)
    }

    @Test func differentNamesReplicationsAndSeedsDiffer() {
        let base = draws(RandomStreams(seed: 42, replication: 3).stream("arrivals"))
        let otherName = draws(RandomStreams(seed: 42, replication: 3).stream("arrival"))
        let otherReplication = draws(RandomStreams(seed: 42, replication: 4).stream("arrivals"))
        let otherSeed = draws(RandomStreams(seed: 43, replication: 3).stream("arrivals"))
        for other in [otherName, otherReplication, otherSeed] {
            // Independent uniforms agree in no position (with probability 1 − 1000/2³²).
            #expect(zip(base, other).allSatisfy { $0 != $1 })
        }
    }

    @Test func addingStreamsNeverShiftsAnotherStream() {
        let alone = RandomStreams(seed: 7, replication: 1)
        let expected = draws(alone.stream("service"), 500)

        for order in [["a", "b", "c"], ["c", "a"], ["zz", "service.extra", "b", "a"]] {
            let crowded = RandomStreams(seed: 7, replication: 1)
            for name in order { _ = draws(crowded.stream(name), 37) }
            let service = crowded.stream("service")
            var got: [Double] = []
            // Interleave draws from the other streams with the ones under test.
            for i in 0..<500 {
                got.append(service.uniform())
                _ = crowded.stream(order[i % order.count]).uniform()
            }
            #expect(got == expected, "order \(order)")
        }
    }

    @Test func keysAreDistinctAcrossManyNamesAndReplications() {
        var keys: Set<UInt64> = []
        for replication in 0..<50 {
            for name in ["", "a", "b", "ab", "arrivals", "arrivals.ct", "service"] {
                keys.insert(RandomStreams.key(seed: 99, replication: replication, name: name))
            }
        }
        #expect(keys.count == 50 * 7)
        // The length prefix keeps (replication, name) unambiguous even for negative replications.
        #expect(
            RandomStreams.key(seed: 0, replication: -1, name: "")
                != RandomStreams.key(seed: 0, replication: 0, name: ""))
    }

    /// Pins the derivation: results stay reproducible across versions of this code.
    @Test func keyDerivationIsPinned() {
        var hash = FNV1a64()
        hash.append(UInt64(42))
        hash.append(UInt64(bitPattern: 3))
        hash.append(UInt64(8))
        hash.append(Array("arrivals".utf8))
        #expect(RandomStreams.key(seed: 42, replication: 3, name: "arrivals") == SplitMix64.finalise(hash.value))
        #expect(RandomStreams.key(seed: 42, replication: 3, name: "arrivals") == 11_609_984_496_619_537_868)
    }

    /// FNV-1a-64 test vectors from the FNV reference (Fowler, Noll and Vo, `test_fnv.c`).
    @Test func fnv1aMatchesReferenceVectors() {
        func fnv(_ text: String) -> UInt64 {
            var hash = FNV1a64()
            hash.append(Array(text.utf8))
            return hash.value
        }
        #expect(fnv("") == 0xCBF2_9CE4_8422_2325)
        #expect(fnv("a") == 0xAF63_DC4C_8601_EC8C)
        #expect(fnv("foobar") == 0x8594_4171_F739_67E8)
    }

    @Test func uniformRanges() {
        let stream = RandomStreams(seed: 5, replication: 0).stream("u")
        for _ in 0..<10_000 {
            let u = stream.uniform()
            #expect(u >= 0 && u < 1)
            let p = stream.uniformPositive()
            #expect(p > 0 && p < 1)
        }
    }

    /// Counts of `uniformInt(below: 3)` are multinomial(1/3 each); χ² with 2 degrees of freedom
    /// exceeds 13.8 with probability 0.001.
    @Test func uniformIntIsUnbiased() {
        let stream = RandomStreams(seed: 5, replication: 0).stream("int")
        var counts = [0, 0, 0]
        let n = 90_000
        for _ in 0..<n { counts[Int(stream.uniformInt(below: 3))] += 1 }
        let expected = Double(n) / 3
        let chiSquare = counts.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chiSquare < 13.8, "counts \(counts)")
    }

    @Test func uniformIntAboveThirtyTwoBits() {
        let stream = RandomStreams(seed: 5, replication: 0).stream("wide")
        let n: UInt64 = 3 << 40
        let values = (0..<2000).map { _ in stream.uniformInt(below: n) }
        #expect(values.allSatisfy { $0 < n })
        // Most values need more than 32 bits; a 32-bit-only draw would never exceed 2³².
        #expect(values.filter { $0 > UInt64(UInt32.max) }.count > 1900)
        #expect(stream.uniformInt(below: 1) == 0)
    }

    @Test func generatorAndLibraryAreReported() {
        #expect(RandomStreams.generatorName == "mt19937")
        #expect(RandomStreams.gslVersion.hasPrefix("2."))
    }
}
