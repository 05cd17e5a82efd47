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

/// The world's open and bidding orders, with the indices the radiologists' looks walk. Each order's terms are
/// kept once, in a slot; the indices are sorted arrays of small entries naming the slot, so inserting and removing
/// an order moves a few bytes per order on the book.
struct OrderBook {
    /// An order's place in one index: compared by `(first, second, chainID)`, a total order (chain ids are unique).
    struct Entry: Comparable {
        let first: Int64
        let second: Int64
        let chainID: UInt64
        /// The order's slot (``order(_:)``).
        let slot: Int32
        /// The order carries a speed premium, which can move it earlier for a reader that can meet the promise:
        /// the deadline walk visits those orders apart (``premiums``).
        let premium: Bool

        static func < (a: Entry, b: Entry) -> Bool { (a.first, a.second, a.chainID) < (b.first, b.second, b.chainID) }
        static func == (a: Entry, b: Entry) -> Bool {
            a.first == b.first && a.second == b.second && a.chainID == b.chainID && a.slot == b.slot
        }
    }

    /// Every order's terms, by slot (free slots are reused).
    private var slots: [BookOrder] = []
    private var freeSlots: [Int32] = []
    private var slotOf: [StudyID: Int32] = [:]

    /// The book in chain id order.
    private(set) var byChainID: [StudyID] = []
    /// The same, as entries.
    private(set) var inChainOrder: [Entry] = []
    /// By (deadline, posted, chain id): the earliest-deadline policy's order (``ClaimingPolicy``).
    private(set) var byDeadline: [Entry] = []
    /// Orders needing no subspecialty, by (posted, chain id): the first-come order.
    private(set) var general: [Entry] = []
    /// Orders needing a subspecialty, one list per subspecialty, each by (posted, chain id).
    private(set) var bySubspecialty: [String: [Entry]] = [:]
    /// Orders with a speed premium, in chain id order.
    private(set) var premiums: [Entry] = []
    /// Fixed offers by modality and urgency (``offerBucket(_:_:)``), dearest first: the orders a price can claim
    /// are a prefix (``priceFeasible(threshold:)``).
    private var byOffer: [[Entry]] = Array(repeating: [], count: 32)
    /// Escalating offers (their ceiling moves with time), in chain id order.
    private(set) var escalating: [Entry] = []

    init() {}

    /// The orders of `book` (in that order), from the studies and records (for a view built by hand; such a book is
    /// only read, so it may keep its own order).
    init(book: [StudyID], studies: [LocalStudy], records: [StudyRecord]) {
        for s in book { insert(BookOrder(s, studies[s.index], posted: records[s.index].posted), appendInOrder: true) }
    }

    var count: Int { byChainID.count }

    /// The terms of the order `e` names.
    @inline(__always)
    func order(_ e: Entry) -> BookOrder { slots[Int(e.slot)] }

    static func offerBucket(_ m: Modality, _ u: Urgency) -> Int { Int(m.rawValue) * 4 + Int(u.rawValue) }

