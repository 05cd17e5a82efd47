// The market's one way onto the chain: every party's signing key and nonce sequence, the transactions in flight,
// their resubmission to another validator when a gateway is down, admission refusals, and the routing of each
// committed transaction back to what it was for (`TxKind`). Pure: it signs and keeps books; the world hands its
// `Action`s to the cluster.

import Contracts
import DiscreteEvent
import Ledger
import MarketModel

/// A signing identity with its own nonce sequence and gateway validator.
struct Party {
    var signing: SigningKey
    var sealing: SealingKey
    var address: Address
    var nonce: UInt64 = 0
    var gateway: Int
    /// Fees paid since the radiologist's day last ended (``ChainGateway/takeFeesToday(_:)``).
    var feesToday: UInt64 = 0

    init(label: String, seed: UInt64, gateway: Int, scheme: SignatureScheme = .ed25519) {
        signing = SigningKey.derive(label: label, seed: seed, scheme: scheme)
        sealing = SealingKey.derive(label: label, seed: seed)
        address = signing.publicKey.address
        self.gateway = gateway
    }
}

/// Who signs a transaction.
enum PartyID: Equatable {
    case client(ClientID)
    case radiologist(RadiologistID)
    case authority
    case intermediary
    /// Validator `index`'s operator: its randomness reveals.
    case validatorOperator(Int)
    /// A governance operator (`chain.operators`, in order): governance transactions (`chain.membership`).
    case governanceOperator(Int)
}

/// What a transaction is for: where its receipt goes when it commits.
enum TxKind: Equatable {
    case setup
    case post(StudyID)
    case claim(rad: RadiologistID, study: StudyID)
    case assign(rad: RadiologistID, study: StudyID)
    case grant(StudyID)
    case commitBid(rad: RadiologistID, study: StudyID)
    case revealBid(rad: RadiologistID, study: StudyID)
    case finalise(StudyID)
    case report(rad: RadiologistID, study: StudyID)
    case review(rad: RadiologistID, study: StudyID)
    case feedback(StudyID)
    case followUp(StudyID)
    /// A reader's consult request on the study, and its client's record of the referrer's reply.
    case consult(rad: RadiologistID, study: StudyID)
    case consultReply(StudyID)
    case register(rad: RadiologistID)
    case attest(rad: RadiologistID)
    case update(rad: RadiologistID)
    /// The proposal of scheduled membership change k (`chain.membership[k]`), and an approval of it.
    case propose(change: Int)
    case approve(change: Int)
    /// Validator operator `validator`'s randomness reveal.
    case reveal(validator: Int)

    /// The study whose client pays the transaction's fee (its fees count towards what the study cost the client).
    var clientStudy: StudyID? {
        switch self {
        case .post(let s), .grant(let s), .finalise(let s), .feedback(let s), .followUp(let s), .consultReply(let s): s
        default: nil
        }
    }
}

/// A transaction the gateway signed and has not yet seen committed.
struct PendingTx {
    var tx: Transaction
    var kind: TxKind
    var party: PartyID
    var submitted: Int64
    var node: Int
    var resubmits = 0
    var done = false
}

/// Signs the parties' transactions (fee, nonce), resubmits those not committed in time, counts refusals, and
/// matches committed transactions to their kinds.
struct ChainGateway {
    /// What the driver does for the gateway, in order.
    enum Action: Equatable {
        /// Hand `tx` to validator `node` at `time`.
        case send(Transaction, node: Int, at: Int64)
        /// Call ``resubmit(_:now:isUp:)`` for transaction `tx` at `time`.
        case checkCommitted(tx: Int, at: Int64)
    }

    /// What a committed transaction's record keeps instead of the transaction.
    static let spent = Transaction(
        chainID: "", sender: PublicKey(bytes: Array(repeating: 0, count: 32)), nonce: 0, fee: .zero, message: [],
        signature: Signature(bytes: Array(repeating: 0, count: 64)))
    /// Time from submission to handing it to the node (the client's link).
    static let linkTicks: Int64 = 200
    /// Time a transaction gets to commit before it goes to the next validator (doubling per resubmission, up to
    /// eight times this).
    static let resubmitAfter: Int64 = 30 * SimTime.ticksPerSecond

    let chainID: String
    let minFee: UInt64
    let perByte: UInt64
    let validators: Int
    var clients: [Party]
    var radiologists: [Party]
    var authority: Party
    var intermediary: Party
    /// The validators' operators (randomness participants), by validator index.
    var operators: [Party]
    /// The governance operators (empty unless the scenario schedules membership changes).
    var governors: [Party]
    /// Every transaction signed, in order (a committed one keeps ``spent`` instead of its bytes).
    private(set) var txs: [PendingTx] = []
    private var byHash: [Hash: Int] = [:]
    /// Transactions refused at admission (not counting duplicates and resubmissions racing their original).
    private(set) var refused = 0
    /// Transactions seen committed.
    private(set) var committed = 0

