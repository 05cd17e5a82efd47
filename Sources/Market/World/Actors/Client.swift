// A client (hospital system, imaging centre, emergency department) as a state machine: its studies arrive from
// its own streams; it posts each (under posted prices, at the cap its routing software sets), reposts what
// expires, finalises its auctions, grants access to whoever is assigned, and sends its referrers' feedback and
// its follow-ups. Every act is an action the world carries out, in the order returned.

import Contracts
import DiscreteEvent
import Ledger
import MarketModel

/// One client of the market.
struct Client: Identified {
    typealias ID = ClientID

    /// A time the client set (``Action/schedule(_:at:)``), back at that time.
    enum Timer: Equatable {
        /// The next study arrives.
        case arrival
        /// The study's reveal window closed: finalise its auction.
        case finalise(StudyID)
        /// The study's deadline passed.
        case deadline(StudyID)
        /// Send the referrers' score of the study's report; `confirmed`: it reports a discrepancy the clinical
        /// course confirmed, so it carries the read's adjudicated label (when labels are shared).
        case feedback(StudyID, score: Int, confirmed: Bool = false)
        /// Record the follow-up the study's report recommended, with its adjudicated label (when labels are
        /// shared).
        case followUp(StudyID)
        /// Post the study again after an unsold auction (same deadline).
        case repost(StudyID)
        /// The referrers reply to the consult on the study (on-chain id `chainID`): record it on chain.
        case consultReply(StudyID, chainID: UInt64, answered: Bool)
    }

    /// What happens to the client.
    enum Event: Equatable {
        /// The run starts: the first arrival's timer.
        case planArrivals
        case timer(Timer)
        /// Post (or repost) the study. `deadline` nil: a fresh turnaround from now (the first post, or a repost
        /// after a missed deadline); otherwise the order keeps that deadline (a new auction after an unsold one).
        /// `candidates`: under posted prices, the eligible radiologists as the committed chain shows them.
        case post(StudyID, deadline: Int64?, candidates: [RoutingCandidate])
        /// The study's auction closed without a valid bid.
        case unsold(StudyID)
        /// The study was assigned to `radiologist`, whose sealing key is `key`: grant it access.
        case grant(StudyID, to: RadiologistID, key: SealingPublicKey)
    }

    /// What the world does for the client, in order.
    enum Action: Equatable {
        case schedule(Timer, at: Int64)
        /// A study arrived: record it and have the client post it (``Event/post(_:deadline:candidates:)``).
        case open(GeneratedStudy)
        /// The study's order as now posted: a new deadline and price cap, no assignee, bids or read yet.
        case posting(StudyID, deadline: Int64, maxPrice: UInt64)
        /// Count a repost of the study and have the client post it again, with `deadline` (nil: a fresh one).
        case repost(StudyID, deadline: Int64?)
        /// The study's deadline passed: off the book, and off its reader's queue.
        case withdraw(StudyID)
        /// The study waits to go to auction again.
        case awaitRebid(StudyID)
        /// The client gives up on the study.
        case expire(StudyID)
        /// Sign and send a transaction as this client.
        case submit(Message, TxKind)
        /// A consult with the client's referrers is no longer pending (their load falls).
        case consultClosed(StudyID)
    }

    /// How often a study is reposted after a missed deadline before the client gives up.
    static let maxReposts = 2

    let id: ClientID
    let name: String
    let group: ClientGroup
    let address: Address
    let sealingKey: SealingPublicKey
    var cursor: StudyCursor
    let routing = RoutingPolicy()