    /// Adds `order` (its study not on the book).
    mutating func insert(_ order: BookOrder, appendInOrder: Bool = false) {
        let s = order.study
        precondition(slotOf[s] == nil, "study \(s.index) is already on the book")
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slots[Int(free)] = order
        } else {
            slot = Int32(slots.count)
            slots.append(order)
        }
        slotOf[s] = slot
        let premium = order.premium != nil
        let chain = Entry(first: 0, second: 0, chainID: order.chainID, slot: slot, premium: premium)
        let at = appendInOrder ? inChainOrder.count : Self.lowerBound(inChainOrder, chain)
        inChainOrder.insert(chain, at: at)
        byChainID.insert(s, at: at)
        if premium {
            if appendInOrder { premiums.append(chain) } else { Self.insert(chain, into: &premiums) }
        }
        for (index, e) in entries(order, slot) { Self.insert(e, into: &self[index]) }
    }

    /// Removes order `s` (nothing if it is not on the book).
    mutating func remove(_ s: StudyID) {
        guard let slot = slotOf.removeValue(forKey: s) else { return }
        let order = slots[Int(slot)]
        let chain = Entry(first: 0, second: 0, chainID: order.chainID, slot: slot, premium: order.premium != nil)
        if let i = Self.find(chain, in: inChainOrder) {
            inChainOrder.remove(at: i)
            byChainID.remove(at: i)
        }
        if chain.premium { Self.remove(chain, from: &premiums) }
        for (index, e) in entries(order, slot) { Self.remove(e, from: &self[index]) }
        freeSlots.append(slot)
    }

    /// Which sorted index an entry goes in.
    private enum Index {
        case deadline, general
        case subspecialty(String)
        case offer(Int)
        case escalating
    }

    /// The order's entries in its sorted indices (beyond the chain order).
    private func entries(_ o: BookOrder, _ slot: Int32) -> [(Index, Entry)] {
        let premium = o.premium != nil
        func e(_ a: Int64, _ b: Int64) -> Entry {
            Entry(first: a, second: b, chainID: o.chainID, slot: slot, premium: premium)
        }
        var out: [(Index, Entry)] = [(.deadline, e(o.deadline, o.posted ?? 0))]
        if let sub = o.subspecialty {
            out.append((.subspecialty(sub), e(o.posted ?? 0, 0)))
        } else {
            out.append((.general, e(o.posted ?? 0, 0)))
        }
        if o.escalation != nil {
            out.append((.escalating, e(0, 0)))
        } else {
            // Dearest first: the key is the offer's complement.
            out.append((.offer(Self.offerBucket(o.modality, o.urgency)), e(Int64(bitPattern: ~o.maxPrice >> 1), 0)))
        }
        return out
    }

    private subscript(index: Index) -> [Entry] {
        get {
            switch index {
            case .deadline: byDeadline
            case .general: general
            case .subspecialty(let sub): bySubspecialty[sub] ?? []
            case .offer(let b): byOffer[b]
            case .escalating: escalating
            }
        }
        _modify {
            switch index {
            case .deadline: yield &byDeadline
            case .general: yield &general
            case .subspecialty(let sub): yield &bySubspecialty[sub, default: []]
            case .offer(let b): yield &byOffer[b]
            case .escalating: yield &escalating
            }
        }
    }

    /// The orders whose fixed offer is at least `threshold(modality, urgency)` (nil: none of that kind), and every
    /// escalating offer: a superset of the orders a reader asking those prices can claim.
    func priceFeasible(threshold: (Modality, Urgency) -> UInt64?) -> [Entry] {
        var out = escalating
        forEachOfferPrefix(threshold) { out.append(contentsOf: $0) }
        return out
    }

    /// How many orders ``priceFeasible(threshold:)`` would return.
    func priceFeasibleCount(threshold: (Modality, Urgency) -> UInt64?) -> Int {
        var n = escalating.count
        forEachOfferPrefix(threshold) { n += $0.count }
        return n
    }

    /// Each modality and urgency's fixed offers at or above its threshold: a prefix of the bucket, dearest first
    /// (the key `~offer >> 1` falls as the offer rises, so an offer a unit under the threshold may come along).
    private func forEachOfferPrefix(
        _ threshold: (Modality, Urgency) -> UInt64?, _ body: (ArraySlice<Entry>) -> Void
    ) {
        for m in Modality.allCases {
            for u in Urgency.allCases {
                let bucket = byOffer[Self.offerBucket(m, u)]
                guard !bucket.isEmpty, let t = threshold(m, u) else { continue }
                let key = Int64(bitPattern: ~t >> 1)
                body(bucket[..<Self.partitionPoint(bucket) { $0.first <= key }])
            }
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

    /// The first index of sorted `a` whose entry is not `before` (every entry before it is).
    private static func partitionPoint(_ a: [Entry], _ before: (Entry) -> Bool) -> Int {
        var lo = 0
        var hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if before(a[mid]) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    private static func lowerBound(_ a: [Entry], _ x: Entry) -> Int { partitionPoint(a) { $0 < x } }

    private static func find(_ e: Entry, in a: [Entry]) -> Int? {
        var i = lowerBound(a, e)
        while i < a.count, !(e < a[i]) {
            if a[i].slot == e.slot { return i }
            i += 1
        }
        return nil
    }

    private static func insert(_ e: Entry, into a: inout [Entry]) { a.insert(e, at: lowerBound(a, e)) }

    private static func remove(_ e: Entry, from a: inout [Entry]) {
        if let i = find(e, in: a) { a.remove(at: i) }
    }
}
