// Tendermint, Algorithm 1 (Buchman, Kwon, Milosevic 2018), as a pure state machine.

import Ledger

/// What the driver feeds into the core.
public enum ConsensusInput: Sendable {
    /// Start `height` (the paper's h_p ← height; StartRound(0), L10/L54). The selector carries the height's
    /// validator set and its proposer priorities; the driver advances it (`advanceHeight()`) or builds a new
    /// one when the set changes.
    case startHeight(height: Height, proposers: ProposerSelector)
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
    private let cache: SignatureCache
    private let validity: ValueValidity
    public private(set) var signer: Signer?

    // The paper's state (§ "State per process p").
    public private(set) var height: Height = 0
    public private(set) var round: Round = -1
    public private(set) var step: Step = .propose
    public private(set) var lockedValue: ProposedValue?
    public private(set) var lockedRound: Round = -1
    public private(set) var validValue: ProposedValue?
    public private(set) var validRound: Round = -1
    public private(set) var decision: Decision?

    // Message log of the height.
    public private(set) var proposers: ProposerSelector?
    public private(set) var votes: VoteKeeper?
    public private(set) var proposals: [Round: Proposal] = [:]
    private var values: [Hash: ProposedValue] = [:]
    private var validityMemo: [Hash: Bool] = [:]
    private var proposerMemo: [Round: Address] = [:]
    // "for the first time" guards.
    private var prevoteTimeoutScheduled: Set<Round> = []
    private var precommitTimeoutScheduled: Set<Round> = []
    private var l36Done: Set<Round> = []
    private var valuesNeeded: Set<Hash> = []
    private var awaitingValue: Round?
    // Own signed messages of the height, for re-broadcast.
    private var ownProposals: [Round: Proposal] = [:]
    private var ownVotes: [Round: [Vote]] = [:]
    // Next-height messages, with per-sender counts and a duplicate filter (bounded: B16).
    private var buffered: [ConsensusInput] = []
    private var bufferedPerSender: [Address: Int] = [:]
    private var bufferedSignatures: Set<Signature> = []
    /// Highest round above the window seen from each validator at this height (one entry per validator).
    public private(set) var farRounds: [Address: Round] = [:]
    // Proposal equivocation already reported, and vote requests already sent, at this height.
    private var proposalEvidenceRounds: Set<Round> = []
    private var votesRequestedFor: Set<Round> = []
    /// Every conflicting vote pair seen, across heights (candidates for inclusion in a block); bounded by
    /// `config.maxEvidence`.
    public private(set) var evidencePool: [Evidence] = []
    /// Every pair of conflicting signed proposals seen, across heights; bounded by `config.maxEvidence`.
    public private(set) var proposalEvidencePool: [ProposalEvidence] = []
    /// The certificate of the previous height, extended by precommits that arrive after the decision.
    public private(set) var lastCommit: CommitCertificate?
    private var lastCommitValidators: ValidatorSet?
    /// A write-ahead-log record to resume from at the matching `startHeight` (B04).
    private var recovery: WALRecord?

