// Weighted vote tallies for one height.

import Ledger

/// Tallies voting power per (round, type, value) for one height.
///
/// Only the first vote of a validator per (round, type) counts towards the totals (2f+1 ⟨∗⟩, L34/L47) and towards
/// any value that does not reach a quorum. A second, different vote is kept as `Evidence` (reported once per
/// (validator, round, type)); an identical copy is ignored. The conflicting vote is also remembered (at most
/// `maxConflictingVotesPerValidator` per validator) and counts for its value *only if* it completes a quorum:
/// the paper's rules (L28, L36, L49) ask for 2f+1 PREVOTE/PRECOMMIT messages for id(v) from distinct
/// processes, which an equivocator's second message is; otherwise a proof of lock change containing an
/// equivocator's vote can never be seen by a node that got its other vote first, and locked nodes wait for
/// ever (CometBFT solves the same problem with `VoteSetMaj23`). Two values can both reach a quorum in one round
/// only with more than f equivocators, so safety is unchanged. The keeper also
/// records which validators sent any message in a round, for L55's "f+1 ⟨∗, h_p, round, ∗, ∗⟩".
///
/// Votes must be verified (signature, chain id, height, validator membership) before `add`.
public struct VoteKeeper: Sendable {
    /// What `add` did with a vote.
    public enum AddResult: Equatable, Sendable {
        case counted
        case duplicate
        /// A conflicting second vote; the evidence is present the first time only.
        case conflicting(Evidence?)
    }

    struct Tally: Sendable {
        var votes: [Address: Vote] = [:]
        var powerByValue: [Hash?: UInt64] = [:]
        var totalPower: UInt64 = 0
        /// Ids reaching a quorum, in the order they reached it.
        var quorumValues: [Hash?] = []
        /// Conflicting (non-first) votes by value: they count only towards a quorum they complete (see `add`).
        var extra: [Hash?: [Address: Vote]] = [:]
        var extraPower: [Hash?: UInt64] = [:]
    }

    /// Conflicting votes kept per validator, round and type (beyond its first vote), for `add`'s quorum rule.
    public static let maxConflictingVotesPerValidator = 3

    struct EvidenceKey: Hashable, Sendable {
        var validator: Address
        var round: Round
        var type: VoteType
    }

    public let validatorSet: ValidatorSet
    let mutations: ConsensusMutations
    private var prevotes: [Round: Tally] = [:]
    private var precommits: [Round: Tally] = [:]
    private var senders: [Round: Set<Address>] = [:]
    private var senderPower: [Round: UInt64] = [:]
    private var reported: Set<EvidenceKey> = []
    /// Conflicting votes seen at this height, in arrival order.
    public private(set) var evidence: [Evidence] = []
    /// (round, id) pairs whose precommits reached a quorum, in the order they did (drives L49).
    public private(set) var precommitQuorums: [(round: Round, valueID: Hash?)] = []

    public init(validatorSet: ValidatorSet) { self.init(validatorSet: validatorSet, mutations: []) }

    init(validatorSet: ValidatorSet, mutations: ConsensusMutations) {
        self.validatorSet = validatorSet
        self.mutations = mutations
    }

    /// Adds a verified vote.
    ///
    /// - Complexity: O(1) expected.
    public mutating func add(_ vote: Vote) -> AddResult {
        let power = validatorSet.power(of: vote.validator)
        precondition(power > 0, "votes must come from validators")
        noteSender(vote.validator, round: vote.round)
        var tally = (vote.type == .prevote ? prevotes[vote.round] : precommits[vote.round]) ?? Tally()
        let result: AddResult
        if let first = tally.votes[vote.validator] {
            if first == vote || first.valueID == vote.valueID {
                result = .duplicate
            } else {
                let key = EvidenceKey(validator: vote.validator, round: vote.round, type: vote.type)
                if reported.insert(key).inserted {
                    let e = Evidence(first: first, second: vote)
                    evidence.append(e)
                    result = .conflicting(e)
                } else {
                    result = .conflicting(nil)
                }
                if !mutations.contains(.countPerMessageNotPerValidator) {
                    addExtra(vote, power: power, to: &tally)
                }
            }
            guard mutations.contains(.countPerMessageNotPerValidator) else {
                if vote.type == .prevote { prevotes[vote.round] = tally } else { precommits[vote.round] = tally }
                return result
            }
        } else {
            tally.votes[vote.validator] = vote
            result = .counted
        }
        tally.powerByValue[vote.valueID, default: 0] += power
        tally.totalPower += power
        // The quorum test includes the conflicting votes already kept for this value: an equivocator's second
        // vote may arrive *before* the first votes that complete the quorum (B11 seed 147: a twin's precommit for
        // the decided value came first, the other validators' precommits after, and the quorum was never seen).
        noteQuorum(vote, in: &tally)
        if vote.type == .prevote { prevotes[vote.round] = tally } else { precommits[vote.round] = tally }
        return result
    }

