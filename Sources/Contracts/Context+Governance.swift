import Ledger

// Accountability and governance (issue 17 item 4): the validator set as the application sees it, jailing for
// committed misbehaviour, and operators' proposals and approvals of validator changes.
//
// Every change is returned from `endBlock` of the block that made it (height H) and takes effect at H+2
// (`BlockStore`, CometBFT). The application's view (`gov/validators`) is the set after every change returned so
// far, so the set of H+2 once H is committed.

/// An operator's proposal to give `publicKey` the power `power` (0 removes it). Key `gov/prop/<id>`.
public struct ValidatorProposal: Equatable, Sendable {
    public var id: UInt64
    public var publicKey: PublicKey
    public var power: UInt64
    /// The operators who approved it, the proposer first.
    public var approvals: [Address]
    /// Block time of the proposing block; approvals are accepted until `openedAtTicks + proposalWindowTicks`.
    public var openedAtTicks: Int64
    /// Adopted (returned from `endBlock`); further approvals are refused.
    public var adopted: Bool
}

/// A validator jailed for committed misbehaviour. Key `gov/jail/<address>`.
public struct JailRecord: Equatable, Sendable {
    public var publicKey: PublicKey
    /// The height of the offence.
    public var offenceHeight: UInt64
    /// The height of the block that committed the evidence; power 0 from two heights later.
    public var jailedAtHeight: UInt64

    public init(publicKey: PublicKey, offenceHeight: UInt64, jailedAtHeight: UInt64) {
        self.publicKey = publicKey
        self.offenceHeight = offenceHeight
        self.jailedAtHeight = jailedAtHeight
    }
}

/// The validator set as stored under `gov/validators`.
struct ValidatorList: CanonicalCodable {
    var members: [ValidatorUpdate]
    init(_ members: [ValidatorUpdate]) { self.members = members }
    func encode(into w: inout CanonicalWriter) { w.putArray(members) }
    init(from r: inout CanonicalReader) throws(DecodingError) { members = try r.takeArray() }
}

/// What one block has changed so far (kept by the application between its transactions).
struct BlockGovernance {
    /// Total power of the view at the start of the block, before jailing.
    var startPower: UInt64 = 0
    /// Power removed or reduced by adopted proposals in this block.
    var removedPower: UInt64 = 0
    /// The updates `endBlock` returns, in the order made.
    var updates: [ValidatorUpdate] = []
}

extension Context {
    /// The validator set after every change returned so far: the genesis set (powers > 0) until the first change.
    func validatorView() -> [ValidatorUpdate] {
        if let stored: ValidatorList = load(StateKeys.validators) { return stored.members }
        return genesis.validators.filter { $0.power > 0 }
    }

    mutating func saveValidatorView(_ members: [ValidatorUpdate]) { save(StateKeys.validators, ValidatorList(members)) }

    /// Jails the offender of each committed misbehaviour, in block order: power 0 from `height + 2`, a `JailRecord`
    /// and `validator.jailed`. An offender no longer in the view (removed, or already jailed) is left alone; one whose
    /// removal would leave no validator is not jailed (`validator.jail_refused`). No bond is slashed: validators hold
    /// no bonded account on this chain.
    mutating func jail(_ misbehaviour: [Misbehaviour]) {
        for m in misbehaviour {
            var view = validatorView()
            guard let i = view.firstIndex(where: { $0.publicKey == m.validator }) else { continue }
            let a = m.validator.address
            guard view.count > 1 else {
                emit(.jailRefused(validator: a, offenceHeight: m.height))
                continue
            }
            view.remove(at: i)
            saveValidatorView(view)
            save(StateKeys.jail(a), JailRecord(publicKey: m.validator, offenceHeight: m.height, jailedAtHeight: height))
            governance.updates.append(ValidatorUpdate(publicKey: m.validator, power: 0))
            emit(.validatorJailed(validator: a, offenceHeight: m.height, effectiveHeight: height + 2))
        }
    }

    /// Proposes `publicKey` at `power`; the proposal is the proposer's approval, and adopted at once if that is a
    /// quorum (a single operator).
    mutating func proposeValidatorChange(_ key: PublicKey, power: UInt64, sender: PublicKey) throws(ContractError) {
        let g = try requireOperator(sender)
        let u = ValidatorUpdate(publicKey: key, power: power)
        _ = try checkedChange(u)
        let id = u64(StateKeys.nextProposal) + 1
        setU64(StateKeys.nextProposal, id)
        var p = ValidatorProposal(
            id: id, publicKey: key, power: power, approvals: [sender.address], openedAtTicks: now, adopted: false)
        emit(.validatorChangeProposed(proposal: id, validator: key.address, power: power))
        emit(.validatorChangeApproved(proposal: id, approver: sender.address, approvals: 1))
        if g.isQuorum(1) { try adopt(&p) }
        save(StateKeys.proposal(id), p)
    }

