// Tendermint, Algorithm 1 (Buchman, Kwon, Milosevic 2018), as a pure state machine.

import Ledger

/// What the driver feeds into the core.
public enum ConsensusInput: Sendable {
    /// Start `height` (the paper's h_p ← height; StartRound(0), L10/L54). The selector carries the height's
    /// validator set and its proposer priorities; the driver advances it (`advanceHeight()`) or builds a new
    /// one when the set changes. `nextValidators` is the validator set of `height + 1` (known two heights ahead:
    /// updates take effect at H+2), against which next-height messages are checked before they are buffered; nil
    /// when the driver does not know it, and then the height's own set is used.
    case startHeight(height: Height, proposers: ProposerSelector, nextValidators: ValidatorSet? = nil)
    /// A ⟨PROPOSAL⟩ from the network.
    case proposal(Proposal)
    /// A ⟨PREVOTE⟩ or ⟨PRECOMMIT⟩ from the network.
    case vote(Vote)
    /// A timeout the core scheduled earlier has fired (L57, L61, L65).
    case timeout(Timeout)
    /// A value (block) fetched after `needValue`: 2f+1 precommits arrived for an id never proposed to us (L49).
    case valueReceived(ProposedValue)
    /// The application's answer to `requestValue` (the paper's getValue(), L18).
    case proposeValue(height: Height, round: Round, value: ProposedValue)
    /// Re-emit this node's latest proposal and votes for the current round, plus the prevotes that justify a
    /// re-proposal (its proof of lock change, L28) (the gossip assumption, B10).
    case rebroadcastTick
    /// A peer asks for the votes of (height, round) ("need votes", CometBFT's `VoteSetMaj23`/`VoteSetBits`);
    /// answered with `sendVote(_:to:)` for every counted vote of that round (or the last commit for height − 1).
    case votesRequested(height: Height, round: Round, from: Address)
}

/// What the core asks the driver to do, in order. `persistSignerState` must be durable before any later
/// broadcast in the same batch is sent.
public enum ConsensusOutput: Hashable, Sendable {
    case persistSignerState(SignerState)
    case broadcastProposal(Proposal)
    case broadcastVote(Vote)
    /// Feed `.timeout(timeout)` back after `duration` ticks.
    case scheduleTimeout(Timeout, duration: Int64)
    /// getValue(): answer with `.proposeValue(height:round:value:)`.
    case requestValue(height: Height, round: Round)
    /// decision_p[h_p] = v (L51). The driver applies the block, then starts the next height.
    case decide(Decision)
    /// A validator signed two conflicting votes.
    case evidence(Evidence)
    /// 2f+1 precommits for `valueID` but no value with that id: fetch it and send `.valueReceived`.
    case needValue(height: Height, round: Round, valueID: Hash)
    /// An input was ignored (no state change); for diagnostics and counters.
    case rejected(Rejection)
    /// A proposer signed two different proposals for one (height, round) (reported once per round).
    case proposalEvidence(ProposalEvidence)
    /// Send a proposal to one peer only (answers to requests; Byzantine wrappers address conflicting messages).
    case sendProposal(Proposal, to: Address)
    /// Send a vote to one peer only (answers to `votesRequested`; Byzantine wrappers).
    case sendVote(Vote, to: Address)
    /// Ask peers for the votes of (height, round): a proposal claims a proof of lock change (vr) this node lacks.
    case requestVotes(height: Height, round: Round)
    /// Write this record to the write-ahead log; like `persistSignerState`, durable before any later send of the
    /// same batch (B04). A restarted core gets the last record back through `init(...recovering:...)`.
    case persistWAL(WALRecord)
}

/// Why an input was ignored.
public enum Rejection: Hashable, Sendable {
    case notStarted
    case wrongChainID
    case wrongHeight
    case malformed
    case nonValidator
    case notProposer
    case oversizeValue
    case badSignature
    case conflictingProposal
    case unexpectedValue
    case bufferFull
    /// A round beyond `round_p + roundWindow` (counted only towards the far-round skip; not stored).
    case roundTooFar
    /// The sender's share of the next-height buffer is full.
    case senderQuotaFull
}

/// A decision with its proof.
public struct Decision: Hashable, Sendable {
    public var height: Height
    public var round: Round
    public var value: ProposedValue
    public var certificate: CommitCertificate
}

/// Static parameters of a node's consensus.
public struct ConsensusConfig: Sendable {
    public var chainID: String
    public var timeouts: TimeoutConfig
    /// Largest accepted value payload (A13 "oversize block").
    public var maxValueBytes: Int
    /// Largest number of buffered next-height messages.
    public var maxBufferedMessages: Int
    /// Largest number of buffered next-height messages per (claimed, verified) sender.
    public var maxBufferedPerSender: Int
    /// Messages of rounds above `round_p + roundWindow` are not stored (B16); each validator's highest such round
    /// is remembered (one entry per validator) and drives the far-round skip (L55 generalised, see `l55`).
    public var roundWindow: Round
    /// Largest number of entries kept in `evidencePool` and in `proposalEvidencePool` (oldest dropped first).
    public var maxEvidence: Int
    #if CONSENSUS_MUTATIONS
        /// Deliberate bugs for NC-2 (test builds only: ``ConsensusMutations``).
        public var mutations: ConsensusMutations = []
    #endif