    /// The client's step on `event`, seeing `market`.
    mutating func handle(_ event: Event, in market: MarketView) -> [Action] {
        let now = market.now
        let horizon = market.terms.horizonTicks
        switch event {
        case .planArrivals:
            guard cursor.peekArrivalTicks < horizon else { return [] }
            return [.schedule(.arrival, at: cursor.peekArrivalTicks)]
        case .timer(.arrival):
            let g = cursor.next()
            var out: [Action] = []
            if cursor.peekArrivalTicks < horizon { out.append(.schedule(.arrival, at: cursor.peekArrivalTicks)) }
            out.append(.open(g))
            return out
        case .post(let s, let deadline, let candidates):
            return post(s, deadline: deadline, candidates: candidates, market)
        case .timer(.deadline(let s)):
            let phase = market.studies[s].phase
            guard phase == .open || phase == .bidding || phase == .assigned else { return [] }
            return [.withdraw(s), repostOrGiveUp(s, market)]
        case .timer(.repost(let s)):
            return [.repost(s, deadline: market.studies[s].deadline)]
        case .unsold(let s):
            return rebidOrGiveUp(s, market)
        case .timer(.finalise(let s)):
            guard let id = market.studies[s].chainID, market.studies[s].phase == .bidding else { return [] }
            return [.submit(.finaliseAuction(studyID: id), .finalise(s))]
        case .timer(.feedback(let s, let score, let confirmed)):
            guard let id = market.studies[s].chainID, now < horizon else { return [] }
            let labels = confirmed ? market.sharedLabels(of: s) : []
            return [.submit(.submitFeedback(studyID: id, score: UInt8(score), labels: labels), .feedback(s))]
        case .timer(.consultReply(let s, let id, let answered)):
            return [
                .consultClosed(s), .submit(.answerConsult(studyID: id, answered: answered), .consultReply(s)),
            ]
        case .timer(.followUp(let s)):
            guard let id = market.studies[s].chainID else { return [] }
            return [.submit(.completeFollowUp(studyID: id, labels: market.sharedLabels(of: s)), .followUp(s))]
        case .grant(let s, let r, let recipient):
            guard let id = market.studies[s].chainID else { return [] }
            // With data sharing the grant carries the clinical summary's link too, sealed for the assignee alone.
            var links = Self.accessLink(market.studies[s])
            if market.terms.dataSharing != nil { links += Array("\n".utf8) + Self.summaryLink(market.studies[s]) }
            let box = Sealing.seal(
                links, to: recipient,
                ephemeral: SealingKey.derive(label: "grant-\(id)-\(r.index)", seed: market.terms.seed),
                info: Message.accessInfo(studyID: id, recipient: recipient))
            return [.submit(.grantAccess(studyID: id, recipient: recipient, sealedLink: box), .grant(s))]
        }
    }

    /// The order for the study: the client's price cap (the intermediary's list price, or under posted prices
    /// what its routing sets), the deadline, and the access link sealed to its own key.
    private func post(
        _ s: StudyID, deadline: Int64?, candidates: [RoutingCandidate], _ market: MarketView
    ) -> [Action] {
        let study = market.studies[s].generated
        let terms = market.terms
        var fields = study.order(for: group)
        if case .intermediary(let i) = terms.mechanism {
            let surcharge: UInt64 = study.study.urgency == .stat ? group.statSurcharge : 0
            fields.maxPrice = i.clientPrices[study.study.modality] + surcharge
        }
        fields.deadlineTicks = deadline ?? market.now + group.turnaroundTicks[study.study.urgency]
        // STAT studies and reposts offer the full willingness to pay: an emergency (or a study that already missed
        // its deadline) cannot wait for the preferred readers to come on shift **[assumption]** (§6 "Stroke CT":
        // interpretation within 45 minutes).
        if case .postedPrice = terms.mechanism, study.study.urgency != .stat, market.records[s].reposts == 0 {
            fields.maxPrice = routedMaximum(
                study.study, candidates: candidates, willingness: fields.maxPrice,
                required: group.turnaroundTicks[study.study.urgency])
        }
        // The link is sealed to the client's own key (the escrowed copy); the ephemeral key is unique per post.
        let record = market.records[s]
        let box = Sealing.seal(
            Self.accessLink(market.studies[s]), to: sealingKey,
            ephemeral: SealingKey.derive(label: "post-\(record.key)-\(record.reposts)", seed: terms.seed),
            info: Message.accessInfo(studyID: 0, recipient: sealingKey))
        fields.clientSealedLink = box
        // Data sharing: the clinical summary's link, sealed to the client's own key like the access link.
        if terms.dataSharing != nil {
            fields.clinicalSummaryLink = Sealing.seal(
                Self.summaryLink(market.studies[s]), to: sealingKey,
                ephemeral: SealingKey.derive(label: "summary-\(record.key)-\(record.reposts)", seed: terms.seed),
                info: Message.accessInfo(studyID: 0, recipient: sealingKey))
        }
        let order = fields
        // A routed order of a client type that escalates bids more while it waits, up to its cap (issue 18 item 2).
        // STAT studies and reposts already offer the full willingness to pay, so they post a fixed offer.
        var message = Message.postStudy(order)
        if case .postedPrice = terms.mechanism, study.study.urgency != .stat, market.records[s].reposts == 0,
            let e = terms.escalation[group.type],
            let t = e.terms(offer: order.maxPrice, willingness: group.willingnessToPay[study.study.modality])
        {
            message = .postEscalatingStudy(order, perHour: t.perHour, cap: t.cap)
        } else if case .postedPrice = terms.mechanism, study.study.urgency != .stat, market.records[s].reposts == 0,
            let p = terms.speedPremium[group.type],
            let t = p.terms(offer: order.maxPrice, turnaroundTicks: group.turnaroundTicks[study.study.urgency])
        {
            // A routed order of a client type that pays for a shorter promised turnaround (issue 18 item 2).
            message = .postPremiumStudy(order, premium: t.amount, withinTicks: t.withinTicks)
        }
        return [
            .posting(s, deadline: fields.deadlineTicks, maxPrice: order.maxPrice),
            .submit(message, .post(s)),
        ]
    }

