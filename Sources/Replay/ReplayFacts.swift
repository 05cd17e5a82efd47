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

    static func attribute(_ e: Event, _ key: String) -> String? { e.attributes.first { $0.key == key }?.value }

    public mutating func add(_ b: ReplayedBlock) {
        let time = b.block.header.timeTicks
        blockBytes[b.height] = b.block.encodedSize
        blockTransactions[b.height] = b.block.transactions.count
        blockFailed[b.height] = b.receipts.filter { $0.code != .ok }.count
        for (tx, r) in zip(b.block.transactions, b.receipts) {
            let sender = tx.sender.address
            let message = try? Message.decode(canonical: tx.message)
            // Fees: a transaction in a block whose ante passed paid its fee (`tx.fee` event).
            let paidFee = r.events.first?.type == "tx.fee"
            if let message, paidFee {
                switch message {
                case .postStudy(let o):
                    orderFees[Self.orderKey(client: sender, requisition: o.requisitionHash), default: 0] += tx.fee.minorUnits
                case .grantAccess(let id, _, _), .finaliseAuction(let id), .submitFeedback(let id, _),
                    .completeFollowUp(let id), .cancelStudy(let id):
                    if let s = studies[id], s.client == sender {
                        orderFees[Self.orderKey(client: s.client, requisition: s.requisition), default: 0] +=
                            tx.fee.minorUnits
                    }
                default: break
                }
            }
            guard r.code == .ok else { continue }
            if case .postStudy(let o)? = message,
                let id = r.events.first(where: { $0.type == "study.posted" }).flatMap({ Self.attribute($0, "study") })
                    .flatMap(UInt64.init)
            {
                studies[id] = ChainStudyFacts(
                    id: id, client: sender, requisition: o.requisitionHash, urgency: o.urgency,
                    postedHeight: b.height, postedTime: time)
            }
            apply(r.events, height: b.height, time: time)
        }
        apply(b.endBlockEvents, height: b.height, time: time)
    }

    private mutating func apply(_ events: [Event], height: Int64, time: Int64) {
        for e in events {
            guard let id = Self.attribute(e, "study").flatMap(UInt64.init), var s = studies[id] else {
                if e.type == "label.appended" { labels.append((height, time)) }
                continue
            }
            switch e.type {
            case "study.assigned":
                s.assignee = Self.attribute(e, "radiologist").flatMap(Address.init(hex:))
                s.price = Self.attribute(e, "price").flatMap(UInt64.init)
                s.pay = Self.attribute(e, "pay").flatMap(UInt64.init)
            case "study.reported":
                s.reportedHeight = height
                s.reportedTime = time
                s.contractTurnaround = Self.attribute(e, "turnaround").flatMap(Int64.init)
            case "settlement":
                s.paid = Self.attribute(e, "paid").flatMap(UInt64.init) ?? 0
                s.operatorShare = Self.attribute(e, "operator").flatMap(UInt64.init) ?? 0
                s.holdback = Self.attribute(e, "holdback").flatMap(UInt64.init) ?? 0
            case "holdback.released": s.released += Self.attribute(e, "amount").flatMap(UInt64.init) ?? 0
            case "holdback.forfeited": s.forfeited += Self.attribute(e, "amount").flatMap(UInt64.init) ?? 0
            case "peerreview": s.reviewScore = Self.attribute(e, "score").flatMap(ReviewScore.init(name:))
            case "feedback": s.feedback = Self.attribute(e, "score").flatMap(Int.init)
            case "followup.completed": s.followUpCompleted = true
            case "study.expired": s.expired = true
            case "label.appended": labels.append((height, time))
            default: break
            }
            studies[id] = s
        }
    }
}
