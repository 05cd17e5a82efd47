import CGSL

/// Fills a GSL MT19937 generator's whole 624-word state from a 64-bit key.
///
/// `gsl_rng_set` accepts only a 32-bit seed for `mt19937`, so two streams in a large parameter sweep
/// would collide with probability about k²/2³³ for k streams. Instead the 624 state words are taken
/// from a SplitMix64 sequence started at the key (each word the high 32 bits of one output), `mti` is
/// set to 624 so the first draw regenerates the block, and the state is never the degenerate one
/// (MT19937 ignores the low 31 bits of word 0; if every other bit is zero, word 0 gets its top bit,
/// as in the reference `init_by_array`).
///
/// This writes GSL's private `mt_state_t { unsigned long mt[624]; int mti; }` (GSL rng/mt.c) through
/// the accessors in `shim.h`. The layout is checked at run time (`gsl_rng_size`) and by a test that
/// compares the words `gsl_rng_set` writes with GSL's documented Knuth seeding recurrence.
enum MT19937Seeding {
    static let wordCount = Int(READCHAIN_MT19937_N)

    /// Fills `rng`'s state from `key`.
    /// - Precondition: `rng` is an `mt19937` generator whose state has the restated layout.
    /// - Complexity: O(624).
    static func fill(_ rng: UnsafeMutablePointer<gsl_rng>, from key: UInt64) {
        var words = [UInt32]()
        words.reserveCapacity(wordCount)
        var splitMix = SplitMix64(state: key)
        for _ in 0..<wordCount {
            words.append(UInt32(truncatingIfNeeded: splitMix.next() >> 32))
        }
        write(words, into: rng)
    }

    /// Writes 624 words (and `mti = 624`) into `rng`'s state, fixing the all-zero state.
    /// - Complexity: O(624).
    static func write(_ words: [UInt32], into rng: UnsafeMutablePointer<gsl_rng>) {
        precondition(words.count == wordCount, "MT19937 state needs \(wordCount) words")
        precondition(
            gsl_rng_size(rng) == readchain_mt19937_state_size(),
            "GSL's mt19937 state size \(gsl_rng_size(rng)) differs from the restated layout")
        guard let state = gsl_rng_state(rng) else { preconditionFailure("gsl_rng_state returned NULL") }
        var words = words
        if words[0] & 0x8000_0000 == 0 && words[1...].allSatisfy({ $0 == 0 }) {
            words[0] = 0x8000_0000
        }
        for (index, word) in words.enumerated() {
            readchain_mt19937_set_word(state, Int32(index), CUnsignedLong(word))
        }
        readchain_mt19937_set_index(state, Int32(wordCount))
    }

    /// Reads the 624 state words of `rng` back (for tests and diagnostics).
    /// - Complexity: O(624).
    static func words(of rng: UnsafeMutablePointer<gsl_rng>) -> (words: [UInt64], mti: Int) {
        guard let state = gsl_rng_state(rng) else { preconditionFailure("gsl_rng_state returned NULL") }
        let words = (0..<wordCount).map { UInt64(readchain_mt19937_word(state, Int32($0))) }
        return (words, Int(readchain_mt19937_index(state)))
    }
}
