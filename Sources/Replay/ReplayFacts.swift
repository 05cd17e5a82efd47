import Contracts
import Ledger
import MarketModel

// What the chain itself records about the market, collected while replaying (the chain's events, receipts and
// transactions only): per on-chain study its post, assignment, report, settlement, review, feedback and follow-up;
// per client order (client, requisition hash: a repost is a new on-chain study of the same order) the fees paid.

/// One on-chain study as its events tell it.
public struct ChainStudyFacts: Sendable, Equatable {
    public var id: UInt64
    public var client: Address
    public var requisition: Hash
    public var urgency: Urgency
    public var postedHeight: Int64
    public var postedTime: Int64
    public var assignee: Address?
    /// `study.assigned` price (claim, dispatch or award).
    public var price: UInt64?
    public var pay: UInt64?
    public var reportedHeight: Int64?
    public var reportedTime: Int64?
    /// The contract's turnaround (assignment to report), ticks.
    public var contractTurnaround: Int64?
    /// `settlement`: paid to the radiologist at report, the operator's share, the hold-back kept.
    public var paid: UInt64 = 0
    public var operatorShare: UInt64 = 0
    public var holdback: UInt64 = 0
    public var released: UInt64 = 0
    public var forfeited: UInt64 = 0
    public var reviewScore: ReviewScore?
    public var feedback: Int?
    public var followUpCompleted = false
    public var expired = false
}

/// Collects `ChainStudyFacts` and per-order fees from replayed blocks.
public struct ChainFacts {
    public private(set) var studies: [UInt64: ChainStudyFacts] = [:]
    /// Fees the client paid for transactions about one order (posts, grants, auction finalisations, feedback,
    /// follow-ups), keyed by `orderKey`.
    public private(set) var orderFees: [String: UInt64] = [:]
    /// Encoded size of each replayed block, by height.
    public private(set) var blockBytes: [Int64: Int] = [:]
    public private(set) var blockTransactions: [Int64: Int] = [:]
    public private(set) var blockFailed: [Int64: Int] = [:]
    /// `label.appended` events: (height, block time).
    public private(set) var labels: [(height: Int64, time: Int64)] = []

    public init() {}

    public static func orderKey(client: Address, requisition: Hash) -> String { client.hex + "/" + requisition.hex }

    public mutating func add(_ b: ReplayedBlock) {
        let time = b.block.header.timeTicks
        blockBytes[b.height] = b.block.encodedSize
        blockTransactions[b.height] = b.block.transactions.count
        blockFailed[b.height] = b.receipts.filter { $0.code != .ok }.count
        for (k, (tx, r)) in zip(b.block.transactions, b.receipts).enumerated() {
            let sender = tx.sender.address
            let message = try? Message.decode(canonical: tx.message)
            let events = b.events[k]
            // Fees: a transaction in a block whose ante passed paid its fee (`tx.fee` event).
            let paidFee = if case .txFee? = events.first { true } else { false }
            if let message, paidFee {
                switch message {
                case .postStudy(let o):
                    orderFees[Self.orderKey(client: sender, requisition: o.requisitionHash), default: 0] +=
                        tx.fee.minorUnits
                case .grantAccess(let id, _, _), .finaliseAuction(let id), .submitFeedback(let id, _, _),
                    .completeFollowUp(let id, _), .cancelStudy(let id):
                    if let s = studies[id], s.client == sender {
                        orderFees[Self.orderKey(client: s.client, requisition: s.requisition), default: 0] +=
                            tx.fee.minorUnits
                    }
                default: break
                }
            }
            guard r.code == .ok else { continue }
            if case .postStudy(let o)? = message, let id = Self.postedStudy(events) {
                studies[id] = ChainStudyFacts(
                    id: id, client: sender, requisition: o.requisitionHash, urgency: o.urgency,
                    postedHeight: b.height, postedTime: time)
            }
            apply(events, height: b.height, time: time)
        }
        apply(b.endBlockEvents, height: b.height, time: time)
    }

    /// The on-chain id a `postStudy` receipt's `study.posted` event gave the study.
    static func postedStudy(_ events: [ContractEvent]) -> UInt64? {
        for case .studyPosted(let id, _, _, _, _, _, _) in events { return id }
        return nil
    }

    private mutating func apply(_ events: [ContractEvent], height: Int64, time: Int64) {
        for e in events {
            guard let id = e.studyID, var s = studies[id] else {
                if case .labelAppended = e { labels.append((height, time)) }
                continue
            }
            switch e {
            case .studyAssigned(_, let radiologist, let price, let pay):
                s.assignee = radiologist
                s.price = price
                s.pay = pay
            case .studyReported(_, _, let turnaround, _, _):
                s.reportedHeight = height
                s.reportedTime = time
                s.contractTurnaround = turnaround
            case .settlement(_, _, let paid, let operatorShare, _, let holdback):
                s.paid = paid
                s.operatorShare = operatorShare
                s.holdback = holdback
            case .holdbackReleased(_, let amount): s.released += amount
            case .holdbackForfeited(_, let amount): s.forfeited += amount
            case .premiumEarned(_, let amount): s.price = (s.price ?? 0) + amount
            case .peerReview(_, _, _, let score): s.reviewScore = score
            case .feedback(_, _, let score): s.feedback = Int(score)
            case .followUpCompleted: s.followUpCompleted = true
            case .studyExpired: s.expired = true
            case .labelAppended: labels.append((height, time))
            default: break
            }
            studies[id] = s
        }
    }
}
