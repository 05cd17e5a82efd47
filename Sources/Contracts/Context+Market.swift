import Ledger

extension Context {
    var auction: AuctionParameters? {
        if case .sealedBidAuction(let p) = genesis.market { return p }
        return nil
    }

    /// Posts an order; with `escalation` (posted price only) the offer's ceiling rises while the order waits and
    /// the cap is escrowed instead of `maxPrice` (``offerCeiling(_:)``).
    ///
    /// With `premium` (posted price only) the premium is escrowed beside `maxPrice` and paid on top of the price
    /// when the report commits within `withinTicks` of posting, and never later than the deadline
    /// (``settlePremium(_:)``).
    mutating func postStudy(
        _ order: StudyOrder, client: Address, escalation: (perHour: UInt64, cap: UInt64)? = nil,
        premium: (amount: UInt64, withinTicks: Int64)? = nil
    ) throws(ContractError) {
        guard order.maxPrice > 0 else { throw ContractError(.invalidArgument, "zero maximum price") }
        if let p = premium {
            guard case .postedPrice = genesis.market else {
                throw ContractError(.wrongMarketDesign, "a speed premium is for the posted-price design")
            }
            guard p.amount > 0 else { throw ContractError(.invalidArgument, "zero speed premium") }
            guard p.withinTicks > 0 else {
                throw ContractError(.invalidArgument, "promised turnaround \(p.withinTicks) ticks not above 0")
            }
            guard !order.maxPrice.addingReportingOverflow(p.amount).overflow else {
                throw ContractError(.invalidArgument, "maximum price plus premium overflows")
            }
        }
        if let e = escalation {
            guard case .postedPrice = genesis.market else {
                throw ContractError(.wrongMarketDesign, "an escalating offer is for the posted-price design")
            }
            guard e.perHour > 0 else { throw ContractError(.invalidArgument, "zero escalation per hour") }
            guard e.cap > order.maxPrice else {
                throw ContractError(.invalidArgument, "cap \(e.cap) not above the opening offer \(order.maxPrice)")
            }
        }
        let escrow = (escalation?.cap ?? order.maxPrice) + (premium?.amount ?? 0)
        guard order.deadlineTicks > now else { throw ContractError(.deadlinePassed, "deadline not after block time") }
        var biddingEnds: Int64 = 0
        var revealEnds: Int64 = 0
        if let a = auction {
            biddingEnds = now.saturatingAdd(a.biddingWindowTicks)
            revealEnds = biddingEnds.saturatingAdd(a.revealWindowTicks)
            guard order.deadlineTicks > revealEnds else {
                throw ContractError(.invalidArgument, "deadline before the auction's reveal window ends")
            }
        }
        try debit(client, escrow)
        let id = u64(StateKeys.nextStudy)
        setU64(StateKeys.nextStudy, id + 1)
        let s = Study(
            id: id, client: client, order: order, postedAtTicks: now, state: auction == nil ? .open : .bidding,
            escrow: escrow, biddingEndsAtTicks: biddingEnds, revealEndsAtTicks: revealEnds, bidCount: 0,
            assignee: nil, assignedAtTicks: 0, price: 0, radiologistPay: 0, accessGrant: nil, report: nil,
            reportedAtTicks: 0, turnaroundTicks: 0, holdback: 0, sampling: .notSampled, reviewer: nil,
            reviewScore: nil, feedbackScore: nil, followUpCompletedAtTicks: nil)
        saveStudy(s)
        if let e = escalation { store.set(StateKeys.escalation(id), e.perHour.bigEndianBytes + e.cap.bigEndianBytes) }
        if let p = premium {
            let promisedBy = min(now.saturatingAdd(p.withinTicks), order.deadlineTicks)
            store.set(StateKeys.premium(id), p.amount.bigEndianBytes + UInt64(bitPattern: promisedBy).bigEndianBytes)
        }
        store.set(StateKeys.deadline(order.deadlineTicks, id), [])
        emit(
            .studyPosted(
                study: id, client: client, modality: order.modality, urgency: order.urgency,
                jurisdiction: order.jurisdiction, maxPrice: order.maxPrice, deadlineTicks: order.deadlineTicks))
    }

