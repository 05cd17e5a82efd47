// The open orders on the chain's book as the world tracks them: in chain id order (what the demand signal and the
// intermediary read), and indexed in the orders the claiming policies rank by, so a radiologist's look visits the
// orders it could take first and stops once its queue would be full, instead of every order on the book (issue 16
// item 1: with the book and the readers both growing with the market, a whole walk per look made the cost per study
// grow with the market).

import MarketModel

/// What a look reads of an order on the book: fixed while it is there (the client sets the deadline and offer when
/// it posts, the post's receipt adds an escalation or a premium before the order enters the book, and a repost
/// comes only after the order left it), so the walks read these instead of the study.
struct BookOrder {
    let study: StudyID
    let chainID: UInt64
    let client: Int
    let modality: Modality
    let urgency: Urgency
    let subspecialty: String?
    let deadline: Int64
    /// The study's record's arrival time.
    let posted: Int64?
    let maxPrice: UInt64
    let escalation: (perHour: UInt64, cap: UInt64, postedAt: Int64)?
    let premium: (amount: UInt64, promisedBy: Int64)?

    init(
        study: StudyID, chainID: UInt64, client: Int = 0, modality: Modality = .xr, urgency: Urgency = .routine,
        subspecialty: String? = nil, deadline: Int64, posted: Int64?, maxPrice: UInt64 = 0,
        escalation: (perHour: UInt64, cap: UInt64, postedAt: Int64)? = nil,
        premium: (amount: UInt64, promisedBy: Int64)? = nil
    ) {
        self.study = study
        self.chainID = chainID
        self.client = client
        self.modality = modality
        self.urgency = urgency
        self.subspecialty = subspecialty
        self.deadline = deadline
        self.posted = posted
        self.maxPrice = maxPrice
        self.escalation = escalation
        self.premium = premium
    }

    init(_ s: StudyID, _ st: LocalStudy, posted: Int64?) {
        study = s
        chainID = st.chainID ?? 0
        client = st.client.index
        modality = st.generated.study.modality
        urgency = st.generated.study.urgency
        subspecialty = st.generated.study.subspecialty
        deadline = st.deadline
        self.posted = posted
        maxPrice = st.maxPrice
        escalation = st.escalation
        premium = st.premium
    }

    /// ``LocalStudy/offerCeiling(at:)``.
    @inline(__always)
    func offerCeiling(at now: Int64) -> UInt64 { LocalStudy.offerCeiling(maxPrice: maxPrice, escalation, at: now) }
}

/// The world's open and bidding orders, with the indices the radiologists' looks walk.
struct OrderBook {
    /// An order's place in one index: compared by `(first, second, chainID)`, a total order (chain ids are unique).
    struct Entry: Comparable {
        let first: Int64
        let second: Int64
        let order: BookOrder

        var chainID: UInt64 { order.chainID }
        var study: StudyID { order.study }
        /// The order carries a speed premium, which can move it earlier for a reader that can meet the promise:
        /// the deadline walk visits those orders apart (``premiums``).
        var premium: Bool { order.premium != nil }

        static func < (a: Entry, b: Entry) -> Bool {
            (a.first, a.second, a.order.chainID) < (b.first, b.second, b.order.chainID)
        }
        static func == (a: Entry, b: Entry) -> Bool {
            a.first == b.first && a.second == b.second && a.order.chainID == b.order.chainID
                && a.order.study == b.order.study
        }
    }

    /// What an order was indexed under, to find it again.
    private struct Member {
        let byDeadline: Entry
        let byPosted: Entry
    }

    /// The book in chain id order (study ids, and the orders).
    private(set) var byChainID: [StudyID] = []
    private(set) var ordersByChainID: [BookOrder] = []
    private var chainIDs: [UInt64] = []
    /// By (deadline, posted, chain id): the earliest-deadline policy's order (``ClaimingPolicy``).
    private(set) var byDeadline: [Entry] = []
    /// Orders needing no subspecialty, by (posted, chain id): the first-come order.
    private(set) var general: [Entry] = []
    /// Orders needing a subspecialty, one list per subspecialty, each by (posted, chain id).
    private(set) var bySubspecialty: [String: [Entry]] = [:]
    /// Orders with a speed premium, in chain id order.
    private(set) var premiums: [BookOrder] = []
    private var premiumChainIDs: [UInt64] = []
    private var members: [StudyID: Member] = [:]

