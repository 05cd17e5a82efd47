// A small seeded mutational fuzzer: libFuzzer's mutation operators without its coverage feedback.

/// SplitMix64 (Steele, Lea, Flood 2014): a fixed, fast generator, so every run mutates the same way.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476C_E5E4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Mutates inputs drawn from a corpus: bit flips, byte sets, insertions, deletions, copies, splices with
/// another input, boundary integers (1, 2, 4, 8 bytes big-endian, as the canonical encoding writes them),
/// length fields aimed at the bytes left, arithmetic, truncation, dictionary tokens and, for text, whole lines.
struct Mutator {
    var rng: SplitMix64
    /// Tokens to insert or overwrite with (scenario words and YAML syntax; empty for binary targets).
    var dictionary: [[UInt8]]
    var isText: Bool
    var maxLength: Int

    static let interesting: [UInt64] = [
        0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        0x1_0000_0000, 1 << 20, (1 << 20) + 1, 1 << 60, (1 << 60) + 1, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000,
        UInt64.max, UInt64.max - 1,
    ]

    init(seed: UInt64, dictionary: [[UInt8]] = [], isText: Bool = false, maxLength: Int = 1 << 15) {
        rng = SplitMix64(state: seed)
        self.dictionary = dictionary
        self.isText = isText
        self.maxLength = maxLength
    }

    mutating func int(_ n: Int) -> Int { n <= 1 ? 0 : Int(rng.next() % UInt64(n)) }
    mutating func chance(_ k: Int) -> Bool { int(k) == 0 }

    /// One to four stacked mutations of `input`; `other` is a second corpus entry for splices.
    mutating func mutate(_ input: [UInt8], other: [UInt8]) -> [UInt8] {
        var b = input
        for _ in 0..<(1 + int(4)) { once(&b, other: other) }
        if b.count > maxLength { b.removeLast(b.count - maxLength) }
        return b
    }

    private mutating func once(_ b: inout [UInt8], other: [UInt8]) {
        let operators = isText ? 14 : 11
        switch int(operators) {
        case 0 where !b.isEmpty:  // flip a bit
            b[int(b.count)] ^= 1 << UInt8(int(8))
        case 1 where !b.isEmpty:  // set a byte
            b[int(b.count)] = UInt8(truncatingIfNeeded: rng.next())
        case 2:  // insert random bytes
            let n = 1 + int(8)
            b.insert(contentsOf: (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: int(b.count + 1))
        case 3 where !b.isEmpty:  // delete a range
            let at = int(b.count)
            b.removeSubrange(at..<min(b.count, at + 1 + int(16)))
        case 4 where !b.isEmpty:  // copy a range elsewhere
            let from = int(b.count)
            let part = Array(b[from..<min(b.count, from + 1 + int(32))])
            if chance(2) {
                b.insert(contentsOf: part, at: int(b.count + 1))
            } else {
                let to = int(b.count)
                b.replaceSubrange(to..<min(b.count, to + part.count), with: part)
            }
        case 5 where !other.isEmpty:  // splice: a prefix of this input, a suffix of another
            b = Array(b.prefix(int(b.count + 1))) + other.suffix(int(other.count + 1))
        case 6:  // a boundary integer, big-endian, 1/2/4/8 bytes, overwritten or inserted
            let width = [1, 2, 4, 8][int(4)]
            var v = Self.interesting[int(Self.interesting.count)]
            if chance(4) { v = ~v }
            let bytes = (0..<width).map { UInt8(truncatingIfNeeded: v >> UInt64(8 * (width - 1 - $0))) }
            write(bytes, into: &b)
        case 7 where b.count >= 4:  // a u32 length aimed at the bytes left after it, give or take a few
            let at = int(b.count - 3)
            let n = UInt32(clamping: max(0, b.count - at - 4 + int(9) - 4))
            b.replaceSubrange(at..<(at + 4), with: (0..<4).map { UInt8(truncatingIfNeeded: n >> UInt32(24 - 8 * $0)) })
        case 8 where !b.isEmpty:  // small arithmetic on a byte
            let at = int(b.count)
            b[at] = chance(2) ? b[at] &+ UInt8(1 + int(16)) : b[at] &- UInt8(1 + int(16))
        case 9 where !b.isEmpty:  // truncate
            b.removeLast(1 + int(b.count))
        case 10 where b.count > 1:  // swap two bytes
            b.swapAt(int(b.count), int(b.count))
        case 11 where !dictionary.isEmpty:  // a dictionary token
            write(dictionary[int(dictionary.count)], into: &b)
        case 12:  // delete, duplicate or move a whole line
            var lines = b.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
            guard !lines.isEmpty else { return }
            let i = int(lines.count)
            switch int(3) {
            case 0: lines.remove(at: i)
            case 1: lines.insert(lines[i], at: int(lines.count + 1))
            default:
                let line = lines.remove(at: i)
                lines.insert(line, at: int(lines.count + 1))
            }
            b = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
        case 13:  // change a line's indentation
            var lines = b.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
            guard !lines.isEmpty else { return }
            let i = int(lines.count)
            if chance(2) {
                lines[i].insert(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: 1 + int(4)), at: 0)
            } else {
                lines[i] = Array(lines[i].drop { $0 == UInt8(ascii: " ") })
            }
            b = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
        default:
            break
        }
    }

    /// Overwrites at a random position or inserts, half and half.
    private mutating func write(_ bytes: [UInt8], into b: inout [UInt8]) {
        let at = int(b.count + 1)
        if chance(2) {
            b.insert(contentsOf: bytes, at: at)
        } else {
            b.replaceSubrange(at..<min(b.count, at + bytes.count), with: bytes)
        }
    }
}
