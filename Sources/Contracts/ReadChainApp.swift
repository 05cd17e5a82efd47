import Ledger

/// The teleradiology market as a `ChainApplication`: native modules (accounts and fees, credentialing, registry,
/// study market, access grants, reports and settlement, feedback and peer review, value-based incentives,
/// labelled dataset) over one authenticated `StateStore`.
///
/// Pure and deterministic: block time comes from `beginBlock`, peer-review sampling from the randomness beacon of
/// the epoch after the report's (`Randomness`, `readchain/sample/v4`: reveals only, never signature bytes, block
/// hashes, times or transaction order, so both signature schemes sample alike), and no decision depends on
/// Dictionary or Set order (state scans are key-ordered).
///
/// **Fees and rejection.** A transaction first passes the *ante* checks: chain id, message decodes (else
/// `.unknownMessage` or `.malformed`), field sizes (`.fieldTooLarge`), fee at least
/// `minFee + perByte × encodedSize` (`.insufficientFee`), nonce equal to the account's (`.badNonce`) and balance
/// covering the fee (`.insufficientFunds`). An ante failure changes **no state at all** and its receipt has no
/// events. Once the ante passes, the fee moves to `Genesis.feeCollector` and the nonce increments — whether the
/// message then succeeds or not — and the receipt's first event is `tx.fee`. A message that fails changes
/// nothing else: it runs on an O(1) copy of the state that is kept only on success.
public struct ReadChainApp: ChainApplication, ExecutionShareable {
    public let genesis: Genesis
    /// The state the block under execution writes into (equal to the committed state between blocks).
    public private(set) var state: StateStore
    private var checkState: StateStore
    private var header: BlockHeader?
    /// The block's validator changes so far (jailing, adopted proposals) and its start power.
    private var blockGovernance = BlockGovernance()
    /// Events of `beginBlock` (jailing), returned with `endBlock`'s.
    private var beginEvents: [Event] = []

    /// Builds the genesis state. - Precondition: `genesis.problems()` is empty.
    public init(genesis: Genesis) {
        precondition(genesis.problems().isEmpty, "invalid genesis: \(genesis.problems())")
        self.genesis = genesis
        var ctx = Context(
            store: StateStore(), genesis: genesis, height: 0, now: genesis.genesisTimeTicks)
        ctx.save(StateKeys.genesis, genesis)
        for a in genesis.accounts { ctx.credit(a.address, a.balance) }
        for k in genesis.authorities { ctx.store.set(StateKeys.authority(k), []) }
        ctx.setU64(StateKeys.nextStudy, 1)
        ctx.setU64(StateKeys.nextLabel, 1)
        ctx.setU64(StateKeys.bonusPool, 0)
        ctx.store.set(StateKeys.bonusPeriodStart, genesis.genesisTimeTicks.bigEndianBytes)
        for (i, p) in genesis.randomness.participants.enumerated() {
            ctx.store.set(StateKeys.randomnessCommitment(UInt64(i)), p.commitment.bytes)
        }
        state = ctx.store
        checkState = ctx.store
    }

    public var stateRoot: Hash { state.rootHash }

    // MARK: ChainApplication

    public mutating func checkTx(_ tx: Transaction) -> TxCheck {
        switch ante(tx, store: &checkState) {
        case .failure(let e): return TxCheck(code: e.code, log: e.log, gasWanted: 0)
        case .success: return TxCheck(code: .ok, log: "", gasWanted: UInt64(tx.encodedSize))
        }
    }

    /// Starts a block; each committed misbehaviour jails its offender (`Context.jail`): power 0 from this height + 2.
    public mutating func beginBlock(_ header: BlockHeader, misbehaviour: [Misbehaviour]) {
        self.header = header
        var ctx = makeContext(state)
        ctx.governance.startPower = ctx.validatorView().reduce(0) { $0 &+ $1.power }
        ctx.jail(misbehaviour)
        state = ctx.store
        blockGovernance = ctx.governance
        beginEvents = ctx.events
    }