    init() {}

    /// The orders of `book` (in that order), from the studies and records (for a view built by hand).
    init(book: [StudyID], studies: [LocalStudy], records: [StudyRecord]) {
        for s in book { insert(BookOrder(s, studies[s.index], posted: records[s.index].posted), appendInOrder: true) }
    }

    var count: Int { byChainID.count }
    func contains(_ s: StudyID) -> Bool { members[s] != nil }

    /// Adds `order` (its study not on the book).
    mutating func insert(_ order: BookOrder, appendInOrder: Bool = false) {
        let s = order.study
        precondition(members[s] == nil, "study \(s.index) is already on the book")
        let d = Entry(first: order.deadline, second: order.posted ?? 0, order: order)
        let p = Entry(first: order.posted ?? 0, second: 0, order: order)
        members[s] = Member(byDeadline: d, byPosted: p)
        let at = appendInOrder ? chainIDs.count : Self.lowerBound(chainIDs, order.chainID)
        chainIDs.insert(order.chainID, at: at)
        byChainID.insert(s, at: at)
        ordersByChainID.insert(order, at: at)
        if order.premium != nil {
            let i = appendInOrder ? premiums.count : Self.lowerBound(premiumChainIDs, order.chainID)
            premiums.insert(order, at: i)
            premiumChainIDs.insert(order.chainID, at: i)
        }
        Self.insert(d, into: &byDeadline)
        if let sub = order.subspecialty {
            Self.insert(p, into: &bySubspecialty[sub, default: []])
        } else {
            Self.insert(p, into: &general)
        }
    }

    /// Removes order `s` (nothing if it is not on the book).
    mutating func remove(_ s: StudyID) {
        guard let m = members.removeValue(forKey: s) else { return }
        let order = m.byPosted.order
        let near = Self.lowerBound(chainIDs, order.chainID)
        if let i = near < byChainID.count && byChainID[near] == s ? near : byChainID.firstIndex(of: s) {
            byChainID.remove(at: i)
            ordersByChainID.remove(at: i)
            chainIDs.remove(at: i)
        }
        if order.premium != nil, let i = premiums.firstIndex(where: { $0.study == s }) {
            premiums.remove(at: i)
            premiumChainIDs.remove(at: i)
        }
        Self.remove(m.byDeadline, from: &byDeadline)
        if let sub = order.subspecialty {
            Self.remove(m.byPosted, from: &bySubspecialty[sub, default: []])
        } else {
            Self.remove(m.byPosted, from: &general)
        }
    }

    /// Visits the entries of `lists` merged in key order, until `visit` returns true (done).
    static func walkMerged(_ lists: [[Entry]], _ visit: (Entry) -> Bool) {
        if lists.count == 1 {
            for e in lists[0] where visit(e) { return }
            return
        }
        var next = [Int](repeating: 0, count: lists.count)
        while true {
            var best = -1
            for k in lists.indices where next[k] < lists[k].count {
                if best < 0 || lists[k][next[k]] < lists[best][next[best]] { best = k }
            }
            guard best >= 0 else { return }
            let e = lists[best][next[best]]
            next[best] += 1
            if visit(e) { return }
        }
    }

    // MARK: Sorted arrays

    private static func lowerBound(_ a: [UInt64], _ x: UInt64) -> Int {
        var lo = 0
        var hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    private static func lowerBound(_ a: [Entry], _ x: Entry) -> Int {
        var lo = 0
        var hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    private static func insert(_ e: Entry, into a: inout [Entry]) { a.insert(e, at: lowerBound(a, e)) }

    private static func remove(_ e: Entry, from a: inout [Entry]) {
        var i = lowerBound(a, e)
        while i < a.count, !(e < a[i]) {
            if a[i].study == e.study {
                a.remove(at: i)
                return
            }
            i += 1
        }
    }
}