    init(
        chainID: String, minFee: UInt64, perByte: UInt64, validators: Int, clients: [Party], radiologists: [Party],
        authority: Party, intermediary: Party, operators: [Party] = [], governors: [Party] = []
    ) {
        self.chainID = chainID
        self.minFee = minFee
        self.perByte = perByte
        self.validators = validators
        self.clients = clients
        self.radiologists = radiologists
        self.authority = authority
        self.intermediary = intermediary
        self.operators = operators
        self.governors = governors
    }

    subscript(_ p: PartyID) -> Party {
        get {
            switch p {
            case .client(let c): clients[c.index]
            case .radiologist(let r): radiologists[r.index]
            case .authority: authority
            case .intermediary: intermediary
            case .validatorOperator(let v): operators[v]
            case .governanceOperator(let k): governors[k]
            }
        }
        _modify {
            switch p {
            case .client(let c): yield &clients[c.index]
            case .radiologist(let r): yield &radiologists[r.index]
            case .authority: yield &authority
            case .intermediary: yield &intermediary
            case .validatorOperator(let v): yield &operators[v]
            case .governanceOperator(let k): yield &governors[k]
            }
        }
    }

    /// Signs `message` as `party` at its next nonce, at the exact fee for its size, and sends it to the party's
    /// validator.
    /// - Returns: the transaction's index in ``txs``, its fee, and the actions: send it, then check it committed.
    mutating func submit(
        _ message: Message, as party: PartyID, kind: TxKind, now: Int64
    ) -> (index: Int, fee: UInt64, actions: [Action]) {
        let bytes = message.canonicalBytes
        var signer = self[party]
        // The fee is `minFee + perByte × encoded size` (the fee field has a fixed width, so the size does not
        // depend on it): sign at the minimum, then once more at the exact fee when bytes are charged.
        var fee = Amount(minorUnits: minFee)
        var tx = Transaction.signed(by: signer.signing, chainID: chainID, nonce: signer.nonce, fee: fee, message: bytes)
        if perByte > 0 {
            fee = Amount(minorUnits: minFee + perByte * UInt64(tx.encodedSize))
            tx = Transaction.signed(by: signer.signing, chainID: chainID, nonce: signer.nonce, fee: fee, message: bytes)
        }
        signer.nonce += 1
        signer.feesToday += fee.minorUnits
        self[party] = signer
        let k = txs.count
        txs.append(PendingTx(tx: tx, kind: kind, party: party, submitted: now, node: signer.gateway))
        byHash[tx.hash] = k
        return (
            k, fee.minorUnits,
            [
                .send(tx, node: signer.gateway, at: now + Self.linkTicks),
                .checkCommitted(tx: k, at: now + Self.resubmitAfter),
            ]
        )
    }

    /// Transaction `k` is due: if it has not committed (a crashed or partitioned gateway), the byte-identical
    /// transaction goes to the next running validator, and is checked again after a doubled wait.
    mutating func resubmit(_ k: Int, now: Int64, isUp: (Int) -> Bool) -> [Action] {
        guard !txs[k].done else { return [] }
        var next = (txs[k].node + 1) % validators
        for _ in 0..<validators where !isUp(next) { next = (next + 1) % validators }
        txs[k].node = next
        txs[k].resubmits += 1
        return [
            .send(txs[k].tx, node: next, at: now + Self.linkTicks),
            .checkCommitted(tx: k, at: now + Self.resubmitAfter * Int64(min(8, 1 << txs[k].resubmits))),
        ]
    }

    /// A validator answered a transaction's admission: counts a refusal of one of ours (not a duplicate, not a
    /// resubmission racing its committed or admitted original).
    mutating func admission(_ hash: Hash, _ check: TxCheck) {
        guard !check.isOK, check.code != .duplicate, let k = byHash[hash], !txs[k].done else { return }
        if check.code == .badNonce, txs[k].resubmits > 0 { return }  // a resubmission racing the original
        refused += 1
    }

    /// A committed transaction: if it is ours and not yet seen, marks it done and returns what it was for and when
    /// it was submitted.
    mutating func committed(_ hash: Hash) -> (kind: TxKind, submitted: Int64)? {
        guard let k = byHash[hash], !txs[k].done else { return nil }
        txs[k].done = true
        txs[k].tx = Self.spent  // only resubmission needed the bytes
        byHash[hash] = nil
        committed += 1
        return (txs[k].kind, txs[k].submitted)
    }

    /// The fees radiologist `r` paid since the last call (its day's end), and starts counting afresh.
    mutating func takeFeesToday(_ r: RadiologistID) -> UInt64 {
        defer { radiologists[r.index].feesToday = 0 }
        return radiologists[r.index].feesToday
    }
}
