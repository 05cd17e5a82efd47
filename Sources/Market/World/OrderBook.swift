// The open orders on the chain's book as the world tracks them: in chain id order (what the demand signal and the
// intermediary read), and indexed in the orders the claiming policies rank by, so a radiologist's look visits the
// orders it could take first and stops once its queue would be full, instead of every order on the book (issue 16
// item 1: with the book and the readers both growing with the market, a whole walk per look made the cost per study
// grow with the market).

import MarketModel

/// The world's open and bidding orders, with the indices the radiologists' looks walk.
struct OrderBook {
    /// An order's place in one index: compared by `(first, second, chainID)`, a total order (chain ids are unique).
    struct Entry: Comparable {
        let first: Int64
        let second: Int64
        let chainID: UInt64
        let study: StudyID
        /// The order carries a speed premium (``LocalStudy/premium``), which can move it earlier for a reader
        /// that can meet the promise: the deadline walk visits those orders apart (``premiums``).
        let premium: Bool

        static func < (a: Entry, b: Entry) -> Bool {
            (a.first, a.second, a.chainID) < (b.first, b.second, b.chainID)
        }
        static func == (a: Entry, b: Entry) -> Bool {
            a.first == b.first && a.second == b.second && a.chainID == b.chainID && a.study == b.study
        }
    }

    /// What an order was indexed under, to find it again.
    private struct Member {
        let byDeadline: Entry
        let byPosted: Entry
        let subspecialty: String?
    }

    /// The book in chain id order.
    private(set) var byChainID: [StudyID] = []
    private var chainIDs: [UInt64] = []
    /// By (deadline, posted, chain id): the earliest-deadline policy's order (``ClaimingPolicy``).
    private(set) var byDeadline: [Entry] = []
    /// Orders needing no subspecialty, by (posted, chain id): the first-come order.
    private(set) var general: [Entry] = []
    /// Orders needing a subspecialty, one list per subspecialty, each by (posted, chain id).
    private(set) var bySubspecialty: [String: [Entry]] = [:]
    /// Orders with a speed premium, in chain id order.
    private(set) var premiums: [StudyID] = []
    private var premiumChainIDs: [UInt64] = []
    private var members: [StudyID: Member] = [:]

    init() {}

    /// The orders of `book` (in that order), indexed from the studies and records (for a view built by hand).
    init(book: [StudyID], studies: [LocalStudy], records: [StudyRecord]) {
        for s in book {
            let st = studies[s]
            insert(
                s, chainID: st.chainID ?? 0, deadline: st.deadline, posted: records[s.index].posted ?? 0,
                subspecialty: st.generated.study.subspecialty, premium: st.premium != nil, appendInOrder: true)
        }
    }

    var count: Int { byChainID.count }
    func contains(_ s: StudyID) -> Bool { members[s] != nil }

    /// Adds order `s` (not on the book). `posted` is its record's arrival time (the claiming policies' tie-break).
    mutating func insert(
        _ s: StudyID, chainID: UInt64, deadline: Int64, posted: Int64, subspecialty: String?, premium: Bool,
        appendInOrder: Bool = false
    ) {
        precondition(members[s] == nil, "study \(s.index) is already on the book")
        let d = Entry(first: deadline, second: posted, chainID: chainID, study: s, premium: premium)
        let p = Entry(first: posted, second: 0, chainID: chainID, study: s, premium: premium)
        members[s] = Member(byDeadline: d, byPosted: p, subspecialty: subspecialty)
        let at = appendInOrder ? chainIDs.count : Self.lowerBound(chainIDs, chainID)
        chainIDs.insert(chainID, at: at)
        byChainID.insert(s, at: at)
        if premium {
            let i = appendInOrder ? premiums.count : Self.lowerBound(premiumChainIDs, chainID)
            premiums.insert(s, at: i)
            premiumChainIDs.insert(chainID, at: i)
        }
        Self.insert(d, into: &byDeadline)
        if let sub = subspecialty {
            Self.insert(p, into: &bySubspecialty[sub, default: []])
        } else {
            Self.insert(p, into: &general)
        }
    }

    /// Removes order `s` (nothing if it is not on the book).
    mutating func remove(_ s: StudyID) {
        guard let m = members.removeValue(forKey: s) else { return }
        if let i = byChainID.firstIndex(of: s, near: Self.lowerBound(chainIDs, m.byPosted.chainID)) {
            byChainID.remove(at: i)
            chainIDs.remove(at: i)
        }
        if m.byPosted.premium, let i = premiums.firstIndex(of: s) {
            premiums.remove(at: i)
            premiumChainIDs.remove(at: i)
        }
        Self.remove(m.byDeadline, from: &byDeadline)
        if let sub = m.subspecialty {
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

extension Array where Element == StudyID {
    /// The index of `s` searching outwards from `near` (the book's chain ids are unique, so it is found at `near`
    /// unless a hand-built view repeated one).
    fileprivate func firstIndex(of s: StudyID, near: Int) -> Int? {
        if near < count, self[near] == s { return near }
        return firstIndex(of: s)
    }
}