    /// The client's routing software (posted price): ranks the eligible radiologists by their public price,
    /// median turnaround, discrepancy rate, feedback and subspecialty, as the committed chain shows them, and caps
    /// the offer at the dearest of the best three, so those three (and anyone cheaper) can claim. Not for STAT
    /// studies or reposts, which offer the full willingness to pay.
    func routedMaximum(
        _ study: Study, candidates: [RoutingCandidate], willingness: UInt64, required: Int64
    ) -> UInt64 {
        let ranked = routing.rank(
            candidates, maxPrice: willingness, requiredTurnaroundTicks: required, subspecialty: study.subspecialty)
        guard !ranked.isEmpty else { return willingness }
        return min(willingness, ranked.prefix(3).map(\.price).max()!)
    }

    /// After a missed deadline: post again with a fresh one, unless it was reposted enough or the run is over.
    private func repostOrGiveUp(_ s: StudyID, _ market: MarketView) -> Action {
        if market.studies[s].deadlineReposts < Self.maxReposts && market.now < market.terms.horizonTicks {
            return .repost(s, deadline: nil)
        }
        return .expire(s)
    }

    /// An auction closed without a valid bid: the client tries again after a back-off while the original deadline
    /// leaves room for another auction; after that, as under posted prices when a deadline passes, it posts the
    /// study again with a fresh deadline (at most ``maxReposts`` times), then gives up. (Giving up at the first
    /// deadline left 4.5% of STAT studies never reported in the auction against 0.3-0.7% under posted prices,
    /// whose orders wait on the book and are reposted.)
    private func rebidOrGiveUp(_ s: StudyID, _ market: MarketView) -> [Action] {
        guard let a = market.terms.auction else { return [repostOrGiveUp(s, market)] }
        let now = market.now
        let windows = a.biddingWindowTicks + a.revealWindowTicks
        let remaining = market.studies[s].deadline - now
        let backoff = min(2 * SimTime.ticksPerHour, max(0, (remaining - windows) / 4))
        if remaining - backoff > windows + 5 * 60 * SimTime.ticksPerSecond && now + backoff < market.terms.horizonTicks
        {
            return [.awaitRebid(s), .schedule(.repost(s), at: now + backoff)]
        }
        return [repostOrGiveUp(s, market)]
    }

    /// The study's (synthetic) clinical-summary link in the client's record system (data sharing): what the sealed
    /// boxes carry, never on chain in the clear.
    static func summaryLink(_ study: LocalStudy) -> [UInt8] {
        Array(
            "https://ehr.example/summary/\(study.generated.record.salt.dropFirst(8).prefix(8).map(String.init).joined())"
                .utf8)
    }

    /// The study's (synthetic) image-archive link: what the sealed boxes carry, never on chain in the clear.
    static func accessLink(_ study: LocalStudy) -> [UInt8] {
        Array("https://pacs.example/\(study.generated.record.salt.prefix(8).map(String.init).joined())".utf8)
    }
}
