/// Steele, Lea and Flood's SplitMix64 (OOPSLA 2014; constants from Vigna's `splitmix64.c`): a small, fully
/// specified generator. It seeds each MT19937 stream (`MT19937Seeding`), hashes stream names (`RandomStreams`),
/// samples sweep points (the Latin hypercube of Scenario's `SweepFile`), gives the keyed per-entity draws of
/// ``KeyedDraws`` and makes reproducible test data. The model's own random numbers come from `RandomStreams` (its
/// streams and its ``RandomStreams/keyedDraws``), never from an ad-hoc seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The counter, advanced by the golden gamma before each output.
    public var state: UInt64

    /// Starts at `state`.
    public init(state: UInt64) { self.state = state }

    /// Starts at `seed` (the same as ``init(state:)``).
    public init(seed: UInt64) { self.state = seed }

    /// The next output: advance by the golden gamma, then finalise.
    /// - Complexity: O(1).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.finalise(state)
    }

    /// Uniform in [0, 1) with 53 random bits: `(next() >> 11) · 2⁻⁵³`.
    /// - Complexity: O(1).
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in (0, 1), never 0 or 1, with 53 random bits: `((next() >> 11) + ½) · 2⁻⁵³`. For inversion
    /// (a quantile function at 0 or 1 is infinite).
    /// - Complexity: O(1).
    public mutating func uniformPositive() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }

    /// The SplitMix64 output function (a variant of MurmurHash3's fmix64): a bijection on 64 bits.
    /// - Complexity: O(1).
    public static func finalise(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