    /// Cancellation: only the client, only before assignment (open, or bidding including the reveal window);
    /// the whole escrow is refunded and any sealed bids are discarded.
    mutating func cancelStudy(_ id: UInt64, sender: Address) throws(ContractError) {
        var s = try study(id)
        guard s.client == sender else { throw ContractError(.unauthorized, "only the client may cancel") }
        guard s.state == .open || s.state == .bidding else {
            throw ContractError(.wrongStudyState, "cannot cancel a \(s.state) study")
        }
        store.remove(StateKeys.escalation(id))
        store.remove(StateKeys.premium(id))
        credit(s.client, s.escrow)
        let refund = s.escrow
        s.escrow = 0
        s.state = .cancelled
        saveStudy(s)
        store.remove(StateKeys.deadline(s.order.deadlineTicks, id))
        for (k, _) in store.scan(prefix: StateKeys.bids(id)) { store.remove(k) }
        emit(.studyCancelled(study: id, refund: refund))
    }

    mutating func assignStudy(_ id: UInt64, radiologist: Address, pay: UInt64, sender: Address) throws(ContractError) {
        guard case .intermediary(let op, let margin) = genesis.market else {
            throw ContractError(.wrongMarketDesign, "assignment is for the intermediary design")
        }
        guard sender == op else { throw ContractError(.unauthorized, "only the operator assigns") }
        var s = try study(id)
        guard s.state == .open else { throw ContractError(.wrongStudyState, "study is \(s.state)") }
        guard now < s.order.deadlineTicks else { throw ContractError(.deadlinePassed, "deadline passed") }
        try checkEligible(radiologist, for: s)
        let maxPay = s.order.maxPrice - s.order.maxPrice * margin / 10_000
        guard pay > 0 && pay <= maxPay else {
            throw ContractError(.invalidArgument, "pay \(pay) outside 1...\(maxPay) (operator margin \(margin) bp)")
        }
        s.price = s.order.maxPrice
        s.radiologistPay = pay
        assign(&s, to: radiologist)
    }

    mutating func claimStudy(_ id: UInt64, sender: Address) throws(ContractError) {
        guard case .postedPrice = genesis.market else {
            throw ContractError(.wrongMarketDesign, "claims are for the posted-price design")
        }
        var s = try study(id)
        guard s.state == .open else { throw ContractError(.wrongStudyState, "study is \(s.state)") }
        guard now < s.order.deadlineTicks else { throw ContractError(.deadlinePassed, "deadline passed") }
        try checkEligible(sender, for: s)
        guard let listed = profile(sender)?.price(for: s.order.modality, s.order.urgency) else {
            throw ContractError(.notEligible, "no listed price for this modality and urgency")
        }
        let ceiling = offerCeiling(s)
        guard listed <= ceiling else {
            throw ContractError(.priceTooHigh, "listed \(listed) above the offer \(ceiling)")
        }
        // A fixed offer pays the claimer's listed price; an escalating one its current bid (the client bid up).
        let price = escalatingOffer(id) == nil ? listed : ceiling
        store.remove(StateKeys.escalation(id))
        // A speed premium stays escrowed until the report (``settlePremium(_:)``).
        let kept = speedPremium(id)?.amount ?? 0
        credit(s.client, s.escrow - price - kept)
        s.escrow = price + kept
        s.price = price
        s.radiologistPay = price
        assign(&s, to: sender)
    }

    /// Study `id`'s speed premium until its report: the amount and the block time by which the report must commit
    /// (nil: none, or settled).
    func speedPremium(_ id: UInt64) -> (amount: UInt64, promisedBy: Int64)? {
        guard let e = store.get(StateKeys.premium(id)), e.count == 16 else { return nil }
        return (Array(e[0..<8]).readBigEndianUInt64(), Int64(bitPattern: Array(e[8..<16]).readBigEndianUInt64()))
    }

    /// At the report: a speed premium is added to the price and the radiologist's pay when the report's block time
    /// is at most its promise, and refunded to the client otherwise.
    mutating func settlePremium(_ s: inout Study) {
        guard let p = speedPremium(s.id) else { return }
        store.remove(StateKeys.premium(s.id))
        if now <= p.promisedBy {
            s.price += p.amount
            s.radiologistPay += p.amount
            emit(.premiumEarned(study: s.id, amount: p.amount))
        } else {
            credit(s.client, p.amount)
            s.escrow -= p.amount
            emit(.premiumRefunded(study: s.id, amount: p.amount))
        }
    }