    /// - Parameters:
    ///   - key: the validator's key; nil for a non-validating node.
    ///   - signerState: the persisted double-sign record (after a restart), or `.initial`.
    ///   - cache: shared verified-signature cache.
    ///   - validity: the paper's valid(v).
    public init(
        config: ConsensusConfig, key: SigningKey?, signerState: SignerState = .initial, cache: SignatureCache,
        validity: @escaping ValueValidity
    ) {
        self.init(
            config: config, key: key, signerState: signerState, recovering: nil, cache: cache, signingMemo: nil,
            validity: validity)
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
        cache: SignatureCache, signingMemo: SigningMemo? = nil, validity: @escaping ValueValidity
    ) {
        self.config = config
        self.cache = cache
        self.validity = validity
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
    private static func mutations(_ config: ConsensusConfig) -> ConsensusMutations {
        #if CONSENSUS_MUTATIONS
            config.mutations
        #else
            []
        #endif
    }
    private var mutations: ConsensusMutations { Self.mutations(config) }
    public var address: Address? { signer?.address }
    public var validatorSet: ValidatorSet? { proposers?.validatorSet }

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
        case .startHeight(let h, let selector):
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

    // MARK: - Heights and rounds

    private mutating func startHeight(_ h: Height, _ selector: ProposerSelector, _ out: inout [ConsensusOutput]) {
        precondition(proposers == nil || h > height, "heights must increase")
        if let d = decision, d.height + 1 == h, let vs = validatorSet {
            lastCommit = d.certificate
            lastCommitValidators = vs
        } else {
            lastCommit = nil
            lastCommitValidators = nil
        }
        height = h
        proposers = selector
        votes = VoteKeeper(validatorSet: selector.validatorSet, mutations: mutations)
        proposals = [:]
        values = [:]
        validityMemo = [:]
        proposerMemo = [:]
        prevoteTimeoutScheduled = []
        precommitTimeoutScheduled = []
        l36Done = []
        valuesNeeded = []
        awaitingValue = nil
        ownProposals = [:]
        ownVotes = [:]
        farRounds = [:]
        proposalEvidenceRounds = []
        votesRequestedFor = []
        decision = nil
        if !mutations.contains(.noResetAtNewHeight) {
            lockedValue = nil
            lockedRound = -1
            validValue = nil
            validRound = -1
        }
        var firstRound: Round = 0
        if let w = recovery, w.height == h {  // B04: resume from the write-ahead log
            lockedValue = w.lockedValue
            lockedRound = w.lockedRound
            validValue = w.validValue
            validRound = w.validRound
            firstRound = max(w.round, 0)
            for v in [w.lockedValue, w.validValue].compactMap({ $0 }) { values[v.id] = v }
        }
        recovery = nil
        startRound(firstRound, &out)  // L10 / L54
        let pending = buffered
        buffered = []
        bufferedPerSender = [:]
        bufferedSignatures = []
        for input in pending {
            switch input {
            case .proposal(let p) where p.height == h: receiveProposal(p, &out)
            case .vote(let v) where v.height == h: receiveVote(v, &out)
            default: break
            }
        }
    }

    /// L11 StartRound(r).
    private mutating func startRound(_ r: Round, _ out: inout [ConsensusOutput]) {
        round = r  // L12
        step = .propose  // L13
        awaitingValue = nil
        out.append(.persistWAL(walRecord))  // the round survives a restart
        if let me = address, proposer(round: r) == me {  // L14
            if let v = validValue {  // L15–16
                propose(v, validRound: validRound, &out)  // L19
            } else {
                awaitingValue = r
                out.append(.requestValue(height: height, round: r))  // L18 getValue()
                schedule(.propose, r, &out)  // not in the paper: getValue() is asynchronous here
            }
        } else {
            schedule(.propose, r, &out)  // L21
        }
    }

    private func schedule(_ s: TimeoutStep, _ r: Round, _ out: inout [ConsensusOutput]) {
        let d = config.timeouts.duration(s, round: r, constant: mutations.contains(.constantTimeouts))
        out.append(.scheduleTimeout(Timeout(height: height, round: r, step: s), duration: d))
    }

    // MARK: - Receiving

    /// Buffers a message for the next height. Bounded: a total cap, a per-sender cap, duplicates dropped; when a
    /// validator set is known, the sender must be in it and the signature must verify against that key (the next
    /// height's set normally equals it; changes take effect at H+2), so junk cannot take an honest sender's share.
    private mutating func buffer(_ input: ConsensusInput, _ out: inout [ConsensusOutput]) {
        let sender: Address
        let signature: Signature
        let signBytes: Bytes
        switch input {
        case .proposal(let p): (sender, signature, signBytes) = (p.proposer, p.signature, p.signBytes)
        case .vote(let v): (sender, signature, signBytes) = (v.validator, v.signature, v.signBytes)
        default: return
        }
        guard buffered.count < config.maxBufferedMessages else { return out.append(.rejected(.bufferFull)) }
        if let vs = validatorSet {
            guard let v = vs.validator(sender) else { return out.append(.rejected(.nonValidator)) }
            guard cache.verify(signature, message: signBytes, key: v.publicKey) else {
                return out.append(.rejected(.badSignature))
            }
        }
        guard !bufferedSignatures.contains(signature) else { return }
        guard bufferedPerSender[sender, default: 0] < config.maxBufferedPerSender else {
            return out.append(.rejected(.senderQuotaFull))
        }
        bufferedPerSender[sender, default: 0] += 1
        bufferedSignatures.insert(signature)
        buffered.append(input)
    }

    /// Number of buffered next-height messages (B16: bounded by `maxBufferedMessages`).
    public var bufferedCount: Int { buffered.count }

    /// A rough count of the messages and entries the core holds for the current height (B16: bounded memory).
    public var footprint: Int {
        (votes?.storedVotes ?? 0) + proposals.count + values.count + buffered.count + farRounds.count
            + evidencePool.count + proposalEvidencePool.count + ownVotes.values.reduce(0) { $0 + $1.count }
    }

    /// Whether `r` is too far ahead to store: it only updates the sender's far round (B16).
    private mutating func tooFar(_ r: Round, _ sender: Address, _ out: inout [ConsensusOutput]) -> Bool {
        guard r > round + config.roundWindow else { return false }
        if r > farRounds[sender, default: -1] { farRounds[sender] = r }
        out.append(.rejected(.roundTooFar))
        return true
    }

    private mutating func record(_ e: Evidence, _ out: inout [ConsensusOutput]) {
        if evidencePool.count >= config.maxEvidence { evidencePool.removeFirst() }
        evidencePool.append(e)
        out.append(.evidence(e))
    }

    private mutating func receiveProposal(_ p: Proposal, _ out: inout [ConsensusOutput]) {
        guard p.chainID == config.chainID else { return out.append(.rejected(.wrongChainID)) }
        guard let vs = validatorSet else { return buffer(.proposal(p), &out) }
        if p.height == height + 1 { return buffer(.proposal(p), &out) }
        guard p.height == height else { return out.append(.rejected(.wrongHeight)) }
        guard p.round >= 0, p.validRound >= -1, p.validRound < p.round else {
            return out.append(.rejected(.malformed))
        }
        guard let sender = vs.validator(p.proposer) else { return out.append(.rejected(.nonValidator)) }
        if p.round > round + config.roundWindow {  // before proposer(round:), whose cost grows with the round
            guard cache.verify(p.signature, message: p.signBytes, key: sender.publicKey) else {
                return out.append(.rejected(.badSignature))
            }
            _ = tooFar(p.round, p.proposer, &out)
            return
        }
        guard proposer(round: p.round) == p.proposer else { return out.append(.rejected(.notProposer)) }
        guard p.value.payload.count <= config.maxValueBytes else { return out.append(.rejected(.oversizeValue)) }
        guard p.value.isSelfConsistent else { return out.append(.rejected(.malformed)) }
        guard cache.verify(p.signature, message: p.signBytes, key: sender.publicKey) else {
            return out.append(.rejected(.badSignature))
        }
        if let first = proposals[p.round] {
            // Equivocating proposer: the first proposal stands; the pair is evidence (once per round).
            guard first != p else { return }
            if first.signBytes != p.signBytes, proposalEvidenceRounds.insert(p.round).inserted {
                // Keep the second value too (once per round: bounded), so that a precommit quorum for it decides
                // (L49) without fetching it, and so the driver can serve it to peers.
                if values[p.value.id] == nil { values[p.value.id] = p.value }
                let e = ProposalEvidence(first: first, second: p)
                if proposalEvidencePool.count >= config.maxEvidence { proposalEvidencePool.removeFirst() }
                proposalEvidencePool.append(e)
                out.append(.proposalEvidence(e))
            }
            out.append(.rejected(.conflictingProposal))
            return
        }
        accept(p)
        // A re-proposal whose proof of lock change (L28) we lack: ask for the prevotes of round vr.
        if p.validRound >= 0, votes?.hasQuorum(.prevote, round: p.validRound, valueID: p.value.id) == false,
            votesRequestedFor.insert(p.validRound).inserted
        {
            out.append(.requestVotes(height: height, round: p.validRound))
        }
    }

    private mutating func accept(_ p: Proposal) {
        proposals[p.round] = p
        values[p.value.id] = p.value
        votes?.noteSender(p.proposer, round: p.round)
    }

    private mutating func receiveVote(_ v: Vote, _ out: inout [ConsensusOutput]) {
        guard v.chainID == config.chainID else { return out.append(.rejected(.wrongChainID)) }
        guard let vs = validatorSet else { return buffer(.vote(v), &out) }
        if v.height == height + 1 { return buffer(.vote(v), &out) }
        if v.height + 1 == height, v.type == .precommit { return addToLastCommit(v, &out) }
        guard v.height == height else { return out.append(.rejected(.wrongHeight)) }
        guard v.round >= 0 else { return out.append(.rejected(.malformed)) }
        guard let sender = vs.validator(v.validator) else { return out.append(.rejected(.nonValidator)) }
        guard cache.verify(v.signature, message: v.signBytes, key: sender.publicKey) else {
            return out.append(.rejected(.badSignature))
        }
        if tooFar(v.round, v.validator, &out) { return }
        count(v, &out)
    }

    private mutating func count(_ v: Vote, _ out: inout [ConsensusOutput]) {
        guard case .conflicting(let e)? = votes?.add(v), let e else { return }
        record(e, &out)
    }

    /// A late precommit of the previous height for its decided block: added to `lastCommit`.
    private mutating func addToLastCommit(_ v: Vote, _ out: inout [ConsensusOutput]) {
        guard var c = lastCommit, let vs = lastCommitValidators, v.round == c.round, v.valueID == c.blockID,
            let i = vs.index(of: v.validator)
        else { return out.append(.rejected(.wrongHeight)) }
        let index = UInt32(i)
        guard !c.signatures.contains(where: { $0.validatorIndex == index }) else { return }
        guard cache.verify(v.signature, message: v.signBytes, key: vs.validators[i].publicKey) else {
            return out.append(.rejected(.badSignature))
        }
        c.signatures.append(CommitSignature(validatorIndex: index, signature: v.signature))
        c.signatures.sort { $0.validatorIndex < $1.validatorIndex }
        lastCommit = c
    }

    private mutating func receiveValue(_ v: ProposedValue, _ out: inout [ConsensusOutput]) {
        guard proposers != nil else { return out.append(.rejected(.notStarted)) }
        guard valuesNeeded.contains(v.id), values[v.id] == nil else { return out.append(.rejected(.unexpectedValue)) }
        guard v.payload.count <= config.maxValueBytes else { return out.append(.rejected(.oversizeValue)) }
        guard v.isSelfConsistent else { return out.append(.rejected(.malformed)) }
        values[v.id] = v
    }

    // MARK: - Sending

    private mutating func propose(_ v: ProposedValue, validRound vr: Round, _ out: inout [ConsensusOutput]) {
        guard var s = signer else { return }
        let bytes = Proposal.signBytes(
            chainID: config.chainID, height: height, round: round, valueID: v.id, validRound: vr)
        let signature: Signature
        switch s.sign(height: height, round: round, step: .proposal, signBytes: bytes) {
        case .signed(let sig):
            signature = sig
            if !s.guardDisabled { out.append(.persistSignerState(s.state)) }
        case .repeated(let sig):
            signature = sig
        case .refused:
            return
        }
        signer = s
        let p = Proposal(
            chainID: config.chainID, height: height, round: round, value: v, validRound: vr, proposer: s.address,
            signature: signature)
        out.append(.broadcastProposal(p))  // L19
        ownProposals[round] = p
        if proposals[round] == nil { accept(p) }
    }

    /// Signs and broadcasts a vote for the current round, and counts it locally.
    private mutating func castVote(_ type: VoteType, _ id: Hash?, _ out: inout [ConsensusOutput]) {
        guard var s = signer, validatorSet?.validator(s.address) != nil else { return }
        let bytes = Vote.signBytes(chainID: config.chainID, type: type, height: height, round: round, valueID: id)
        let signature: Signature
        switch s.sign(height: height, round: round, step: type == .prevote ? .prevote : .precommit, signBytes: bytes) {
        case .signed(let sig):
            signature = sig
            if !s.guardDisabled { out.append(.persistSignerState(s.state)) }
        case .repeated(let sig):
            signature = sig
        case .refused:
            return  // the double-sign guard: say nothing rather than contradict an earlier signature
        }
        signer = s
        let v = Vote(
            chainID: config.chainID, type: type, height: height, round: round, valueID: id, validator: s.address,
            signature: signature)
        out.append(.broadcastVote(v))
        ownVotes[round, default: []].append(v)
        count(v, &out)
    }

    private func rebroadcast(_ out: inout [ConsensusOutput]) {
        guard proposers != nil, let votes else { return }
        var rounds = [round]
        if let d = decision, d.round != round { rounds.insert(d.round, at: 0) }
        var sent = Set<Signature>()
        // The decision's precommits, so that a peer that missed some can still decide (L49) without block sync:
        // the certificate of this height while waiting for `startHeight`, then the last commit of the previous
        // height (extended by late precommits).
        if let d = decision, let vs = validatorSet {
            for v in commitVotes(d.certificate, vs) where sent.insert(v.signature).inserted { out.append(.broadcastVote(v)) }
        } else if let c = lastCommit, let vs = lastCommitValidators {
            for v in commitVotes(c, vs) where sent.insert(v.signature).inserted { out.append(.broadcastVote(v)) }
        }
        for r in rounds {
            if let p = ownProposals[r] {
                out.append(.broadcastProposal(p))
                // The proof of lock change that justifies a re-proposal (L28): 2f+1 prevotes for id(v) in vr.
                if p.validRound >= 0 {
                    for v in votes.votes(.prevote, round: p.validRound, valueID: p.value.id)
                    where sent.insert(v.signature).inserted {
                        out.append(.broadcastVote(v))
                    }
                }
            }
            for v in ownVotes[r] ?? [] where sent.insert(v.signature).inserted { out.append(.broadcastVote(v)) }
        }
    }

    /// "Need votes for (h, r)": every counted vote of round r (h = h_p), or the last commit (h = h_p − 1).
    private func answerVoteRequest(_ h: Height, _ r: Round, _ to: Address, _ out: inout [ConsensusOutput]) {
        guard let votes else { return }
        if h == height {
            for type in [VoteType.prevote, .precommit] {
                for v in votes.allVotes(type, round: r) { out.append(.sendVote(v, to: to)) }
            }
        } else if h + 1 == height, let c = lastCommit, let vs = lastCommitValidators, c.round == r {
            for v in commitVotes(c, vs) { out.append(.sendVote(v, to: to)) }
        }
    }

    /// The precommits of a certificate, as votes.
    private func commitVotes(_ c: CommitCertificate, _ vs: ValidatorSet) -> [Vote] {
        c.signatures.compactMap { s in
            guard Int(s.validatorIndex) < vs.count else { return nil }
            return Vote(
                chainID: config.chainID, type: .precommit, height: c.height, round: c.round, valueID: c.blockID,
                validator: vs.validators[Int(s.validatorIndex)].address, signature: s.signature)
        }
    }

    /// A value of the current height known by id: a proposal's value (including a conflicting proposal's), a value
    /// fetched after `needValue`, or one restored from the write-ahead log. Lets the driver answer value requests.
    public func value(id: Hash) -> ProposedValue? { values[id] }

    // MARK: - Timeouts (L57, L61, L65)

    private mutating func onTimeout(_ t: Timeout, _ out: inout [ConsensusOutput]) {
        // Stale timeouts (another height, round or step) are no-ops.
        guard t.height == height, t.round == round, decision == nil else { return }
        switch t.step {
        case .propose:  // L57 OnTimeoutPropose
            guard step == .propose else { return }  // L58 (the paper: step_p = propose)
            castVote(.prevote, nil, &out)  // L59
            step = .prevote  // L60
        case .prevote:  // L61 OnTimeoutPrevote
            guard step == .prevote else { return }  // L62
            castVote(.precommit, nil, &out)  // L63
            step = .precommit  // L64
        case .precommit:  // L65 OnTimeoutPrecommit
            startRound(round + 1, &out)  // L67
        }
    }

    // MARK: - The upon rules

    private mutating func isValid(_ v: ProposedValue) -> Bool {
        if let known = validityMemo[v.id] { return known }
        let ok = v.isSelfConsistent && v.payload.count <= config.maxValueBytes && validity(height, v)
        validityMemo[v.id] = ok
        return ok
    }

    /// Applies every enabled upon-rule until none is (each application changes the state, so this ends).
    private mutating func applyRules(_ out: inout [ConsensusOutput]) {
        while decision == nil {
            if l49(&out) || l55(&out) || l22or28(&out) || l34(&out) || l36(&out) || l44(&out) || l47(&out) {
                continue
            }
            return
        }
    }

    /// L22 (fresh proposal) and L28 (proposal with a proof of lock change from round vr).
    private mutating func l22or28(_ out: inout [ConsensusOutput]) -> Bool {
        guard step == .propose, let p = proposals[round], let votes else { return false }
        let v = p.value
        let vote: Hash?
        if p.validRound == -1 {  // L22
            let lockOK = lockedRound == -1 || lockedValue?.id == v.id || mutations.contains(.dropLockCheck)
            vote = isValid(v) && lockOK ? v.id : nil  // L23–26
        } else {  // L28
            guard p.validRound < round, votes.hasQuorum(.prevote, round: p.validRound, valueID: v.id) else {
                return false
            }
            let roundOK =
                mutations.contains(.lockedRoundLessThanInsteadOfLE)
                ? lockedRound < p.validRound : lockedRound <= p.validRound
            let lockOK = roundOK || lockedValue?.id == v.id || mutations.contains(.dropLockCheck)
            vote = isValid(v) && lockOK ? v.id : nil  // L29–32
        }
        awaitingValue = nil
        castVote(.prevote, vote, &out)
        step = .prevote  // L27 / L33
        return true
    }

    /// L34: 2f+1 ⟨PREVOTE, h_p, round_p, ∗⟩ while step = prevote, for the first time: schedule OnTimeoutPrevote.
    private mutating func l34(_ out: inout [ConsensusOutput]) -> Bool {
        guard step == .prevote, !prevoteTimeoutScheduled.contains(round),
            votes?.hasQuorumForAny(.prevote, round: round) == true
        else { return false }
        prevoteTimeoutScheduled.insert(round)
        schedule(.prevote, round, &out)  // L35
        return true
    }

    /// L36: proposal v for round_p with 2f+1 prevotes for id(v), valid(v), step ≥ prevote, first time.
    private mutating func l36(_ out: inout [ConsensusOutput]) -> Bool {
        guard step >= .prevote, !l36Done.contains(round), let p = proposals[round],
            votes?.hasQuorum(.prevote, round: round, valueID: p.value.id) == true, isValid(p.value)
        else { return false }
        l36Done.insert(round)
        let wasPrevote = step == .prevote
        if wasPrevote || !mutations.contains(.validValueOnlyInPrevote) {
            validValue = p.value  // L42 (set before the precommit so that one WAL record carries both)
            validRound = round  // L43
        }
        if wasPrevote {  // L37
            lockedValue = p.value  // L38
            lockedRound = round  // L39
            out.append(.persistWAL(walRecord))  // the lock is durable before the precommit leaves (B04)
            castVote(.precommit, p.value.id, &out)  // L40
            step = .precommit  // L41
        } else {
            out.append(.persistWAL(walRecord))
        }
        return true
    }

    /// L44: 2f+1 ⟨PREVOTE, h_p, round_p, nil⟩ while step = prevote: precommit nil.
    private mutating func l44(_ out: inout [ConsensusOutput]) -> Bool {
        guard step == .prevote, votes?.hasQuorum(.prevote, round: round, valueID: nil) == true else { return false }
        castVote(.precommit, nil, &out)  // L45
        step = .precommit  // L46
        return true
    }

    /// L47: 2f+1 ⟨PRECOMMIT, h_p, round_p, ∗⟩ for the first time: schedule OnTimeoutPrecommit.
    private mutating func l47(_ out: inout [ConsensusOutput]) -> Bool {
        guard !precommitTimeoutScheduled.contains(round), votes?.hasQuorumForAny(.precommit, round: round) == true
        else { return false }
        precommitTimeoutScheduled.insert(round)
        schedule(.precommit, round, &out)  // L48
        return true
    }

    /// L49: a value v and 2f+1 ⟨PRECOMMIT, h_p, r, id(v)⟩ for any round r, while decision_p[h_p] = nil.
    private mutating func l49(_ out: inout [ConsensusOutput]) -> Bool {
        guard let votes else { return false }
        for (r, maybeID) in votes.precommitQuorums {
            guard let id = maybeID else { continue }
            guard let v = values[id] else {
                if valuesNeeded.insert(id).inserted {
                    out.append(.needValue(height: height, round: r, valueID: id))
                    return true
                }
                continue
            }
            guard isValid(v) else { continue }  // L50
            let vs = votes.validatorSet
            let signatures = votes.votes(.precommit, round: r, valueID: id).map { vote in
                CommitSignature(validatorIndex: UInt32(vs.index(of: vote.validator)!), signature: vote.signature)
            }
            let d = Decision(
                height: height, round: r, value: v,
                certificate: CommitCertificate(height: height, round: r, blockID: id, signatures: signatures))
            decision = d  // L51
            step = .decided
            out.append(.decide(d))
            return true  // L52–54 (h_p + 1, reset, StartRound(0)) happen at the driver's startHeight
        }
        return false
    }

    /// L55: f+1 ⟨∗, h_p, round, ∗, ∗⟩ with round > round_p: StartRound(round).
    ///
    /// Messages beyond the round window are not stored (B16); for them the rule is applied to each validator's
    /// highest far round: if validators with more than 1/3 of the power each sent a message from a round ≥ r'
    /// (r' the largest such round), StartRound(r'). Some correct process is then in a round ≥ r', which is what
    /// L55 relies on for liveness; safety never depends on which round a process is in.
    private mutating func l55(_ out: inout [ConsensusOutput]) -> Bool {
        guard !mutations.contains(.skipL55), let votes else { return false }
        for r in votes.roundsSeen.reversed() where r > round {
            if votes.validatorSet.isOneThirdPlus(votes.senderPower(round: r)) {
                startRound(r, &out)  // L56
                return true
            }
        }
        if !farRounds.isEmpty {
            var power: UInt64 = 0
            let ranked = farRounds.sorted { a, b in a.value != b.value ? a.value > b.value : a.key < b.key }
            for (a, r) in ranked where r > round {
                power += votes.validatorSet.power(of: a)
                if votes.validatorSet.isOneThirdPlus(power) {
                    startRound(r, &out)  // L56, far-round form
                    farRounds = farRounds.filter { $0.value > r }
                    return true
                }
            }
        }
        return false
    }
}
