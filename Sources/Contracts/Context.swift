import Ledger

/// Why a message was rejected: a receipt code and a log line.
struct ContractError: Error {
    var code: TxCode
    var log: String
    init(_ code: TxCode, _ log: String) {
        self.code = code
        self.log = log
    }
}

/// The execution context of one message or of `endBlock`: a working copy of the state, the block's facts, and
/// the events emitted so far. Callers keep `store` only if execution succeeds.
struct Context {
    var store: StateStore
    let genesis: Genesis
    let height: UInt64
    let now: Int64
    var events: [Event] = []
    /// The validator changes of the block so far (the application carries it from one transaction to the next).
    var governance = BlockGovernance()

    mutating func emit(_ event: ContractEvent) { events.append(event.event) }

    // MARK: Typed state access

    func load<T: CanonicalDecodable>(_ key: Bytes, as _: T.Type = T.self) -> T? {
        guard let bytes = store.get(key) else { return nil }
        do {
            return try T.decode(canonical: bytes)
        } catch {
            preconditionFailure("corrupt state at \(key): \(error)")
        }
    }
    mutating func save<T: CanonicalEncodable>(_ key: Bytes, _ value: T) { store.set(key, value.canonicalBytes) }

    func u64(_ key: Bytes) -> UInt64 { store.get(key).map { $0.readBigEndianUInt64() } ?? 0 }
    mutating func setU64(_ key: Bytes, _ v: UInt64) { store.set(key, v.bigEndianBytes) }

    func account(_ a: Address) -> Account { load(StateKeys.account(a)) ?? Account() }
    mutating func setAccount(_ a: Address, _ acct: Account) { save(StateKeys.account(a), acct) }

    /// Moves `amount` from one account to another.
    mutating func move(_ amount: UInt64, from: Address, to: Address) throws(ContractError) {
        guard amount > 0 else { return }
        var f = account(from)
        guard f.balance >= amount else {
            throw ContractError(.insufficientFunds, "balance \(f.balance) < \(amount)")
        }
        f.balance -= amount
        setAccount(from, f)
        credit(to, amount)
    }
    mutating func debit(_ a: Address, _ amount: UInt64) throws(ContractError) {
        var acct = account(a)
        guard acct.balance >= amount else {
            throw ContractError(.insufficientFunds, "balance \(acct.balance) < \(amount)")
        }
        acct.balance -= amount
        setAccount(a, acct)
    }
    mutating func credit(_ a: Address, _ amount: UInt64) {
        guard amount > 0 else { return }
        var acct = account(a)
        acct.balance += amount  // cannot overflow: every balance is part of a fixed UInt64 supply
        setAccount(a, acct)
    }

    func study(_ id: UInt64) throws(ContractError) -> Study {
        guard let s: Study = load(StateKeys.study(id)) else { throw ContractError(.notFound, "no study \(id)") }
        return s
    }
    mutating func saveStudy(_ s: Study) { save(StateKeys.study(s.id), s) }

    func profile(_ a: Address) -> RadiologistProfile? { load(StateKeys.profile(a)) }
    func metrics(_ a: Address) -> QualityMetrics { load(StateKeys.metrics(a)) ?? QualityMetrics() }
    mutating func updateMetrics(_ a: Address, _ body: (inout QualityMetrics) -> Void) {
        var m = metrics(a)
        body(&m)
        save(StateKeys.metrics(a), m)
    }
    func attestation(_ subject: Address, _ claim: AttestationClaim) -> AttestationRecord? {
        load(StateKeys.attestation(subject, claim))
    }
}
