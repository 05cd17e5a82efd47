import Ledger

/// Read-only views of the state, for agents, routing software, tests and the CLI.
extension ReadChainApp {
    private var view: Context { Context(store: state, genesis: genesis, height: 0, now: 0) }

    public func account(_ a: Address) -> Account { view.account(a) }
    public func balance(of a: Address) -> UInt64 { view.account(a).balance }
    public func nonce(of a: Address) -> UInt64 { view.account(a).nonce }
    public func study(_ id: UInt64) -> Study? { try? view.study(id) }
    public func profile(of a: Address) -> RadiologistProfile? { view.profile(a) }
    public func metrics(of a: Address) -> QualityMetrics { view.metrics(a) }
    public func attestation(subject: Address, claim: AttestationClaim) -> AttestationRecord? {
        view.attestation(subject, claim)
    }
    /// The most a claim may list for study `id` at block time `now` (an escalating offer's ceiling; otherwise the
    /// order's maximum); nil for an unknown study.
    public func offerCeiling(_ id: UInt64, at now: Int64) -> UInt64? {
        let ctx = Context(store: state, genesis: genesis, height: 0, now: now)
        return (try? ctx.study(id)).map { ctx.offerCeiling($0) }
    }
    /// Study `id`'s escalating offer while it is open: its per-hour step and cap (nil: a fixed offer, or claimed).
    public func escalatingOffer(_ id: UInt64) -> (perHour: UInt64, cap: UInt64)? { view.escalatingOffer(id) }
    /// Study `id`'s speed premium until its report: the amount and the block time by which the report must commit.
    public func speedPremium(_ id: UInt64) -> (amount: UInt64, promisedBy: Int64)? { view.speedPremium(id) }
    /// Study `id`'s consult: requested, answered or declined (nil: none requested).
    public func consultState(_ id: UInt64) -> ConsultState? {
        Context(store: state, genesis: genesis, height: 0, now: 0).consultState(id)
    }
    public var bonusPool: UInt64 { view.u64(StateKeys.bonusPool) }
    public func bonusPoints(of a: Address) -> UInt64 { view.u64(StateKeys.bonusPoints(a)) }
    /// The radiologist's report-quality counts (genesis quality section; all zero without it).
    public func reportQuality(of a: Address) -> ReportQualityRecord {
        view.load(StateKeys.reportQuality(a)) ?? ReportQualityRecord()
    }
    /// The radiologist's weighted quality score in the current bonus period, basis points (scored weights only).
    public func qualityScore(of a: Address) -> UInt64 { view.u64(StateKeys.qualityScore(a)) }

    /// The latest randomness epoch's beacon (nil before the first epoch closes).
    public var randomnessBeacon: Hash? { state.get(StateKeys.randomnessBeacon).map { Hash(bytes: $0) } }
    /// Whether participant `a` is excluded from the randomness beacon (false for a non-participant).
    public func isRandomnessExcluded(_ a: Address) -> Bool {
        guard let i = view.participantIndex(a) else { return false }
        return state.get(StateKeys.randomnessExcluded(i)) != nil
    }
    /// The epoch participant `a` was excluded in (nil: not excluded, or not a participant).
    public func randomnessExcludedEpoch(_ a: Address) -> UInt64? {
        view.participantIndex(a).flatMap { state.get(StateKeys.randomnessExcluded($0)) }.map {
            $0.readBigEndianUInt64()
        }
    }
    /// Participant `a`'s stored commitment to its next reveal.
    public func randomnessCommitment(of a: Address) -> Hash? {
        view.participantIndex(a).flatMap { state.get(StateKeys.randomnessCommitment($0)) }.map { Hash(bytes: $0) }
    }

    /// All studies in id order.
    public var studies: [Study] {
        state.scan(prefix: StateKeys.studyPrefix).compactMap { try? Study.decode(canonical: $0.value) }
    }
    /// The labelled dataset in append order.
    public var labels: [LabelRecord] {
        state.scan(prefix: StateKeys.labelPrefix).compactMap { try? LabelRecord.decode(canonical: $0.value) }
    }
    /// Sum of all balances, study escrows and the bonus pool: equals `genesis.supply` at every point.
    public var totalValue: UInt64 {
        let balances = state.scan(prefix: StateKeys.accountPrefix).reduce(UInt64(0)) {
            $0 + $1.value.readBigEndianUInt64()
        }
        return balances + studies.reduce(0) { $0 + $1.escrow } + bonusPool
    }
    /// The validator set after every change returned so far (the set of height H+2 once H is committed).
    public var validatorView: [ValidatorUpdate] { view.validatorView() }
    /// Validators jailed for committed misbehaviour, by address.
    public var jailed: [JailRecord] {
        state.scan(prefix: StateKeys.jailPrefix).compactMap { try? JailRecord.decode(canonical: $0.value) }
    }
    public func validatorProposal(_ id: UInt64) -> ValidatorProposal? { view.load(StateKeys.proposal(id)) }

    /// A Merkle proof of a study record against the state root (for a client to prove its record to a header).
    public func proveStudy(_ id: UInt64) -> StateProof { state.prove(StateKeys.study(id)) }
}

/// Radiologists' profiles and quality metrics as last read from state, each kept with the stored bytes it was
/// decoded from. A reader that asks for the same records again and again (the clients' routing software ranks every
/// eligible radiologist for every order) decodes a record only after its stored value changed; equal bytes decode
/// to equal values, so what it returns is what a fresh read returns. One per reader; not shared across threads.
public final class RecordMemo {
    fileprivate var profiles: [Address: (raw: Bytes, value: RadiologistProfile)] = [:]
    fileprivate var metrics: [Address: (raw: Bytes, value: QualityMetrics)] = [:]

    public init() {}
}

extension ReadChainApp {
    /// ``profile(of:)`` through `memo`.
    public func profile(of a: Address, memo: RecordMemo) -> RadiologistProfile? {
        guard let raw = state.get(StateKeys.profile(a)) else { return nil }
        if let m = memo.profiles[a], m.raw == raw { return m.value }
        guard let value = profile(of: a) else { return nil }
        memo.profiles[a] = (raw, value)
        return value
    }

    /// ``metrics(of:)`` through `memo`.
    public func metrics(of a: Address, memo: RecordMemo) -> QualityMetrics {
        guard let raw = state.get(StateKeys.metrics(a)) else { return metrics(of: a) }
        if let m = memo.metrics[a], m.raw == raw { return m.value }
        let value = metrics(of: a)
        memo.metrics[a] = (raw, value)
        return value
    }
}
