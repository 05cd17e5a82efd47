import CGSL

/// One named, independently seeded stream of uniform random numbers: a GSL MT19937 generator.
///
/// Obtain streams from `RandomStreams.stream(_:)`, which derives each stream's 64-bit key from
/// the master seed, the replication and the name; see `RandomStreams` for the derivation.
///
/// A stream is deliberately not `Sendable`: its generator mutates on every draw, and one
/// replication of the simulation runs on one thread.
public final class RandomStream {
    /// The name the stream was requested under, e.g. `"arrivals.ct"`.
    public let name: String
    /// The 64-bit key derived from (master seed, replication, name) that seeded the generator.
    public let seed: UInt64
    /// The owned GSL generator (`gsl_rng_alloc(gsl_rng_mt19937)`), freed in `deinit`.
    ///
    /// Pass it to GSL only while the stream is certainly alive: inside a method of the stream, or of
    /// a caller that holds the stream as a parameter (`sample(_:)`), or through `withGenerator`.
    let rng: UnsafeMutablePointer<gsl_rng>

    /// Creates a stream whose MT19937 state is filled from `key` (see `MT19937Seeding`).
    /// - Complexity: O(624).
    init(name: String, key: UInt64) {
        GSL.ensureInitialised()
        guard let rng = gsl_rng_alloc(readchain_gsl_rng_mt19937()) else {
            // gsl_rng_alloc fails only when malloc does; nothing sensible can continue.
            fatalError("gsl_rng_alloc(gsl_rng_mt19937) failed: out of memory")
        }
        self.name = name
        self.seed = key
        self.rng = rng
        MT19937Seeding.fill(rng, from: key)
    }

    /// Runs `body` with the generator, keeping the stream (and so the generator) alive meanwhile.
    /// - Complexity: that of `body`.
    func withGenerator<Result>(_ body: (UnsafeMutablePointer<gsl_rng>) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(self) { try body(rng) }
    }

    deinit {
        gsl_rng_free(rng)
    }

    /// A uniform double in [0, 1) with 32 bits of resolution (`gsl_rng_uniform`).
    /// - Complexity: O(1) amortised.
    public func uniform() -> Double {
        gsl_rng_uniform(rng)
    }

    /// A uniform double in (0, 1), never exactly 0 (`gsl_rng_uniform_pos`).
    /// - Complexity: O(1) amortised.
    public func uniformPositive() -> Double {
        gsl_rng_uniform_pos(rng)
    }

    /// A uniform integer in `0..<n`, without modulo bias.
    ///
    /// For `n <= 2^32` this is `gsl_rng_uniform_int` (MT19937 yields 32-bit words); for larger `n`
    /// two words are joined into 64 bits and drawn by rejection.
    /// - Precondition: `n > 0`.
    /// - Complexity: O(1) expected.
    public func uniformInt(below n: UInt64) -> UInt64 {
        precondition(n > 0, "uniformInt(below:) needs n > 0")
        if n <= 1 << 32 {
            return UInt64(gsl_rng_uniform_int(rng, CUnsignedLong(n)))
        }
        // Reject the top partial block of the 64-bit range so that every residue is equally likely.
        let limit = UInt64.max - (UInt64.max % n + 1) % n
        while true {
            let word = UInt64(gsl_rng_get(rng)) << 32 | UInt64(gsl_rng_get(rng))
            if word <= limit { return word % n }
        }
    }
}
