import CGSL
import Testing

@testable import Stochastic

/// Checks the assumption behind full-state seeding: GSL's `mt_state_t` is
/// `{ unsigned long mt[624]; int mti; }`. If a GSL release changes it, these tests fail
/// instead of the streams silently losing their seeding.
@Suite("MT19937 state layout")
struct MT19937StateTests {
    /// GSL's documented seeding of mt19937 (Knuth, TAOCP vol. 2, 3rd ed., p. 106; GSL rng/mt.c):
    /// mt[0] = s; mt[i] = (1812433253 * (mt[i-1] ^ (mt[i-1] >> 30)) + i) & 0xffffffff.
    private func knuthWords(_ s: UInt64) -> [UInt64] {
        var words = [s & 0xFFFF_FFFF]
        for i in 1..<624 {
            let previous = words[i - 1]
            words.append((1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt64(i)) & 0xFFFF_FFFF)
        }
        return words
    }

    @Test(arguments: [1 as UInt64, 4357, 5489, 19_650_218, 0xFFFF_FFFF])
    func gslSeedingWritesTheKnuthRecurrenceIntoTheRestatedLayout(seed: UInt64) {
        RandomStream(name: "layout", key: 0).withGenerator { rng in
            #expect(gsl_rng_size(rng) == readchain_mt19937_state_size())
            gsl_rng_set(rng, CUnsignedLong(seed))
            let state = MT19937Seeding.words(of: rng)
            #expect(state.words == knuthWords(seed))
            #expect(state.mti == 624)
        }
    }

    /// Writing the Knuth words through our path must give exactly the generator `gsl_rng_set` gives.
    @Test func writingTheStateReproducesGslSeeding() {
        RandomStream(name: "reference", key: 0).withGenerator { reference in
            gsl_rng_set(reference, 5489)
            RandomStream(name: "written", key: 1).withGenerator { written in
                MT19937Seeding.write(knuthWords(5489).map { UInt32($0) }, into: written)
                for _ in 0..<2000 {
                    #expect(gsl_rng_get(written) == gsl_rng_get(reference))
                }
            }
        }
    }

    /// Matsumoto and Nishimura's reference output: the first word after seeding with 5489.
    @Test func referenceOutput() {
        RandomStream(name: "reference", key: 0).withGenerator { rng in
            gsl_rng_set(rng, 5489)
            #expect(gsl_rng_get(rng) == 3_499_211_612)
        }
    }

    @Test func derivedStateIsThirtyTwoBitWordsAndFresh() {
        let streams = RandomStreams(seed: 3, replication: 2)
        let state = streams.stream("state").withGenerator { MT19937Seeding.words(of: $0) }
        #expect(state.mti == 624)
        #expect(state.words.allSatisfy { $0 <= 0xFFFF_FFFF })
        #expect(Set(state.words).count > 600)
        let other = streams.stream("state2").withGenerator { MT19937Seeding.words(of: $0) }
        #expect(other.words != state.words)
    }

    @Test func allZeroStateIsRepaired() {
        RandomStream(name: "zero", key: 0).withGenerator { rng in
            MT19937Seeding.write([UInt32](repeating: 0, count: 624), into: rng)
            #expect(MT19937Seeding.words(of: rng).words[0] == 0x8000_0000)
            #expect((0..<100).contains { _ in gsl_rng_get(rng) != 0 })
        }
    }

    /// SplitMix64 reference outputs for seed 1234567 (Vigna, `splitmix64.c`).
    @Test func splitMix64ReferenceOutputs() {
        var generator = SplitMix64(state: 1_234_567)
        let outputs = (0..<3).map { _ in generator.next() }
        #expect(outputs == [6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423])
    }
}