    private func combined(_ t: Tally, _ id: Hash?) -> UInt64 {
        t.powerByValue[id, default: 0] + t.extraPower[id, default: 0]
    }

    private mutating func addExtra(_ vote: Vote, power: UInt64, to tally: inout Tally) {
        guard tally.extra[vote.valueID]?[vote.validator] == nil else { return }
        let kept = tally.extra.values.reduce(0) { $0 + ($1[vote.validator] == nil ? 0 : 1) }
        guard kept < Self.maxConflictingVotesPerValidator else { return }
        tally.extra[vote.valueID, default: [:]][vote.validator] = vote
        tally.extraPower[vote.valueID, default: 0] += power
        noteQuorum(vote, in: &tally)
    }

    /// Records that `vote`'s value reached a quorum in its round (once), counting the first votes and, unless
    /// the per-message mutant is on, the kept conflicting votes for that value.
    private mutating func noteQuorum(_ vote: Vote, in tally: inout Tally) {
        let id = vote.valueID
        let all =
            mutations.contains(.countPerMessageNotPerValidator)
            ? tally.powerByValue[id, default: 0] : combined(tally, id)
        guard validatorSet.isQuorum(all, mutations: mutations), !tally.quorumValues.contains(id) else { return }
        tally.quorumValues.append(id)
        if vote.type == .precommit { precommitQuorums.append((vote.round, id)) }
    }

    /// Records that `validator` sent some message in `round` (votes do this themselves; proposals call it).
    public mutating func noteSender(_ validator: Address, round: Round) {
        guard senders[round, default: []].insert(validator).inserted else { return }
        senderPower[round, default: 0] += validatorSet.power(of: validator)
    }

    /// Power of the distinct validators that sent any message in `round`.
    public func senderPower(round: Round) -> UInt64 { senderPower[round] ?? 0 }

    /// Rounds in which some message was seen, ascending.
    public var roundsSeen: [Round] { senders.keys.sorted() }

    /// Power of the `type` votes for `valueID` (nil: nil votes) in `round`.
    public func power(_ type: VoteType, round: Round, valueID: Hash?) -> UInt64 {
        guard let t = tally(type, round) else { return 0 }
        let all = combined(t, valueID)
        return validatorSet.isQuorum(all, mutations: mutations) ? all : t.powerByValue[valueID] ?? 0
    }

    /// Power of all `type` votes in `round`, whatever their value.
    public func totalPower(_ type: VoteType, round: Round) -> UInt64 { tally(type, round)?.totalPower ?? 0 }

    /// Whether `type` votes for `valueID` in `round` reach a quorum (2f+1).
    public func hasQuorum(_ type: VoteType, round: Round, valueID: Hash?) -> Bool {
        validatorSet.isQuorum(power(type, round: round, valueID: valueID), mutations: mutations)
    }

    /// Whether `type` votes for anything in `round` reach a quorum (2f+1 ⟨∗, h, r, ∗⟩).
    public func hasQuorumForAny(_ type: VoteType, round: Round) -> Bool {
        validatorSet.isQuorum(totalPower(type, round: round), mutations: mutations)
    }

    /// Non-nil ids with a `type` quorum in `round`, in the order they reached it.
    public func quorumValues(_ type: VoteType, round: Round) -> [Hash] {
        (tally(type, round)?.quorumValues ?? []).compactMap { $0 }
    }

    /// The counted vote of `validator`, if any.
    public func vote(_ type: VoteType, round: Round, validator: Address) -> Vote? {
        tally(type, round)?.votes[validator]
    }

    /// Counted `type` votes for `valueID` in `round`, in validator-set order.
    public func votes(_ type: VoteType, round: Round, valueID: Hash?) -> [Vote] {
        guard let t = tally(type, round) else { return [] }
        let withExtra = validatorSet.isQuorum(combined(t, valueID), mutations: mutations)
        return validatorSet.validators.compactMap { v in
            if let first = t.votes[v.address], first.valueID == valueID { return first }
            return withExtra ? t.extra[valueID]?[v.address] : nil
        }
    }

    /// Every counted `type` vote of `round`, in validator-set order.
    public func allVotes(_ type: VoteType, round: Round) -> [Vote] {
        guard let t = tally(type, round) else { return [] }
        return validatorSet.validators.compactMap { t.votes[$0.address] }
    }

    /// Number of votes stored (at most one per validator, round and type), for memory bounds (B16).
    public var storedVotes: Int {
        prevotes.values.reduce(0) { $0 + $1.votes.count } + precommits.values.reduce(0) { $0 + $1.votes.count }
    }

    private func tally(_ type: VoteType, _ round: Round) -> Tally? {
        type == .prevote ? prevotes[round] : precommits[round]
    }
}