    public init(
        chainID: String, timeouts: TimeoutConfig = .test, maxValueBytes: Int = 4 << 20,
        maxBufferedMessages: Int = 10_000, maxBufferedPerSender: Int = 256, roundWindow: Round = 32,
        maxEvidence: Int = 1_000
    ) {
        if let problem = ChainID.problem(chainID) { preconditionFailure("consensus config: \(problem)") }
        self.chainID = chainID
        self.timeouts = timeouts
        self.maxValueBytes = maxValueBytes
        self.maxBufferedMessages = maxBufferedMessages
        self.maxBufferedPerSender = maxBufferedPerSender
        self.roundWindow = roundWindow
        self.maxEvidence = maxEvidence
    }
}

/// The paper's valid(v), supplied by the application (block checks against the ledger). Must be a pure
/// function of (height, value); the core memoises it per value id for the height.
public typealias ValueValidity = (Height, ProposedValue) -> Bool

/// The round state a test compares before and after an input.
public struct RoundState: Hashable, Sendable {
    public var height: Height
    public var round: Round
    public var step: Step
    public var lockedValueID: Hash?
    public var lockedRound: Round
    public var validValueID: Hash?
    public var validRound: Round
    public var decided: Bool
}

/// One process of Algorithm 1.
///
/// Pure apart from the injected `SignatureCache` (a memo of verified signatures that never changes an answer)
/// and the injected `ValueValidity`: no clock, no randomness, no I/O. Everything the process would *do* is a
/// `ConsensusOutput`.
///
/// Where this differs from the paper's text, on purpose:
/// * `valid(v)` is a closure given at init (`ValueValidity`), memoised per id; ids must name their payloads
///   (`ProposedValue.isSelfConsistent`), so L49 may use a value fetched by id instead of the round-r proposal.
/// * getValue() is asynchronous (`requestValue` / `proposeValue`); while waiting, the proposer also schedules
///   timeoutPropose so that a silent application cannot stall the round.
/// * After deciding (L49) the core waits in step `decided` for the driver's `startHeight(h+1)`, which carries the
///   next validator set (the paper's h_p ← h_p + 1; StartRound(0) happens then). Messages for h+1 received in
///   the meantime are buffered (bounded) and replayed.
/// * A non-validator node (no key) follows the protocol without signing.
public struct ConsensusCore {
    public let config: ConsensusConfig
    let cache: SignatureCache
    let validity: ValueValidity
    /// PBTS: whether a proposal is timely when first seen (nil: always).
    let timeliness: ProposalTimeliness?
    public internal(set) var signer: Signer?

    // The paper's state (§ "State per process p").
    public internal(set) var height: Height = 0
    public internal(set) var round: Round = -1
    public internal(set) var step: Step = .propose
    public internal(set) var lockedValue: ProposedValue?
    public internal(set) var lockedRound: Round = -1
    public internal(set) var validValue: ProposedValue?
    public internal(set) var validRound: Round = -1
    public internal(set) var decision: Decision?

    // Message log of the height.
    public internal(set) var proposers: ProposerSelector?
    public internal(set) var votes: VoteKeeper?
    public internal(set) var proposals: [Round: Proposal] = [:]
    var values: [Hash: ProposedValue] = [:]
    var validityMemo: [Hash: Bool] = [:]
    var proposerMemo: [Round: Address] = [:]
    // "for the first time" guards.
    var prevoteTimeoutScheduled: Set<Round> = []
    var precommitTimeoutScheduled: Set<Round> = []
    var l36Done: Set<Round> = []
    var valuesNeeded: Set<Hash> = []
    var awaitingValue: Round?
    // Own signed messages of the height, for re-broadcast.
    var ownProposals: [Round: Proposal] = [:]
    var ownVotes: [Round: [Vote]] = [:]
    // Next-height messages, with per-sender counts and a duplicate filter (bounded: B16).
    var buffered: [ConsensusInput] = []
    /// set(h+1), from the driver's `startHeight` (nil: unknown).
    public internal(set) var nextValidatorSet: ValidatorSet?
    var bufferedPerSender: [Address: Int] = [:]
    var bufferedSignatures: Set<Signature> = []
    /// PBTS verdicts of buffered next-height proposals, taken when they arrived (by signature).
    var bufferedTimely: [Signature: Bool] = [:]
    /// PBTS verdict of the accepted proposal of each round of this height, taken when it was first seen.
    public internal(set) var timelyRounds: [Round: Bool] = [:]
    /// Highest round above the window seen from each validator at this height (one entry per validator).
    public internal(set) var farRounds: [Address: Round] = [:]
    // Proposal equivocation already reported, and vote requests already sent, at this height.
    var proposalEvidenceRounds: Set<Round> = []
    var votesRequestedFor: Set<Round> = []
    /// Every conflicting vote pair seen, across heights (candidates for inclusion in a block); bounded by
    /// `config.maxEvidence`.
    public internal(set) var evidencePool: [Evidence] = []
    /// Every pair of conflicting signed proposals seen, across heights; bounded by `config.maxEvidence`.
    public internal(set) var proposalEvidencePool: [ProposalEvidence] = []
    /// The certificate of the previous height, extended by precommits that arrive after the decision.
    public internal(set) var lastCommit: CommitCertificate?
    var lastCommitValidators: ValidatorSet?
    /// A write-ahead-log record to resume from at the matching `startHeight` (B04).
    var recovery: WALRecord?