    /// Study `id`'s escalating offer while it is open: its per-hour step and cap (nil: a fixed offer, or claimed).
    func escalatingOffer(_ id: UInt64) -> (perHour: UInt64, cap: UInt64)? {
        guard let e = store.get(StateKeys.escalation(id)), e.count == 16 else { return nil }
        return (Array(e[0..<8]).readBigEndianUInt64(), Array(e[8..<16]).readBigEndianUInt64())
    }

    /// The most a claim may list for the study now: its order's `maxPrice`, or for an escalating offer
    /// `min(cap, maxPrice + perHour × (block time − posting time) / 1 h)`, rounded down, in 128-bit arithmetic
    /// (never traps).
    func offerCeiling(_ s: Study) -> UInt64 {
        guard let e = escalatingOffer(s.id) else { return s.order.maxPrice }
        let ticksPerHour: UInt64 = 3_600_000_000  // ticks are microseconds
        let waited = UInt64(max(0, now.saturatingSubtract(s.postedAtTicks)))
        let product = e.perHour.multipliedFullWidth(by: waited)
        guard product.high < ticksPerHour else { return e.cap }
        let step = ticksPerHour.dividingFullWidth(product).quotient
        let (sum, overflow) = s.order.maxPrice.addingReportingOverflow(step)
        return overflow ? e.cap : min(e.cap, sum)
    }

    mutating func assign(_ s: inout Study, to rad: Address) {
        s.state = .assigned
        s.assignee = rad
        s.assignedAtTicks = now
        saveStudy(s)
        updateMetrics(rad) { $0.active += 1 }
        emit(.studyAssigned(study: s.id, radiologist: rad, price: s.price, pay: s.radiologistPay))
    }

    // MARK: Auction

    mutating func commitBid(_ id: UInt64, commitment: Hash, sender: Address) throws(ContractError) {
        guard auction != nil else { throw ContractError(.wrongMarketDesign, "bids are for the auction design") }
        var s = try study(id)
        guard s.state == .bidding else { throw ContractError(.wrongStudyState, "study is \(s.state)") }
        guard now < s.biddingEndsAtTicks else { throw ContractError(.windowClosed, "bidding window closed") }
        try checkEligible(sender, for: s)
        let key = StateKeys.bid(id, sender)
        guard store.get(key) == nil else { throw ContractError(.alreadyExists, "already bid") }
        save(key, BidRecord(commitment: commitment, revealed: false, price: 0, turnaroundTicks: 0))
        s.bidCount += 1
        saveStudy(s)
        emit(.bidCommitted(study: id, bidder: sender))
    }

    mutating func revealBid(
        _ id: UInt64, price: UInt64, turnaround: Int64, salt: Hash, sender: Address
    ) throws(ContractError) {
        guard auction != nil else { throw ContractError(.wrongMarketDesign, "bids are for the auction design") }
        let s = try study(id)
        guard s.state == .bidding else { throw ContractError(.wrongStudyState, "study is \(s.state)") }
        guard now >= s.biddingEndsAtTicks && now < s.revealEndsAtTicks else {
            throw ContractError(.windowClosed, "outside the reveal window")
        }
        let key = StateKeys.bid(id, sender)
        guard var bid: BidRecord = load(key) else { throw ContractError(.notFound, "no committed bid") }
        guard !bid.revealed else { throw ContractError(.alreadyExists, "already revealed") }
        let expected = Message.bidCommitment(
            studyID: id, bidder: sender, price: price, turnaroundTicks: turnaround, salt: salt)
        guard expected == bid.commitment else { throw ContractError(.bidMismatch, "reveal does not match commitment") }
        guard price > 0 && price <= s.order.maxPrice else {
            throw ContractError(.priceTooHigh, "bid \(price) outside 1...\(s.order.maxPrice)")
        }
        guard turnaround > 0 && turnaround <= s.order.deadlineTicks.saturatingSubtract(s.revealEndsAtTicks) else {
            throw ContractError(.invalidArgument, "promised turnaround beyond the deadline")
        }
        bid.revealed = true
        bid.price = price
        bid.turnaroundTicks = turnaround
        save(key, bid)
        emit(.bidRevealed(study: id, bidder: sender, price: price))
    }