    /// Approves an open proposal; the approval that makes more than 2/3 of the operators adopts it.
    mutating func approveValidatorChange(_ id: UInt64, sender: PublicKey) throws(ContractError) {
        let g = try requireOperator(sender)
        guard var p: ValidatorProposal = load(StateKeys.proposal(id)) else {
            throw ContractError(.notFound, "no proposal \(id)")
        }
        guard !p.adopted else { throw ContractError(.alreadyExists, "proposal \(id) already adopted") }
        guard now < p.openedAtTicks.saturatingAdd(g.proposalWindowTicks) else {
            throw ContractError(.deadlinePassed, "proposal \(id) expired")
        }
        guard !p.approvals.contains(sender.address) else {
            throw ContractError(.alreadyExists, "operator already approved proposal \(id)")
        }
        p.approvals.append(sender.address)
        emit(.validatorChangeApproved(proposal: id, approver: sender.address, approvals: p.approvals.count))
        if g.isQuorum(p.approvals.count) { try adopt(&p) }
        save(StateKeys.proposal(id), p)
    }

    private func requireOperator(_ key: PublicKey) throws(ContractError) -> GovernanceParameters {
        guard let g = genesis.governance, g.operators.contains(key) else {
            throw ContractError(.unauthorized, "not a validator operator")
        }
        return g
    }

    /// Adopts `p`: checked again against the current view (it may have changed since the proposal), applied to the
    /// view and returned from this block's `endBlock`.
    private mutating func adopt(_ p: inout ValidatorProposal) throws(ContractError) {
        let u = ValidatorUpdate(publicKey: p.publicKey, power: p.power)
        let (view, removed) = try checkedChange(u)
        saveValidatorView(view)
        governance.removedPower += removed
        governance.updates.append(u)
        p.adopted = true
        emit(
            .validatorChangeAdopted(
                proposal: p.id, validator: p.publicKey.address, power: p.power, effectiveHeight: height + 2))
    }

    /// The view with `u` applied and the power it removes, or why `u` is refused: a small-order key, no change, the
    /// removal of a non-member, a total of zero, or more than the block's removal budget: the power removed or
    /// reduced by adopted changes in one block must stay below 1/3 of the power at the block's start (so more than
    /// 2/3 of it carries over to the new set).
    private func checkedChange(_ u: ValidatorUpdate) throws(ContractError) -> (
        [ValidatorUpdate], UInt64
    ) {
        if u.power > 0, u.publicKey.hasSmallOrder {
            throw ContractError(.invalidArgument, "validator key \(u.publicKey.hex) has small order")
        }
        var view = validatorView()
        let old: UInt64
        if let i = view.firstIndex(where: { $0.publicKey == u.publicKey }) {
            old = view[i].power
            if u.power == 0 { view.remove(at: i) } else { view[i] = u }
        } else {
            guard u.power > 0 else { throw ContractError(.notFound, "not a validator") }
            old = 0
            view.append(u)
        }
        guard old != u.power else { throw ContractError(.invalidArgument, "no change") }
        let (total, overflow) = view.reduce((UInt64(0), false)) {
            let (s, o) = $0.0.addingReportingOverflow($1.power)
            return (s, $0.1 || o)
        }
        guard !overflow, total > 0 else { throw ContractError(.invalidArgument, "total power would be 0 or overflow") }
        let removed = old > u.power ? old - u.power : 0
        let start = governance.startPower
        if removed > 0 {
            let (r, o) = (governance.removedPower + removed).multipliedReportingOverflow(by: 3)
            guard !o, r < start else {
                throw ContractError(
                    .invalidArgument, "removes 1/3 or more of the power at the block's start (\(start)) at once")
            }
        }
        return (view, removed)
    }
}

extension ValidatorProposal: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putU64(id)
        w.putPublicKey(publicKey)
        w.putU64(power)
        w.putU32(UInt32(approvals.count))
        for a in approvals { w.putAddress(a) }
        w.putI64(openedAtTicks)
        w.putBool(adopted)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        id = try r.takeU64()
        publicKey = try r.takePublicKey()
        power = try r.takeU64()
        let n = try r.takeCount()
        var a: [Address] = []
        for _ in 0..<n { a.append(try r.takeAddress()) }
        approvals = a
        openedAtTicks = try r.takeI64()
        adopted = try r.takeBool()
    }
}

extension JailRecord: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putPublicKey(publicKey)
        w.putU64(offenceHeight)
        w.putU64(jailedAtHeight)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        publicKey = try r.takePublicKey()
        offenceHeight = try r.takeU64()
        jailedAtHeight = try r.takeU64()
    }
}