    /// - Parameters:
    ///   - key: the validator's key; nil for a non-validating node.
    ///   - signerState: the persisted double-sign record (after a restart), or `.initial`.
    ///   - cache: shared verified-signature cache.
    ///   - validity: the paper's valid(v).
    ///   - timely: the PBTS check of a fresh proposal when first seen (`SynchronyParams`); nil: every proposal is
    ///     timely (Algorithm 1 as in the paper).
    public init(
        config: ConsensusConfig, key: SigningKey?, signerState: SignerState = .initial, cache: SignatureCache,
        validity: @escaping ValueValidity, timely: ProposalTimeliness? = nil
    ) {
        self.init(
            config: config, key: key, signerState: signerState, recovering: nil, cache: cache, signingMemo: nil,
            validity: validity, timely: timely)
    }

    /// A core that resumes after a restart: `wal` is the last intact record of the write-ahead log
    /// (`ConsensusWAL.latest`). At the driver's `startHeight(wal.height, …)` the core restores its lock, valid
    /// value and round instead of starting from round 0 with no lock (B04).
    ///
    /// - Parameters:
    ///   - signingMemo: an optional memo of deterministic Ed25519 signatures (a speed-up for large test sweeps;
    ///     it never changes a signature).
    public init(
        config: ConsensusConfig, key: SigningKey?, signerState: SignerState = .initial, recovering wal: WALRecord?,
        cache: SignatureCache, signingMemo: SigningMemo? = nil, validity: @escaping ValueValidity,
        timely: ProposalTimeliness? = nil
    ) {
        self.config = config
        self.cache = cache
        self.validity = validity
        self.timeliness = timely
        self.recovery = wal
        self.signer = key.map {
            Signer(
                key: $0, state: signerState, guardDisabled: Self.mutations(config).contains(.noPersistLastSigned),
                memo: signingMemo)
        }
    }

    /// The record a write-ahead log would hold now.
    public var walRecord: WALRecord {
        WALRecord(
            height: height, round: round, lockedValue: lockedValue, lockedRound: lockedRound, validValue: validValue,
            validRound: validRound)
    }

    /// The deliberate bugs switched on: `config.mutations` in a test build, none in a production build.
    static func mutations(_ config: ConsensusConfig) -> ConsensusMutations {
        #if CONSENSUS_MUTATIONS
            config.mutations
        #else
            []
        #endif
    }
    var mutations: ConsensusMutations { Self.mutations(config) }
    public var address: Address? { signer?.address }
    public var validatorSet: ValidatorSet? { proposers?.validatorSet }
    /// The validator set next-height messages are checked against: set(h+1) when the driver gave it, else set(h).
    var bufferValidatorSet: ValidatorSet? { nextValidatorSet ?? validatorSet }

    public var roundState: RoundState {
        RoundState(
            height: height, round: round, step: step, lockedValueID: lockedValue?.id, lockedRound: lockedRound,
            validValueID: validValue?.id, validRound: validRound, decided: decision != nil)
    }

    /// proposer(h_p, r).
    public mutating func proposer(round r: Round) -> Address? {
        guard let proposers else { return nil }
        if let a = proposerMemo[r] { return a }
        let a = proposers.proposer(round: r).address
        proposerMemo[r] = a
        return a
    }

    /// Applies one input and returns the resulting actions, in order.
    public mutating func handle(_ input: ConsensusInput) -> [ConsensusOutput] {
        var out: [ConsensusOutput] = []
        switch input {
        case .startHeight(let h, let selector, let next):
            nextValidatorSet = next
            startHeight(h, selector, &out)
        case .proposal(let p):
            receiveProposal(p, &out)
        case .vote(let v):
            receiveVote(v, &out)
        case .timeout(let t):
            onTimeout(t, &out)
        case .valueReceived(let v):
            receiveValue(v, &out)
        case .proposeValue(let h, let r, let v):
            if h == height, r == round, awaitingValue == r, step == .propose, decision == nil {
                awaitingValue = nil
                propose(v, validRound: -1, &out)
            }
        case .rebroadcastTick:
            rebroadcast(&out)
        case .votesRequested(let h, let r, let from):
            answerVoteRequest(h, r, from, &out)
        }
        if proposers != nil { applyRules(&out) }
        return out
    }
}