    public mutating func deliverTx(_ tx: Transaction) -> Receipt {
        let h = tx.hash
        var afterFee = state
        let message: Message
        switch ante(tx, store: &afterFee) {
        case .failure(let e): return Receipt(txHash: h, code: e.code, log: e.log, events: [], gasUsed: 0)
        case .success(let m): message = m
        }
        let sender = tx.sender.address
        let feeEvent = ContractEvent.txFee(payer: sender, amount: tx.fee.minorUnits, message: message.name).event
        var ctx = makeContext(afterFee)
        do {
            try ctx.execute(message, sender: tx.sender)
            state = ctx.store
            blockGovernance = ctx.governance
            return Receipt(
                txHash: h, code: .ok, log: "", events: [feeEvent] + ctx.events, gasUsed: UInt64(tx.encodedSize))
        } catch {
            state = afterFee
            return Receipt(
                txHash: h, code: error.code, log: error.log, events: [feeEvent], gasUsed: UInt64(tx.encodedSize))
        }
    }

    public mutating func endBlock() -> BlockOutcome {
        var ctx = makeContext(state)
        ctx.endBlock()
        state = ctx.store
        defer {
            blockGovernance = BlockGovernance()
            beginEvents = []
        }
        return BlockOutcome(validatorUpdates: blockGovernance.updates, events: beginEvents + ctx.events)
    }

    public mutating func commit() -> Hash {
        checkState = state
        header = nil
        return state.rootHash
    }

    // MARK: Ante

    private func makeContext(_ store: StateStore) -> Context {
        var ctx = Context(
            store: store, genesis: genesis, height: header?.height ?? 0,
            now: header?.timeTicks ?? genesis.genesisTimeTicks)
        ctx.governance = blockGovernance
        return ctx
    }

    /// The checks every transaction passes before its message runs; on success the fee and nonce are applied
    /// to `store`. On failure `store` is untouched.
    private func ante(_ tx: Transaction, store: inout StateStore) -> Result<Message, ContractError> {
        guard ChainID.same(tx.chainID, genesis.chainID) else {
            return .failure(ContractError(.wrongChainID, "chain id \(tx.chainID)"))
        }
        guard tx.message.count <= genesis.limits.maxMessageBytes else {
            return .failure(ContractError(.fieldTooLarge, "message of \(tx.message.count) bytes"))
        }
        guard let tag = tx.message.first, Message.knownTags.contains(tag) else {
            return .failure(
                ContractError(.unknownMessage, "unknown message tag \(tx.message.first.map(String.init) ?? "none")"))
        }
        let message: Message
        do {
            message = try Message.decode(canonical: tx.message)
        } catch {
            return .failure(ContractError(.malformed, "message: \(error)"))
        }
        if let problem = message.sizeProblem(genesis.limits) {
            return .failure(ContractError(.fieldTooLarge, problem))
        }
        // A small-order Ed25519 key signs every message (or a fixed fraction of them): whoever holds the profile of
        // such a key is anyone. Refused before the fee, like the other stateless checks (issue 17 item 5).
        if case .registerRadiologist = message, tx.sender.hasSmallOrder {
            return .failure(ContractError(.invalidArgument, "signing key \(tx.sender.hex) has small order"))
        }
        let required = genesis.fees.required(forEncodedSize: tx.encodedSize)
        guard tx.fee.minorUnits >= required else {
            return .failure(ContractError(.insufficientFee, "fee \(tx.fee.minorUnits) < \(required)"))
        }
        var ctx = Context(store: store, genesis: genesis, height: 0, now: 0)
        let sender = tx.sender.address
        var acct = ctx.account(sender)
        guard tx.nonce == acct.nonce else {
            return .failure(ContractError(.badNonce, "nonce \(tx.nonce), expected \(acct.nonce)"))
        }
        guard acct.balance >= tx.fee.minorUnits else {
            return .failure(ContractError(.insufficientFunds, "balance \(acct.balance) < fee \(tx.fee.minorUnits)"))
        }
        acct.balance -= tx.fee.minorUnits
        acct.nonce += 1
        ctx.setAccount(sender, acct)
        ctx.credit(genesis.feeCollector, tx.fee.minorUnits)
        store = ctx.store
        return .success(message)
    }
}