    /// Scores revealed bids of still-eligible bidders and assigns the best (ties: lower price, then lower address).
    /// No valid bid: the escrow is refunded and the study expires. Anyone may call this after the reveal window.
    mutating func finaliseAuction(_ id: UInt64) throws(ContractError) {
        guard let a = auction else { throw ContractError(.wrongMarketDesign, "not an auction chain") }
        var s = try study(id)
        guard s.state == .bidding else { throw ContractError(.wrongStudyState, "study is \(s.state)") }
        guard now >= s.revealEndsAtTicks else { throw ContractError(.windowClosed, "reveal window still open") }
        guard now < s.order.deadlineTicks else { throw ContractError(.deadlinePassed, "deadline passed") }
        struct Scored {
            var bidder: Address
            var price: UInt64
            var rest: UInt64  // quality and turnaround part of the score
            var score: UInt64
        }
        let maxPrice = s.order.maxPrice
        // Positive: the deadline is after the reveal window (`postStudy`); saturating, as both are block times.
        let span = UInt64(s.order.deadlineTicks.saturatingSubtract(s.revealEndsAtTicks))
        var scored: [Scored] = []
        for (key, value) in store.scan(prefix: StateKeys.bids(id)) {
            store.remove(key)
            guard let bid = try? BidRecord.decode(canonical: value), bid.revealed else { continue }
            let bidder = Address(bytes: Array(key.suffix(20)))
            guard (try? checkEligible(bidder, for: s)) != nil else { continue }
            let q = 10_000 - metrics(bidder).discrepancyRateBasisPoints
            let t = Self.basisPoints(span - UInt64(bid.turnaroundTicks), of: span)
            let rest = a.weights.quality * q + a.weights.turnaround * t
            let p = Self.basisPoints(maxPrice - bid.price, of: maxPrice)
            scored.append(Scored(bidder: bidder, price: bid.price, rest: rest, score: a.weights.price * p + rest))
        }
        scored.sort {
            ($0.score, $1.price, $1.bidder) > ($1.score, $0.price, $0.bidder)
        }
        guard let winner = scored.first else {
            credit(s.client, s.escrow)
            s.escrow = 0
            s.state = .expired
            saveStudy(s)
            store.remove(StateKeys.deadline(s.order.deadlineTicks, id))
            emit(.auctionUnsold(study: id))
            return
        }
        var price = winner.price
        if a.pricing == .secondPrice {
            if scored.count == 1 || a.weights.price == 0 {
                price = scored.count == 1 ? maxPrice : winner.price
            } else {
                // Price at which the winner's score falls to the runner-up's: wP·ps(p) + rest = S2.
                let s2 = scored[1].score
                let needed = s2 > winner.rest ? (s2 - winner.rest + a.weights.price - 1) / a.weights.price : 0
                let candidate = needed >= 10_000 ? 0 : maxPrice - needed * maxPrice / 10_000
                price = min(max(candidate, winner.price), maxPrice)
            }
        }
        credit(s.client, s.escrow - price)
        s.escrow = price
        s.price = price
        s.radiologistPay = price
        emit(.auctionAwarded(study: id, winner: winner.bidder, price: price, bids: scored.count))
        assign(&s, to: winner.bidder)
    }

    // MARK: Access

    /// The client re-seals the access link to the assignee's registered X25519 key; any other recipient is refused.
    mutating func grantAccess(
        _ id: UInt64, recipient: SealingPublicKey, box: SealedBox, sender: Address
    ) throws(ContractError) {
        var s = try study(id)
        guard s.client == sender else { throw ContractError(.unauthorized, "only the client grants access") }
        guard s.state == .assigned, let assignee = s.assignee else {
            throw ContractError(.wrongStudyState, "study is \(s.state)")
        }
        guard profile(assignee)?.sealingKey == recipient else {
            throw ContractError(.notAssignee, "grant not sealed to the assignee's key")
        }
        guard s.accessGrant == nil else { throw ContractError(.alreadyExists, "access already granted") }
        s.accessGrant = box
        saveStudy(s)
        emit(.accessGranted(study: id, radiologist: assignee))
    }

    /// `part × 10,000 / whole` for `part <= whole`, in 128-bit arithmetic (no trap for a deadline or a price near
    /// the top of UInt64; equal to the 64-bit formula whenever that one does not overflow).
    static func basisPoints(_ part: UInt64, of whole: UInt64) -> UInt64 {
        precondition(part <= whole && whole > 0, "a share of a positive whole")
        return whole.dividingFullWidth(part.multipliedFullWidth(by: 10_000)).quotient
    }
}
