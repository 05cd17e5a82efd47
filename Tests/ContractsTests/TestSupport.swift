import Benchmarks
import Contracts
import Ledger
import MarketModel
import Testing

typealias Party = BenchmarkWorld.Party

let minute: Int64 = 60_000_000
let hour: Int64 = 60 * minute
let fee: UInt64 = 10

/// The cast of the tests: an authority, an operator, three clients, four radiologists, a validator (fee collector).
struct Cast {
    let authority = Party("authority")
    let op = Party("operator")
    let c1 = Party("client-1")
    let c2 = Party("client-2")
    let c3 = Party("client-3")
    let r1 = Party("rad-1")
    let r2 = Party("rad-2")
    let r3 = Party("rad-3")
    let r4 = Party("rad-4")
    let validator = Party("validator")
    let poor = Party("poor")
    var clients: [Party] { [c1, c2, c3] }
    var radiologists: [Party] { [r1, r2, r3, r4] }
    var everyone: [Party] { [authority, op] + clients + radiologists + [validator, poor] }

    static let clientBalance: UInt64 = 1_000_000
    static let radBalance: UInt64 = 10_000

    func genesis(
        _ market: MarketDesign, valueBased: ValueBasedParameters? = nil, sampling: UInt64 = 10_000,
        chainID: String = "readchain-test"
    ) -> Genesis {
        var accounts = clients.map { GenesisAccount(address: $0.address, balance: Cast.clientBalance) }
        accounts += radiologists.map { GenesisAccount(address: $0.address, balance: Cast.radBalance) }
        accounts += [
            GenesisAccount(address: authority.address, balance: Cast.radBalance),
            GenesisAccount(address: op.address, balance: Cast.radBalance),
        ]
        return Genesis(
            chainID: chainID, accounts: accounts, authorities: [authority.signing.publicKey], market: market,
            valueBased: valueBased, fees: FeeParameters(minFee: fee, perByte: 0),
            feeCollector: validator.address, peerReviewSamplingBasisPoints: sampling,
            validators: [ValidatorUpdate(publicKey: validator.signing.publicKey, power: 1)])
    }

    func profile(_ r: Party, ct: UInt64 = 3_000, xr: UInt64 = 1_000) -> RadiologistProfile {
        RadiologistProfile(
            subspecialties: [], licences: ["US-CA"],
            prices: [
                PriceEntry(modality: .ct, urgency: .routine, price: ct),
                PriceEntry(modality: .xr, urgency: .routine, price: xr),
            ], capacity: 10, available: true, sealingKey: r.sealing.publicKey)
    }

    /// Licences: r1, r2, r4 in US-CA (r4's expires at 10 minutes), r3 in US-NY only; r2 has neuro; r1 is
    /// credentialed with c2. All four register.
    func setup(licenceR3InCA: Bool = false) -> [(Party, Message)] {
        var out: [(Party, Message)] = []
        func issue(_ r: Party, _ c: AttestationClaim, _ exp: Int64 = .max) {
            out.append((authority, .issueAttestation(subject: r.address, claim: c, expiresAtTicks: exp)))
        }
        issue(r1, .licence(jurisdiction: "US-CA"))
        issue(r2, .licence(jurisdiction: "US-CA"))
        issue(r3, .licence(jurisdiction: "US-NY"))
        if licenceR3InCA { issue(r3, .licence(jurisdiction: "US-CA")) }
        issue(r4, .licence(jurisdiction: "US-CA"), 10 * minute)
        issue(r2, .subspecialty("neuro"))
        issue(r1, .clientCredential(client: c2.address, ticksTaken: 90 * 24 * hour))
        for r in radiologists { out.append((r, .registerRadiologist(profile(r)))) }
        return out
    }

    func order(
        _ client: Party, modality: Modality = .ct, maxPrice: UInt64 = 4_000, deadline: Int64,
        jurisdiction: String = "US-CA", subspecialty: String = "", credentialing: Bool = false, summary: Bool = false
    ) -> StudyOrder {
        // With `summary`, the order carries a clinical-summary link sealed to the client's own key (data sharing).
        let summaryLink =
            summary
            ? Sealing.seal(
                Cast.summaryLink, to: client.sealing.publicKey,
                ephemeral: SealingKey.derive(label: "summary-eph", seed: UInt64(deadline)),
                info: Message.accessInfo(studyID: 0, recipient: client.sealing.publicKey)) : nil
        return StudyOrder(
            modality: modality, bodyPart: 3, urgency: .routine, jurisdiction: jurisdiction,
            requiredSubspecialty: subspecialty, requiresCredentialing: credentialing, maxPrice: maxPrice,
            deadlineTicks: deadline, requisitionHash: Hash.sha256(Array("req-\(deadline)".utf8)),
            clientSealedLink: Sealing.seal(
                Cast.link, to: client.sealing.publicKey,
                ephemeral: SealingKey.derive(label: "own-eph", seed: UInt64(deadline)),
                info: Message.accessInfo(studyID: 0, recipient: client.sealing.publicKey)),
            clinicalSummaryLink: summaryLink)
    }

    static let summaryLink = Array("https://ehr.example/summary/5e1f?token=0cc175b9c0f1b6a8".utf8)
    static let link = Array("https://pacs.example/study/8c1f?token=d41d8cd98f00b204".utf8)

