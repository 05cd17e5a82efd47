// Proposer-based timestamps (PBTS), as in CometBFT v1 (`spec/consensus/proposer-based-timestamp/`).

import Ledger

/// The synchrony bounds of proposer-based timestamps: how far apart correct clocks may be, and how long a
/// proposal may take to arrive.
///
/// A block carries its proposer's clock reading. A validator that first sees a fresh proposal (valid round −1) in
/// round r at its own time `received` finds it *timely* when
/// `time − precision <= received <= time + messageDelay(r) + precision`, and prevotes nil for it otherwise
/// (`ConsensusCore`, L22). A re-proposal (valid round >= 0) is not checked again: a polka of correct prevotes
/// already found it timely. Consequence (CometBFT PBTS "time-validity"): with at most f Byzantine power, a
/// decided block's time is within [t − messageDelay(r) − precision, t + precision] of the local time t at which
/// some correct validator received it, so a Byzantine proposer can neither date a block far into the future (an
/// early expiry of every deadline) nor far into the past, nor at `Int64.max` (after which no block could follow).
public struct SynchronyParams: Hashable, Sendable {
    /// The largest difference between two correct validators' clocks, ticks (CometBFT `precision`).
    public var precision: Int64
    /// The largest end-to-end delay of a proposal in round 0, ticks (CometBFT `message_delay`); it grows by 10 %
    /// per round, as CometBFT's adaptive delay does, so that a too small value costs rounds, not liveness.
    public var messageDelay: Int64

    public init(precision: Int64, messageDelay: Int64) {
        precondition(precision >= 0 && messageDelay >= 0, "synchrony bounds are durations")
        self.precision = precision
        self.messageDelay = messageDelay
    }

    /// CometBFT's defaults (`types/params.go`, `DefaultSynchronyParams`): precision 505 ms, message delay 15 s.
    public static let cometBFT = SynchronyParams(precision: 505_000, messageDelay: 15_000_000)

    /// messageDelay × 1.1^r, saturating (integer steps, so every node computes the same bound).
    ///
    /// - Complexity: O(min(r, 500)); beyond 500 rounds the bound has long saturated.
    public func messageDelay(round r: Round) -> Int64 {
        var d = messageDelay
        var k: Round = 0
        while k < r, k < 500, d < .max {
            d = d.saturatingAdd(max(d / 10, 1))
            k += 1
        }
        return d
    }

    /// Whether a proposal dated `time` and first seen at local time `received` in round `r` is timely.
    public func isTimely(time: Int64, received: Int64, round r: Round) -> Bool {
        received >= time.saturatingSubtract(precision)
            && received <= time.saturatingAdd(messageDelay(round: r)).saturatingAdd(precision)
    }
}

/// The driver's PBTS check of a proposal first seen now: (height, round, value) -> timely. It reads the value's
/// timestamp (the core treats values as opaque) and the driver's local clock at the moment the core sees the
/// proposal; it must not depend on anything else.
public typealias ProposalTimeliness = (Height, Round, ProposedValue) -> Bool
