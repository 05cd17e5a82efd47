import CGSL

/// The named random streams of one replication, each with its own generator.
///
/// **Generator.** Every stream is GSL's MT19937 (`gsl_rng_mt19937`, Matsumoto and Nishimura 1998),
/// with its whole 624-word state filled from a 64-bit key (see `MT19937Seeding`).
///
/// **Derivation.** A stream's key depends only on (master seed, replication, name):
///
///     bytes = seed (8 bytes, little-endian)
///          ++ replication (Int64, 8 bytes, little-endian)
///          ++ count of the name's UTF-8 bytes (UInt64, 8 bytes, little-endian)
///          ++ the name's UTF-8 bytes
///     key   = SplitMix64.finalise(FNV-1a-64(bytes))
///
/// Swift's `Hasher` is not used: it is seeded per process. The length prefix makes the encoding
/// unambiguous; the finaliser spreads FNV's weak low bits over the whole key.
///
/// Because no stream's numbers depend on which other streams exist or on the order in which they
/// were requested, adding a stream never shifts another stream's numbers. This gives common random
/// numbers across market designs: the same seed and replication give the same arrivals to every
/// design that asks for the `"arrivals"` stream.
public final class RandomStreams {
    /// The master seed of the experiment.
    public let seed: UInt64
    /// The replication number; different replications get different streams.
    public let replication: Int
    /// Streams requested so far, by name (used only for lookup, never iterated).
    private var streams: [String: RandomStream] = [:]

    /// The GSL generator every stream uses.
    public static let generatorName: String = {
        GSL.ensureInitialised()
        return String(cString: readchain_gsl_rng_mt19937().pointee.name)
    }()

    /// The version of the GSL library linked at run time (`gsl_version`), e.g. `"2.7.1"`.
    public static var gslVersion: String {
        String(cString: readchain_gsl_version())
    }

    /// Creates the (initially empty) set of streams for one replication.
    /// - Complexity: O(1); streams are created on request.
    public init(seed: UInt64, replication: Int) {
        GSL.ensureInitialised()
        self.seed = seed
        self.replication = replication
    }

    /// The stream called `name`, created on the first request and the same object afterwards.
    /// - Complexity: O(624) on the first request for a name, O(name length) afterwards.
    public func stream(_ name: String) -> RandomStream {
        if let existing = streams[name] { return existing }
        let created = RandomStream(name: name, key: RandomStreams.key(seed: seed, replication: replication, name: name))
        streams[name] = created
        return created
    }

    /// The 64-bit key of stream `name` (the derivation in the type's documentation).
    /// - Complexity: O(name length).
    static func key(seed: UInt64, replication: Int, name: String) -> UInt64 {
        var hash = FNV1a64()
        hash.append(seed)
        hash.append(UInt64(bitPattern: Int64(replication)))
        let utf8 = Array(name.utf8)
        hash.append(UInt64(utf8.count))
        hash.append(utf8)
        return SplitMix64.finalise(hash.value)
    }
}

/// The 64-bit Fowler–Noll–Vo 1a hash (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
struct FNV1a64 {
    private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    /// Hashes one byte.
    /// - Complexity: O(1).
    mutating func append(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    /// Hashes bytes in order.
    /// - Complexity: O(n).
    mutating func append(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { append(byte) }
    }

    /// Hashes the 8 bytes of `word`, least significant first.
    /// - Complexity: O(1).
    mutating func append(_ word: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) {
            append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
        }
    }
}