    func report(_ id: UInt64, followUp: Bool = false) -> ReportSubmission {
        ReportSubmission(
            reportHash: Hash.sha256(Array("report-\(id)".utf8)), findings: [101, 230],
            followUp: followUp ? FollowUp(code: 7, withinTicks: 90 * 24 * hour) : nil)
    }
}

/// Drives a `ReadChainApp` block by block, building real signed blocks (so they can be replayed through
/// `SingleNodeChain.execute`), with nonces taken from the state plus the transactions pending in the block.
struct Harness {
    var app: ReadChainApp
    let genesisApp: ReadChainApp
    var time: Int64 = 0
    var blocks: [Block] = []
    var roots: [Hash] = []
    var pending: [Address: UInt64] = [:]
    let proposer: SigningKey
    /// The scheme the block executor checks signatures under.
    var scheme: SignatureScheme = .ed25519

    init(_ genesis: Genesis, proposer: SigningKey) {
        app = ReadChainApp(genesis: genesis)
        genesisApp = app
        self.proposer = proposer
    }

    var chainID: String { app.genesis.chainID }

    /// A signed transaction with the next nonce for its sender within the block being assembled.
    mutating func tx(_ p: Party, _ m: Message, nonce: UInt64? = nil, fee f: UInt64 = fee, chainID c: String? = nil)
        -> Transaction
    {
        tx(p, bytes: m.canonicalBytes, nonce: nonce, fee: f, chainID: c)
    }

    mutating func tx(_ p: Party, bytes: Bytes, nonce: UInt64? = nil, fee f: UInt64 = fee, chainID c: String? = nil)
        -> Transaction
    {
        let a = p.address
        let n = nonce ?? (app.nonce(of: a) + pending[a, default: 0])
        if nonce == nil { pending[a, default: 0] += 1 }
        return Transaction.signed(
            by: p.signing, chainID: c ?? chainID, nonce: n, fee: Amount(minorUnits: f), message: bytes)
    }

    func header(at t: Int64, _ txs: [Transaction]) -> BlockHeader {
        BlockHeader(
            chainID: chainID, height: UInt64(blocks.count + 1), timeTicks: t,
            previousBlockHash: blocks.last?.hash ?? .zero, txRoot: Block.txRoot(txs), stateRoot: app.stateRoot,
            resultsRoot: .zero, proposer: proposer.publicKey.address, lastCommitHash: .zero, validatorsHash: .zero)
    }

    /// Executes one block through the Ledger's block executor (envelope check, deliver, endBlock, commit).
    @discardableResult
    mutating func block(at t: Int64, _ txs: [Transaction]) -> (receipts: [Receipt], outcome: BlockOutcome) {
        time = t
        let b = Block(header: header(at: t, txs), transactions: txs, lastCommit: [])
        let (receipts, outcome, root) = SingleNodeChain<ReadChainApp>.execute(
            b, app: &app, chainID: chainID, maxTxBytes: 1 << 16, cache: SignatureCache(capacity: 0, scheme: scheme))
        blocks.append(b)
        roots.append(root)
        pending = [:]
        return (receipts, outcome)
    }

    /// Runs `messages` in one block and requires every receipt to be ok.
    @discardableResult
    mutating func ok(at t: Int64, _ messages: [(Party, Message)], sourceLocation: SourceLocation = #_sourceLocation)
        -> (receipts: [Receipt], outcome: BlockOutcome)
    {
        let txs = messages.map { tx($0.0, $0.1) }
        let r = block(at: t, txs)
        for (i, receipt) in r.receipts.enumerated() {
            #expect(
                receipt.code == .ok, "\(messages[i].1.name): \(receipt.code) \(receipt.log)",
                sourceLocation: sourceLocation)
        }
        return r
    }

    mutating func one(at t: Int64, _ p: Party, _ m: Message) -> Receipt {
        block(at: t, [tx(p, m)]).receipts[0]
    }
}

/// The contract events of `events`; one that does not decode is recorded as a test issue and left out.
func decodeContractEvents(_ events: [Event]) -> [ContractEvent] {
    events.compactMap { e in
        do { return try ContractEvent(e) } catch {
            Issue.record("malformed contract event: \(error)")
            return nil
        }
    }
}

extension Receipt {
    /// The receipt's contract events, decoded.
    var contract: [ContractEvent] { decodeContractEvents(events) }
}

extension BlockOutcome {
    /// The end-of-block contract events, decoded.
    var contract: [ContractEvent] { decodeContractEvents(events) }
}

/// The state the fee rule allows after a rejected transaction that passed the ante: the sender pays the fee and
/// its nonce increments, the collector receives the fee; nothing else changes.
func applyingFeeRule(to store: StateStore, sender: Address, collector: Address, fee: UInt64) -> StateStore {
    var s = store
    var acct = (s.get(StateKeys.account(sender)).flatMap { try? Account.decode(canonical: $0) }) ?? Account()
    acct.balance -= fee
    acct.nonce += 1
    s.set(StateKeys.account(sender), acct.canonicalBytes)
    var col = (s.get(StateKeys.account(collector)).flatMap { try? Account.decode(canonical: $0) }) ?? Account()
    col.balance += fee
    s.set(StateKeys.account(collector), col.canonicalBytes)
    return s
}
