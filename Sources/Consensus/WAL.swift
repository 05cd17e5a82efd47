// The consensus write-ahead log (CometBFT `consensus/wal.go`, `spec/consensus/wal.md`), reduced to what a
// restarted process needs to stay safe and live: its height, round, lock and valid value.

import Ledger

/// The round state a restarted process must not forget (B04).
///
/// The double-sign guard (`SignerState`) already makes a restarted node re-emit the same vote or nothing. What it
/// does not keep is the *lock*: a node that precommitted v in round r and forgets lockedValue = v could prevote
/// a conflicting value in a later round (amnesia). The core emits `ConsensusOutput.persistWAL` before any
/// precommit that follows a lock change, and on every new round; the driver appends the record to a
/// `ConsensusWAL` and, after a restart, hands `ConsensusWAL.latest` to `ConsensusCore.init(…recovering:…)`.
public struct WALRecord: Hashable, Sendable, CanonicalCodable, CustomStringConvertible {
    public var height: Height
    public var round: Round
    public var lockedValue: ProposedValue?
    public var lockedRound: Round
    public var validValue: ProposedValue?
    public var validRound: Round

    public init(
        height: Height, round: Round, lockedValue: ProposedValue?, lockedRound: Round, validValue: ProposedValue?,
        validRound: Round
    ) {
        self.height = height
        self.round = round
        self.lockedValue = lockedValue
        self.lockedRound = lockedRound
        self.validValue = validValue
        self.validRound = validRound
    }

    public func encode(into w: inout CanonicalWriter) {
        w.write(height)
        w.write(round)
        w.writeOptional(lockedValue)
        w.write(lockedRound)
        w.writeOptional(validValue)
        w.write(validRound)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        height = try r.readUInt64()
        round = try r.readInt64()
        lockedValue = try r.readOptional(ProposedValue.self)
        lockedRound = try r.readInt64()
        validValue = try r.readOptional(ProposedValue.self)
        validRound = try r.readInt64()
    }

    public var description: String {
        "wal(\(height)/\(round), locked \(lockedValue.map { "\($0)" } ?? "nil")@\(lockedRound), valid \(validValue.map { "\($0)" } ?? "nil")@\(validRound))"
    }
}

/// An append-only log of `WALRecord`s with length- and checksum-framed entries, tolerant of a torn last write.
///
/// Frame: u32 length, the record's canonical bytes, then the first 4 bytes of SHA-256(bytes). `recover` keeps
/// every intact frame and drops a truncated or corrupt tail (Jepsen's "truncate the last record").
public struct ConsensusWAL: Hashable, Sendable {
    public private(set) var records: [WALRecord] = []
    /// The framed bytes the driver writes (append-only).
    public private(set) var bytes: Bytes = []

    public init() {}

    /// The record to recover from: the last intact one.
    public var latest: WALRecord? { records.last }

    /// Appends a record (the driver does this for each `persistWAL` output before acting further).
    public mutating func append(_ record: WALRecord) {
        records.append(record)
        let body = record.canonicalBytes
        var w = CanonicalWriter()
        w.write(UInt32(body.count))
        bytes += w.bytes + body + Array(Hash.sha256(body).bytes.prefix(4))
    }

    /// Rebuilds a log from bytes read back after a crash, dropping a torn or corrupt tail.
    ///
    /// - Returns: the intact prefix, and whether anything was dropped.
    public static func recover(from data: Bytes) -> (wal: ConsensusWAL, truncated: Bool) {
        var wal = ConsensusWAL()
        var at = 0
        while at < data.count {
            guard data.count - at >= 4 else { return (wal, true) }
            let n = data[at..<(at + 4)].reduce(0) { ($0 << 8) | Int($1) }
            let end = at + 4 + n + 4
            guard n >= 0, end <= data.count else { return (wal, true) }
            let body = Array(data[(at + 4)..<(at + 4 + n)])
            guard Array(Hash.sha256(body).bytes.prefix(4)) == Array(data[(at + 4 + n)..<end]),
                let record = try? WALRecord.decode(canonical: body)
            else { return (wal, true) }
            wal.append(record)
            at = end
        }
        return (wal, false)
    }
}
