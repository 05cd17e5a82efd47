// The order book's indices (issue 16 item 1): a radiologist's look walks the book in its claiming policy's order
// and stops once its queue would be full; what it then claims must be exactly what a walk of the whole book
// claims, for every policy, with pending claims, held studies, speed premiums, escalating offers, subspecialties,
// credentialing, and (auctions) crowded bids.

import Contracts
import Ledger
import MarketModel
import Stochastic
import Testing

@testable import Market

@Suite("Order book")
struct OrderBookTests {
    /// A model test of the indices against sorting the live orders: random inserts and removals keep every index
    /// sorted by its key and holding exactly the orders on the book.
    @Test func indicesFollowInsertsAndRemovals() {
        var rng = SplitMix64(state: 11)
        var book = OrderBook()
        var live:
            [StudyID: (
                chainID: UInt64, deadline: Int64, posted: Int64, sub: String?, premium: Bool, offer: UInt64,
                escalating: Bool, modality: Modality
            )] = [:]
        var nextChainID: UInt64 = 1
        for step in 0..<3_000 {
            if live.isEmpty || Int.random(in: 0..<5, using: &rng) < 3 {
                let s = StudyID(step)
                let o = (
                    chainID: nextChainID, deadline: Int64.random(in: 0..<50, using: &rng),
                    posted: Int64.random(in: 0..<50, using: &rng),
                    sub: [nil, "neuro", "msk"][Int.random(in: 0..<3, using: &rng)],
                    premium: Int.random(in: 0..<8, using: &rng) == 0,
                    offer: UInt64.random(in: 0...100, using: &rng), escalating: Int.random(in: 0..<8, using: &rng) == 0,
                    modality: [Modality.xr, .ct, .mr][Int.random(in: 0..<3, using: &rng)]
                )
                nextChainID += UInt64.random(in: 1...3, using: &rng)
                book.insert(
                    BookOrder(
                        study: s, chainID: o.chainID, modality: o.modality, subspecialty: o.sub, deadline: o.deadline,
                        posted: o.posted, maxPrice: o.offer, escalation: o.escalating ? (1, 200, 0) : nil,
                        premium: o.premium ? (1, 0) : nil))
                live[s] = o
            } else {
                let s = live.keys.sorted()[Int.random(in: 0..<live.count, using: &rng)]
                book.remove(s)
                live[s] = nil
            }
            book.remove(StudyID(1_000_000))  // not on the book: nothing
            let ids = live.keys.sorted { live[$0]!.chainID < live[$1]!.chainID }
            #expect(book.byChainID == ids)
            func studies(_ entries: [OrderBook.Entry]) -> [StudyID] { entries.map { book.order($0).study } }
            #expect(studies(book.inChainOrder) == ids)
            #expect(studies(book.premiums) == ids.filter { live[$0]!.premium })
            #expect(studies(book.escalating) == ids.filter { live[$0]!.escalating })
            // The orders a price can claim: every escalating offer and every fixed offer at or above the threshold,
            // and the count agrees.
            let t = UInt64.random(in: 0...100, using: &rng)
            let feasible = Set(studies(book.priceFeasible { m, _ in m == .mr ? nil : t }))
            #expect(book.priceFeasibleCount { m, _ in m == .mr ? nil : t } == feasible.count)
            for s in ids {
                let o = live[s]!
                if o.escalating || (o.modality != .mr && o.offer >= t) { #expect(feasible.contains(s)) }
                if !o.escalating && (o.modality == .mr || o.offer + 1 < t) { #expect(!feasible.contains(s)) }
            }
            #expect(
                studies(book.byDeadline)
                    == live.keys.sorted {
                        let a = live[$0]!
                        let b = live[$1]!
                        return (a.deadline, a.posted, a.chainID) < (b.deadline, b.posted, b.chainID)
                    })
            func byPosted(_ sub: String?) -> [StudyID] {
                live.keys.filter { live[$0]!.sub == sub }.sorted {
                    (live[$0]!.posted, live[$0]!.chainID) < (live[$1]!.posted, live[$1]!.chainID)
                }
            }
            #expect(studies(book.general) == byPosted(nil))
            for sub in ["neuro", "msk"] { #expect(studies(book.bySubspecialty[sub] ?? []) == byPosted(sub)) }
        }
    }

    /// The merged walk visits several sorted lists in key order and stops when asked.
    @Test func mergedWalkVisitsInKeyOrder() {
        func e(_ p: Int64, _ id: UInt64) -> OrderBook.Entry {
            OrderBook.Entry(first: p, second: 0, chainID: id, slot: Int32(id), premium: false)
        }
        var seen: [UInt64] = []
        OrderBook.walkMerged([[e(1, 1), e(5, 4)], [e(2, 2), e(3, 3)], []]) { x in
            seen.append(x.chainID)
            return false
        }
        #expect(seen == [1, 2, 3, 4])
        seen = []
        OrderBook.walkMerged([[e(1, 1), e(5, 4)], [e(2, 2), e(3, 3)]]) { x in
            seen.append(x.chainID)
            return seen.count == 2
        }
        #expect(seen == [1, 2])
    }

    /// Every claiming policy, on random books: the look's indexed walk chooses exactly what a walk of the whole
    /// book chooses. (Seen failing with the premium orders left out of the deadline walk, and with the room
    /// counted over orders the policy puts last.)
    @Test(arguments: [false, true])
    func indexedLookChoosesWhatTheWholeBookWould(auction: Bool) {
        var rng = SplitMix64(state: auction ? 29 : 17)
        let strategies: [Claiming.Strategy] = [.earliestDeadline, .firstCome, .subspecialtyFirst, .bestPaid]
        var nonEmpty = 0
        // Choices that filled the room: the walk stopped early (more of the book was eligible than it took).
        var full = 0
        // Looks that saw demand, and that stopped summing at the cap.
        var demands = 0
        var capped = 0
        for trial in 0..<400 {
            var bench = ActorBench(
                auction
                    ? .sealedBidAuction(MarketDesignSpec.Auction())
                    : .postedPrice)
            // Most offers below the readers' prices in some trials (the look visits the few it can claim), most
            // within them in the others (it walks the policy's index).
            let lowOffers = trial % 3 == 0
            // The look's time; orders posted over the morning, in chain id order.
            let lookAt = 8 * hourTicks + Int64.random(in: 0..<(9 * hourTicks), using: &rng)
            var chainID: UInt64 = 1
            var placed: [StudyID] = []
            for _ in 0..<Int.random(in: 0..<40, using: &rng) {
                bench.now = Int64.random(in: 0..<(8 * hourTicks), using: &rng)
                let client = Int.random(in: 0..<2, using: &rng)
                let s = bench.addStudy(
                    client: client, phase: auction && Bool.random(using: &rng) ? .bidding : .open,
                    chainID: chainID, deadline: 8 * hourTicks + Int64.random(in: 0..<(20 * hourTicks), using: &rng),
                    source: client == 0 ? Int.random(in: 0..<2, using: &rng) : 0,
                    maxPrice: lowOffers
                        ? UInt64.random(in: 1...4_000, using: &rng) : UInt64.random(in: 2_000...60_000, using: &rng))
                chainID += UInt64.random(in: 1...4, using: &rng)
                if bench.studies[s].phase == .bidding {
                    bench.studies[s].biddingEnds = lookAt + Int64.random(in: 0..<hourTicks, using: &rng)
                    bench.studies[s].committedBids = Int.random(in: 0..<5, using: &rng)
                } else if Int.random(in: 0..<6, using: &rng) == 0 {
                    bench.studies[s].premium = (
                        UInt64.random(in: 100...5_000, using: &rng),
                        8 * hourTicks + Int64.random(in: 0..<(6 * hourTicks), using: &rng)
                    )
                } else if Int.random(in: 0..<6, using: &rng) == 0 {
                    bench.studies[s].escalation = (
                        UInt64.random(in: 100...2_000, using: &rng), 60_000, bench.now
                    )
                }
                placed.append(s)
            }
            let strategy = strategies[trial % strategies.count]
            let cohortIndex = Int.random(in: 0..<2, using: &rng)
            var cohort = bench.model.cohorts[cohortIndex]
            cohort.claiming = Claiming(
                strategy: strategy, maxQueue: Int.random(in: 1...4, using: &rng),
                crowdedBids: Int.random(in: 1...3, using: &rng))
            var r = Radiologist(
                id: RadiologistID(0), cohortIndex: cohortIndex, cohort: cohort, number: 0,
                address: ActorBench.address("rad-0"), sealingKey: ActorBench.sealing("rad-0"),
                readingTime: try! ReadingTimeModel(readingTime: cohort.readingTime), streams: bench.streams)
            bench.now = 0
            _ = r.handle(.enter, in: bench.view)
            if !cohort.credentialedAtStart {
                _ = r.handle(.timer(.credential(step: 0)), in: bench.view)
                if Bool.random(using: &rng) { _ = r.handle(.timer(.credential(step: 1)), in: bench.view) }
            }
            _ = r.handle(.registered(ok: true, balance: 100), in: bench.view)
            bench.now = 8 * hourTicks
            _ = r.handle(.timer(.shiftStart), in: bench.view)
            bench.now = lookAt
            // Some of the book is already claimed by it (in flight), some held.
            for s in placed where Int.random(in: 0..<8, using: &rng) == 0 { r.pending.append(s) }
            if let s = placed.first, !r.pending.contains(s), Bool.random(using: &rng) { bench.assign(s, to: &r) }
            let room = cohort.claiming.maxQueue - r.held.count - r.pending.count
            let whole = r.choice(bench.view, wholeBook: true)
            let indexed = r.choice(bench.view, wholeBook: false)
            #expect(indexed == whole, "trial \(trial), \(strategy)")
            // The demand signal: the same sum, or both at the price cap (the indexed sum stops there).
            var look = Radiologist.Look(r, bench.view)
            let demand = r.demandSignal(bench.view, &look)
            let reference = r.demandSignal(bench.view, &look, wholeBook: true)
            #expect(
                demand == reference
                    || (r.pricing.isAtQueueCap(queueLength: Int(demand.rounded())) && demand <= reference),
                "trial \(trial): demand \(demand), reference \(reference)")
            if demand > 0 { demands += 1 }
            if demand != reference { capped += 1 }
            if !whole.isEmpty { nonEmpty += 1 }
            if room > 0 && whole.count == room { full += 1 }
        }
        // The random books are not all trivially empty choices.
        #expect(nonEmpty >= 60, "\(nonEmpty)")
        #expect(full >= 50, "\(full)")
        #expect(demands >= 150, "\(demands)")
        #expect(capped >= 10, "\(capped)")
    }
}
