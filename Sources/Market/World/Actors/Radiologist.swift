// A radiologist as a state machine: `handle(event, in: market) -> [Action]`. It keeps its own state (credentials
// as the chain shows them, its profile, shift, queue, the read under way, its day's tallies, burnout) and its own
// random streams (each read's uniforms are its study's: `ReadDraws`); everything it does to the world (sign a
// transaction, set a timer, have the authority attest a credential, record a read) is an action the world carries
// out, in the order returned.

import Contracts
import DiscreteEvent
import Foundation
import Ledger
import MarketModel
import Stochastic

/// One radiologist of the market.
struct Radiologist: Identified {
    typealias ID = RadiologistID

    /// A time the radiologist set (``Action/schedule(_:at:)``), back at that time.
    enum Timer: Equatable {
        /// The credentialing authority's step: 0 licences and subspecialties, 1 client credentials.
        case credential(step: Int)
        /// A replacement joins the market (``Radiologist/isReplacement``): credentialing starts now.
        case join
        case shiftStart
        case shiftEnd
        case readDone
        /// A look at the open studies (claims or bids).
        case consider
        /// The bidding window of the study's auction closed: reveal the sealed bid.
        case reveal(StudyID)
    }

    /// What happens to the radiologist.
    enum Event: Equatable {
        /// The run starts: credentials (now, or timers for the authority's steps) and registration.
        case enter
        /// The run starts: the first shift's timer.
        case planShifts
        case timer(Timer)
        /// A study it may read is now open on chain: it looks after a reaction delay.
        case announced(StudyID)
        /// Its registration committed (`ok`), with its balance then.
        case registered(ok: Bool, balance: UInt64)
        /// Its claim, bid, or the intermediary's assignment to it, is no longer in flight.
        case dropped(StudyID)
        /// The intermediary sent an assignment of the study to it.
        case dispatched(StudyID)
        /// The study is assigned to it on chain.
        case assigned(StudyID)
        /// Access to a study it holds was granted: it starts reading if idle.
        case granted
        /// A study it held is off its queue (reported, or its deadline passed): it looks for more work.
        case released(StudyID)
        /// Something it bid on or asked for went elsewhere: it looks for more work.
        case reconsider
        /// One of its reports committed.
        case reportCommitted
        /// One of its reports was peer-reviewed (`byReview`) or scored by the referrers; `flagged` when the review
        /// found a discrepancy or the score fell below the value-based release threshold.
        case checked(byReview: Bool, flagged: Bool)
        /// The day ends: its balance on chain and the fees it paid that day.
        case dayEnd(balance: UInt64, fees: UInt64, day: Int)
    }

    /// What the world does for the radiologist, in order.
    enum Action: Equatable {
        /// Sign and send a transaction as this radiologist.
        case submit(Message, TxKind)
        /// The credentialing authority signs and sends an attestation for this radiologist.
        case attest(Message)
        case schedule(Timer, at: Int64)
        /// Intermediary design: the intermediary should dispatch soon.
        case requestDispatch
        /// Keep a sealed bid of this radiologist's on the study, for the reveal.
        case bid(StudyID, price: UInt64, turnaround: Int64)
        /// A read started now.
        case readStarted(StudyID)
        /// A read ended now.
        case readFinished(StudyID, FinishedRead)
        /// The read just started is hard or ambiguous: ask the client's referrer for a consult now; the referrer
        /// replies as `reply` says (the world sends the request and has the client record the reply).
        case consult(StudyID, ConsultReply)
        case day(RadiologistDayRecord)
    }

    /// What one read came to, and the conditions it was made at.
    struct FinishedRead: Equatable {
        var outcome: ReadResult
        var hoursIntoShift: Double
        var shiftVolume: Int
        var pace: Double
        /// The error model's probability of this read being wrong, before the AI.
        var errorProbability: Double
        /// The report recommends a follow-up.
        var followUp: Bool
        /// The report is structured (nil: the market's `quality` section is off).
        var structured: Bool? = nil
        /// The follow-up recommendation meets the guideline (nil: no guideline).
        var followUpAppropriate: Bool? = nil
    }

    let id: RadiologistID
    let cohortIndex: Int
    let cohort: RadiologistCohort
    /// Its number within the cohort, from 0 (its name is `<cohort>-<number + 1>`).
    let number: Int
    /// A replacement waits outside the market until a radiologist of its cohort leaves; it then joins and goes
    /// through licensing and client credentialing (``MarketParameters/credentialing``) before it can read.
    let isReplacement: Bool
    var joined: Bool
    let address: Address
    let sealingKey: SealingPublicKey
    let speedFactor: Double
    /// The replication's keyed draws: each read's uniforms come from its study (``ReadDraws``), not from the
    /// radiologist, so a study read under two designs shares them.
    let keyedDraws: KeyedDraws
    let behaviourStream: RandomStream
    let errorModel: ErrorModel
    let readingTime: ReadingTimeModel
    let pricing: PricingStrategy
    let claiming: ClaimingPolicy
    let burnout: BurnoutModel
    /// Its sustainable annual workload, wRVU (``BurnoutModel/drawSustainableWorkload(stream:)``).
    let sustainableWRVU: Double
    /// Weekdays (0 = Monday) of the shifts.
    let shiftDays: [Int]
    var registered = false
    var registrationSent = false
    var published: RadiologistProfile?
    var publishedAt: Int64 = 0
    var licences: [String] = []
    var subspecialtiesAttested: [String] = []
    private(set) var credentialedClients: [ClientID] = []
    /// `credentialedClients` by ``ClientID/index`` (true: credentialed there), so eligibility is one look-up
    /// however many clients the market has (issue 16 item 1).
    private var credentialedAt: [Bool] = []
    var active: Bool
    var onShift = false
    var shiftStart: Int64 = 0
    var shiftEnd: Int64 = 0
    var readsThisShift = 0
    var shiftWRVU = 0.0
    var pace = 1.0
    var priceMultiplier = 1.0
    var stock = 0.0
    var hoursCut = false
    /// Open orders on the chain's book it could read at its price, at its last look, each weighted by its age
    /// (``demandWeight(posted:deadline:now:)``): queue-responsive pricing's demand signal. Counted only until it
    /// alone puts the prices at their cap (``PricingStrategy/isAtQueueCap(queueLength:)``), beyond which no price
    /// depends on it.
    var demandSeen = 0
    /// Reports it made, and how many of them it has seen peer-reviewed, scored by referrers, and flagged (a review
    /// scoring a discrepancy or feedback below the release threshold): what its beliefs about detection rest on.
    var reportsMade = 0
    var reviewsSeen = 0
    var feedbackSeen = 0
    var flagsSeen = 0
    /// Local studies assigned on chain and not yet reported (includes the one being read).
    var held: [StudyID] = []
    /// Claims or bids in flight (local study ids).
    var pending: [StudyID] = []
    var reading: StudyID?
    /// The chain id of the assignment being read (a study reposted meanwhile has a new one).
    var readingChainID: UInt64?
    var readingSince: Int64 = 0
    /// The uniforms of the read under way (its study's, for this read attempt).
    var readingDraws: ReadDraws?
    /// The read under way is a structured report (nil: the market's `quality` section is off).
    var readingStructured: Bool?
    /// The read under way's report-quality uniforms (nil: the `quality` section is off).
    var readingQuality: QualityDraws?
    /// The referrer's reply to the consult on the read under way (nil: no consult).
    var readingConsult: ConsultReply?
    var considerScheduled = false
    // Day accumulators.
    var dayShiftTicks: Int64 = 0
    var dayReadTicks: Int64 = 0
    var dayReads = 0
    var dayWRVU = 0.0
    var lastBalance: UInt64 = 0

    /// The `k`-th radiologist (from 0) of `cohort`, called `<cohort>-<k+1>`: draws its speed factor and its
    /// sustainable workload (hence its starting burnout stock) from its own streams.
    init(
        id: RadiologistID, cohortIndex: Int, cohort: RadiologistCohort, number k: Int, address: Address,
        sealingKey: SealingPublicKey, readingTime: ReadingTimeModel, streams: RandomStreams, replacement: Bool = false
    ) {
        let name = "\(cohort.name)-\(k + 1)"
        self.id = id
        self.cohortIndex = cohortIndex
        self.cohort = cohort
        number = k
        isReplacement = replacement
        joined = !replacement
        active = !replacement
        self.address = address
        self.sealingKey = sealingKey
        speedFactor = ReadingTimeModel.drawSpeedFactor(speedCV: cohort.speedCV, stream: streams.stream("speed.\(name)"))
        keyedDraws = streams.keyedDraws
        behaviourStream = streams.stream("burnout.\(name)")
        errorModel = ErrorModel(cohort: cohort)
        self.readingTime = readingTime
        pricing = PricingStrategy(
            parameters: cohort.pricing,
            personalFactor: PricingStrategy.drawPersonalFactor(
                spread: cohort.pricing.personalSpread, stream: streams.stream("price.\(name)")))
        claiming = ClaimingPolicy(parameters: cohort.claiming)
        burnout = BurnoutModel(parameters: cohort.burnout)
        shiftDays = Self.shiftDays(daysPerWeek: cohort.shift.daysPerWeek, offset: k)
        sustainableWRVU = burnout.drawSustainableWorkload(stream: behaviourStream)
        // Start at the steady state of its rostered workload, not at the threshold.
        stock = burnout.steadyStock(
            annualWRVU: BurnoutModel.rosteredAnnualWRVU(cohort.shift), sustainable: sustainableWRVU)
    }

    /// Shift weekdays (0 = Monday): `daysPerWeek` consecutive days; the k-th radiologist of a cohort starts where
    /// the previous one stopped, so a cohort's shifts spread evenly over the week.
    static func shiftDays(daysPerWeek: Int, offset: Int) -> [Int] {
        let n = max(0, min(7, daysPerWeek))
        return Array(Set((0..<n).map { (offset * n + $0) % 7 })).sorted()
    }

    /// The radiologist's step on `event`, seeing `market`.
    mutating func handle(_ event: Event, in market: MarketView) -> [Action] {
        var out: [Action] = []
        switch event {
        case .enter: if joined { enter(market, &out) }
        case .planShifts: if joined { scheduleNextShift(after: 0, market, &out) }
        case .timer(.join): join(market, &out)
        case .timer(.credential(let step)): credential(step: step, market, &out)
        case .timer(.shiftStart): startShift(market, &out)
        case .timer(.shiftEnd): endShift(market, &out)
        case .timer(.readDone): finishRead(market, &out)
        case .timer(.consider):
            considerScheduled = false
            consider(market, &out)
        case .timer(.reveal(let s)): reveal(s, market, &out)
        case .announced(let s): noticed(s, market, &out)
        case .registered(let ok, let balance):
            registered = ok
            if ok { lastBalance = balance }
        case .dropped(let s): pending.removeAll { $0 == s }
        case .dispatched(let s): pending.append(s)
        case .assigned(let s): held.append(s)
        case .granted: if reading == nil { startNextRead(market, excluding: nil, &out) }
        case .released(let s):
            held.removeAll { $0 == s }
            requestConsider(delay: SimTime.ticksPerSecond, market, &out)
        case .reconsider: requestConsider(delay: SimTime.ticksPerSecond, market, &out)
        case .reportCommitted: reportsMade += 1
        case .checked(let byReview, let flagged):
            if byReview { reviewsSeen += 1 } else { feedbackSeen += 1 }
            if flagged { flagsSeen += 1 }
        case .dayEnd(let balance, let fees, let day): endDay(balance: balance, fees: fees, day: day, market, &out)
        }
        return out
    }

    // MARK: Credentials and registration

    private mutating func enter(_ market: MarketView, _ out: inout [Action]) {
        let credentialing = market.terms.model.credentialing
        if cohort.credentialedAtStart {
            credential(step: 0, market, &out)
            credential(step: 1, market, &out)
        } else {
            // Licences, then hospital credentialing, take time (MarketParameters.credentialing).
            out.append(.schedule(.credential(step: 0), at: credentialing.licenceTicks))
            out.append(.schedule(.credential(step: 1), at: credentialing.licenceTicks + credentialing.clientTicks))
        }
        publish(market, &out)
    }

    /// A replacement joins: registers now, gets its licences after `licenceTicks` and its client credentials
    /// `clientTicks` later (the attestations are chain transactions), and starts taking shifts once licensed.
    private mutating func join(_ market: MarketView, _ out: inout [Action]) {
        guard isReplacement, !joined else { return }
        joined = true
        active = true
        let credentialing = market.terms.model.credentialing
        out.append(.schedule(.credential(step: 0), at: market.now + credentialing.licenceTicks))
        out.append(
            .schedule(
                .credential(step: 1), at: market.now + credentialing.licenceTicks + credentialing.clientTicks))
        publish(market, &out)
    }

    /// Step 0: licences and subspecialties; step 1: credentials at every client that requires them.
    private mutating func credential(step: Int, _ market: MarketView, _ out: inout [Action]) {
        let expires = Int64.max
        if step == 0 {
            for j in cohort.licences {
                out.append(
                    .attest(
                        .issueAttestation(subject: address, claim: .licence(jurisdiction: j), expiresAtTicks: expires)))
                licences.append(j)
            }
            for s in cohort.subspecialties {
                out.append(
                    .attest(.issueAttestation(subject: address, claim: .subspecialty(s), expiresAtTicks: expires)))
                subspecialtiesAttested.append(s)
            }
            // A replacement takes its first shift once licensed.
            if isReplacement { scheduleNextShift(after: market.now, market, &out) }
        } else {
            let terms = market.terms
            let taken = cohort.credentialedAtStart ? 0 : terms.model.credentialing.clientTicks
            for (c, group) in terms.clientGroups.enumerated() where group.requiresCredentialing {
                guard cohort.licences.contains(group.jurisdiction) else { continue }
                let client = terms.clientAddresses[c]
                out.append(
                    .attest(
                        .issueAttestation(
                            subject: address, claim: .clientCredential(client: client, ticksTaken: taken),
                            expiresAtTicks: expires)))
                credentialedClients.append(ClientID(c))
                if credentialedAt.count <= c {
                    credentialedAt += Array(repeating: false, count: c + 1 - credentialedAt.count)
                }
                credentialedAt[c] = true
            }
        }
    }

    /// Publishes the radiologist's current profile (registration first, updates after); claims are priced from
    /// what was published.
    mutating func publish(_ market: MarketView, _ out: inout [Action]) {
        let p = profile
        published = p
        publishedAt = market.now
        if registrationSent {
            out.append(.submit(.updateRadiologist(p), .update(rad: id)))
        } else {
            registrationSent = true
            out.append(.submit(.registerRadiologist(p), .register(rad: id)))
        }
    }

    /// The profile it would publish now: prices at its queue and multiplier, capacity, availability (on shift: the
    /// chain shows who can take work now, so clients' routing ranks only them).
    var profile: RadiologistProfile {
        var prices: [PriceEntry] = []
        for m in Modality.allCases {
            for u in Urgency.allCases {
                let p = pricing.price(
                    for: m, urgency: u, queueLength: held.count + demandSeen, multiplier: priceMultiplier)
                if p > 0 { prices.append(PriceEntry(modality: m, urgency: u, price: p)) }
            }
        }
        return RadiologistProfile(
            subspecialties: cohort.subspecialties, licences: cohort.licences, prices: prices, capacity: capacity,
            available: active && onShift, sealingKey: sealingKey)
    }

    /// Studies it accepts at once, as its profile publishes (four times its claiming queue).
    var capacity: UInt32 { UInt32(max(1, cohort.claiming.maxQueue) * 4) }

    /// Eligibility as the contracts check it, from the credentials the radiologist holds on chain.
    func isEligible(for study: LocalStudy, _ terms: MarketTerms) -> Bool {
        isEligible(client: study.client.index, subspecialty: study.generated.study.subspecialty, terms)
    }

    /// Eligibility for an order of client `client` (``ClientID/index``) needing `subspecialty`. It runs for every
    /// order a look visits: the client's jurisdiction and credentialing come from the terms' flat tables.
    @inline(__always)
    func isEligible(client c: Int, subspecialty: String?, _ terms: MarketTerms) -> Bool {
        guard active, registered else { return false }
        guard licences.contains(terms.clientJurisdictions[c]) else { return false }
        if let sub = subspecialty, !subspecialtiesAttested.contains(sub) { return false }
        if terms.clientRequiresCredentialing[c], !(c < credentialedAt.count && credentialedAt[c]) { return false }
        return true
    }

    /// Whether it would peer-review `study` (not its author; licensed where the client is; the subspecialty).
    func canReview(_ study: LocalStudy, _ terms: MarketTerms) -> Bool {
        guard active, registered else { return false }
        guard licences.contains(terms.clientJurisdictions[study.client.index]) else { return false }
        if let sub = study.generated.study.subspecialty, !subspecialtiesAttested.contains(sub) { return false }
        return true
    }

    // MARK: Looking for work

    /// A new study it may read: it looks after an exponential reaction delay (before its bidding window closes).
    private mutating func noticed(_ s: StudyID, _ market: MarketView, _ out: inout [Action]) {
        guard onShift, active, market.studies.withUnsafeBufferPointer({ isEligible(for: $0[s.index], market.terms) })
        else { return }
        let mean = 20.0 * Double(SimTime.ticksPerSecond)
        let delay = Int64(-mean * log(1 - behaviourStream.uniform()))
        var d = max(SimTime.ticksPerSecond, delay)
        if market.studies[s].phase == .bidding {
            d = min(
                d, max(SimTime.ticksPerSecond, market.studies[s].biddingEnds - market.now - 20 * SimTime.ticksPerSecond)
            )
        }
        requestConsider(delay: d, market, &out)
    }

    /// Sets the consider timer (once); under the intermediary, asks it to dispatch instead.
    mutating func requestConsider(delay: Int64, _ market: MarketView, _ out: inout [Action]) {
        guard !considerScheduled, !market.terms.isIntermediary else {
            if market.terms.isIntermediary { out.append(.requestDispatch) }
            return
        }
        considerScheduled = true
        out.append(.schedule(.consider, at: market.now + delay))
    }

    /// Looks at the open studies and claims (posted price) or bids (auction) per its policy.
    private mutating func consider(_ market: MarketView, _ out: inout [Action]) {
        guard active, onShift, registered else { return }
        let now = market.now
        // Stop taking work an expected read before the shift ends.
        let room = cohort.claiming.maxQueue - held.count - pending.count
        guard room > 0 else { return }
        // Queue-responsive pricing sees the demand on chain (its own queue plus the open orders it may read at
        // its current price, so pricing itself out lowers it again) and republishes the price list as that moves
        // (at most every 30 minutes).
        // Only that strategy reads it, so the others skip the walk over the book.
        var look = Look(self, market)
        if cohort.pricing.strategy == .queueResponsive {
            let weighted = demandSignal(market, &look)
            demandSeen = Int(weighted.rounded())
            // The claims below price at the queue the demand just seen makes.
            look = Look(self, market)
        }
        if cohort.pricing.strategy == .queueResponsive, market.terms.auction == nil,
            now - publishedAt >= 30 * 60 * SimTime.ticksPerSecond, let p = published, p != profile
        {
            publish(market, &out)
            look = Look(self, market)
        }
        let chosen = claiming.choose(
            from: openStudies(market, &look), held: held.count + pending.count,
            subspecialties: cohort.subspecialties)
        for o in chosen {
            guard let s = market.byChainID[o.id] else { continue }
            pending.append(s)
            if market.studies[s].phase == .bidding {
                bid(s, price: o.price, expected: o.expectedReadTicks, market, &out)
            } else {
                out.append(.submit(.claimStudy(studyID: o.id), .claim(rad: id, study: s)))
            }
        }
    }

    /// The demand signal a look sees (``demandSeen`` is it rounded): the open orders on the book it could read at its
    /// own price, each weighted by ``demandWeight(posted:deadline:now:)``, summed in chain id order. `wholeBook`:
    /// the reference sum over every order, read from the studies (the tests compare the two).
    func demandSignal(_ market: MarketView, _ look: inout Look, wholeBook: Bool = false) -> Double {
        if wholeBook {
            return market.studies.withUnsafeBufferPointer { studies in
                market.records.withUnsafeBufferPointer { records in
                    market.book.reduce(0.0) { n, s in
                        let st = studies[s.index]
                        guard st.phase == .open, isEligible(for: st, market.terms),
                            look.price(st.generated.study.modality, st.generated.study.urgency, self)
                                <= st.offerCeiling(at: market.now)
                        else { return n }
                        return n
                            + Self.demandWeight(
                                posted: records[s.index].posted ?? market.now, deadline: st.deadline, now: market.now)
                    }
                }
            }
        }
        // Only orders whose offer reaches its own price count, so when few do
        // (``OrderBook/priceFeasible(threshold:)``) it sums those alone, in chain id order; otherwise it walks the
        // book. Either walk stops once the demand alone puts its prices at their cap: every price it makes from the
        // signal (at any queue of its own) is then the capped one, as with the whole sum.
        let book = market.orders
        let feasible = book.priceFeasibleCount { m, u in look.price(m, u, self) }
        let entries =
            feasible * 4 <= book.count
            ? book.priceFeasible { m, u in look.price(m, u, self) }.sorted { $0.chainID < $1.chainID }
            : book.inChainOrder
        // Through buffer pointers: a study is read in place (its phase), never copied whole.
        return market.studies.withUnsafeBufferPointer { studies in
            var n = 0.0
            for e in entries {
                let o = book.order(e)
                let d = demand(of: o, studies.baseAddress! + o.study.index, market, &look)
                guard d > 0 else { continue }
                n = n + d
                if pricing.isAtQueueCap(queueLength: Int(n.rounded())) { break }
            }
            return n
        }
    }

    /// What a look now would claim or bid on, without updating its demand signal: from the policy's walk of the
    /// book (``openStudies(_:_:wholeBook:)``), or from every order on it (`wholeBook`; the tests compare the two).
    func choice(_ market: MarketView, wholeBook: Bool) -> [OpenStudy] {
        var look = Look(self, market)
        return claiming.choose(
            from: openStudies(market, &look, wholeBook: wholeBook), held: held.count + pending.count,
            subspecialties: cohort.subspecialties)
    }

    /// What one look at the book computes once rather than for every order: the radiologist's prices at its
    /// queue (its own list, and the published one claims pay), its expected reading time by modality and the
    /// time to read what it holds. Each entry is filled on first use, from the same functions the orders used
    /// to call one by one, so every value is the same.
    struct Look {
        private var own = [UInt64](repeating: 0, count: 32)
        private var ownKnown: UInt32 = 0
        private var listed = [UInt64?](repeating: nil, count: 32)
        private var listedKnown: UInt32 = 0
        private var expected = [Int64](repeating: 0, count: 8)
        private var expectedKnown: UInt8 = 0
        /// Expected time to read what the radiologist holds (``queueTicks(_:)``).
        let queue: Int64

        init(_ r: Radiologist, _ market: MarketView) { queue = r.queueTicks(market) }

        private static func slot(_ m: Modality, _ u: Urgency) -> Int { Int(m.rawValue) * 4 + Int(u.rawValue) }

        /// ``PricingStrategy/price(for:urgency:queueLength:multiplier:)`` at the radiologist's queue now.
        mutating func price(_ m: Modality, _ u: Urgency, _ r: Radiologist) -> UInt64 {
            let k = Self.slot(m, u)
            if ownKnown & (1 << k) == 0 {
                own[k] = r.pricing.price(
                    for: m, urgency: u, queueLength: r.held.count + r.demandSeen, multiplier: r.priceMultiplier)
                ownKnown |= 1 << k
            }
            return own[k]
        }

        /// The published price list's entry (what a claim pays), nil when it lists none.
        mutating func listedPrice(_ m: Modality, _ u: Urgency, _ r: Radiologist) -> UInt64? {
            let k = Self.slot(m, u)
            if listedKnown & (1 << k) == 0 {
                listed[k] = r.published?.price(for: m, u)
                listedKnown |= 1 << k
            }
            return listed[k]
        }

        /// ``ReadingTimeModel/meanTicks(_:speedFactor:pace:aiEffectBasisPoints:)`` at the radiologist's pace.
        mutating func expectedTicks(_ m: Modality, _ r: Radiologist) -> Int64 {
            let k = Int(m.rawValue)
            if expectedKnown & (1 << k) == 0 {
                expected[k] = Int64(r.readingTime.meanTicks(m, speedFactor: r.speedFactor, pace: r.pace))
                expectedKnown |= 1 << k
            }
            return expected[k]
        }
    }

    /// How much one open order on the book counts as demand: 1 when just posted, rising linearly with the share
    /// of its turnaround already spent waiting, to 2 at its deadline. An order nobody has taken for a while is
    /// demand the market is not meeting, so prices rise faster while the book ages **[assumption]**.
    static func demandWeight(posted: Int64, deadline: Int64, now: Int64) -> Double {
        let span = max(1, deadline - posted)
        return 1 + min(1, max(0, Double(now - posted) / Double(span)))
    }

    /// How much open order `o` counts as demand it may read at its current price (0 if none). It runs for every
    /// order on the book: the order's fixed terms come from the book, and of the study (`st`, read in place, never
    /// copied) only its phase, after the cheaper tests.
    @inline(__always)
    private func demand(
        of o: BookOrder, _ st: UnsafePointer<LocalStudy>, _ market: MarketView, _ look: inout Look
    ) -> Double {
        let now = market.now
        guard isEligible(client: o.client, subspecialty: o.subspecialty, market.terms),
            look.price(o.modality, o.urgency, self) <= o.offerCeiling(at: now), st.pointee.phase == .open
        else { return 0 }
        return Self.demandWeight(posted: o.posted ?? now, deadline: o.deadline, now: now)
    }

    /// The studies of the book it could take now, as its claiming policy sees them: a superset of what the policy
    /// picks (``ClaimingPolicy/choose(from:held:subspecialties:)`` ranks them whatever their order). When few
    /// orders' offers reach its price (``OrderBook/priceFeasible(threshold:)``) it visits those; otherwise it walks
    /// the book in the policy's own order (``OrderBook``) and stops once it has as many orders the policy would take
    /// first as its queue has room for, every order it did not visit ranking after those. Best-paid ranks by the
    /// reader's own price per minute, which no index orders, so it always visits the price-feasible orders.
    /// `wholeBook`: the reference, every order read from its study (the tests compare the two).
    private func openStudies(_ market: MarketView, _ look: inout Look, wholeBook: Bool = false) -> [OpenStudy] {
        var open: [OpenStudy] = []
        let room = claiming.parameters.maxQueue - held.count - pending.count
        guard room > 0 else { return open }
        let crowded = claiming.parameters.crowdedBids
        let strategy = claiming.parameters.strategy
        let book = market.orders
        // Each attested subspecialty's orders once, whatever the attestations repeated.
        var attested: [String] = []
        for sub in subspecialtiesAttested where !attested.contains(sub) { attested.append(sub) }
        var found = 0
        /// Adds `o` if it can take it; true once `room` orders the policy ranks first are in (`counts`).
        func add(_ o: OpenStudy?, counts: Bool) -> Bool {
            guard let o else { return false }
            open.append(o)
            // What the policy itself filters out or puts last never fills the room.
            guard counts, o.competingBids < crowded,
                o.subspecialty.map({ cohort.subspecialties.contains($0) }) ?? true
            else { return false }
            found += 1
            return found >= room
        }
        // Through buffer pointers: a study is read in place (its fields), never copied whole.
        market.studies.withUnsafeBufferPointer { studies in
            if wholeBook {
                // The reference walk: every order, read from the study itself.
                market.records.withUnsafeBufferPointer { records in
                    for s in book.byChainID where !pending.contains(s) {
                        _ = add(
                            referenceOpenStudy(studies[s.index], posted: records[s.index].posted, market, &look),
                            counts: false)
                    }
                }
                return
            }
            func visit(_ e: OrderBook.Entry, counts: Bool) -> Bool {
                let o = book.order(e)
                guard !pending.contains(o.study) else { return false }
                return add(openStudy(o, studies.baseAddress! + o.study.index, market, &look), counts: counts)
            }
            // A claim's price must be within the order's offer: under posted prices the listed price, in an
            // auction its own. When few orders' offers reach it, it visits those alone (all of them).
            let posted = market.terms.auction == nil
            func threshold(_ m: Modality, _ u: Urgency) -> UInt64? {
                posted ? look.listedPrice(m, u, self) : look.price(m, u, self)
            }
            if strategy != .bestPaid, book.priceFeasibleCount(threshold: threshold) * 4 > book.count {
                switch strategy {
                case .earliestDeadline:
                    // A premium order can rank before its deadline (at its promise), so those are all visited.
                    for e in book.premiums { _ = visit(e, counts: false) }
                    for e in book.byDeadline where !e.premium {
                        if visit(e, counts: true) { break }
                    }
                case .firstCome:
                    let lists = [book.general] + attested.compactMap { book.bySubspecialty[$0] }
                    OrderBook.walkMerged(lists) { visit($0, counts: true) }
                case .subspecialtyFirst:
                    let lists = attested.compactMap { book.bySubspecialty[$0] }
                    var done = false
                    if !lists.isEmpty {
                        OrderBook.walkMerged(lists) { e in
                            done = visit(e, counts: true)
                            return done
                        }
                    }
                    if !done { for e in book.general where visit(e, counts: true) { break } }
                case .bestPaid:
                    break
                }
            } else {
                for e in book.priceFeasible(threshold: threshold) { _ = visit(e, counts: false) }
            }
        }
        return open
    }

    /// Order `o` as its claiming policy sees it, or nil when it cannot take it now: the order's fixed terms from
    /// the book, and of the study (`st`, read in place) only what changes while it is on the book (its phase and
    /// auction), after the cheaper tests. The same rules as ``referenceOpenStudy(_:posted:_:_:)``.
    @inline(__always)
    private func openStudy(
        _ o: BookOrder, _ st: UnsafePointer<LocalStudy>, _ market: MarketView, _ look: inout Look
    ) -> OpenStudy? {
        let now = market.now
        guard isEligible(client: o.client, subspecialty: o.subspecialty, market.terms) else { return nil }
        let m = o.modality
        let u = o.urgency
        let expected = look.expectedTicks(m, self)
        if now + expected > shiftEnd && !continuesAfterShift { return nil }
        let finish = now + expected + look.queue
        if finish > o.deadline { return nil }
        // Under posted prices an order enters the book open (never bidding): a claim pays the listed price, which
        // must be within the offer.
        let posted = market.terms.auction == nil
        if posted, (look.listedPrice(m, u, self) ?? .max) > o.offerCeiling(at: now) { return nil }
        let phase = st.pointee.phase
        if phase == .bidding && now >= st.pointee.biddingEnds - SimTime.ticksPerSecond { return nil }
        if phase != .open && phase != .bidding { return nil }
        // A claim pays the listed price on chain (an escalating offer: its current bid, at least that); a bid
        // names its own.
        var price = phase == .bidding ? look.price(m, u, self) : (look.listedPrice(m, u, self) ?? .max)
        let ceiling = phase == .open ? o.offerCeiling(at: now) : o.maxPrice
        if price > ceiling { return nil }
        if phase == .open && o.escalation != nil { price = ceiling }
        // A speed premium it expects to earn: the claiming software counts it in the pay and takes the promise
        // as the order's deadline, so a premium order it can meet ranks first.
        var deadline = o.deadline
        if let p = o.premium, finish <= p.promisedBy {
            price += p.amount
            deadline = p.promisedBy
        }
        return OpenStudy(
            id: o.chainID, postedTicks: o.posted ?? 0, deadlineTicks: deadline,
            price: price, expectedReadTicks: expected, subspecialty: o.subspecialty,
            competingBids: phase == .bidding ? st.pointee.committedBids : 0)
    }

    /// Order `st` as its claiming policy sees it, read from the study itself: the reference the book's walks
    /// are tested against (``choice(_:wholeBook:)``).
    private func referenceOpenStudy(
        _ st: LocalStudy, posted: Int64?, _ market: MarketView, _ look: inout Look
    ) -> OpenStudy? {
        let now = market.now
        if st.phase == .bidding && now >= st.biddingEnds - SimTime.ticksPerSecond { return nil }
        if st.phase != .open && st.phase != .bidding { return nil }
        guard isEligible(for: st, market.terms) else { return nil }
        let m = st.generated.study.modality
        let u = st.generated.study.urgency
        var price = st.phase == .bidding ? look.price(m, u, self) : (look.listedPrice(m, u, self) ?? .max)
        let ceiling = st.phase == .open ? st.offerCeiling(at: now) : st.maxPrice
        if price > ceiling { return nil }
        if st.phase == .open && st.escalation != nil { price = ceiling }
        let expected = look.expectedTicks(m, self)
        if now + expected > shiftEnd && !continuesAfterShift { return nil }
        let finish = now + expected + look.queue
        if finish > st.deadline { return nil }
        var deadline = st.deadline
        if let p = st.premium, finish <= p.promisedBy {
            price += p.amount
            deadline = p.promisedBy
        }
        return OpenStudy(
            id: st.chainID ?? 0, postedTicks: posted ?? 0, deadlineTicks: deadline,
            price: price, expectedReadTicks: expected, subspecialty: st.generated.study.subspecialty,
            competingBids: st.phase == .bidding ? st.committedBids : 0)
    }

    /// Expected time to read what the radiologist holds, ticks.
    func queueTicks(_ market: MarketView) -> Int64 {
        held.reduce(0) { acc, s in
            acc
                + Int64(
                    readingTime.meanTicks(
                        market.studies[s].generated.study.modality, speedFactor: speedFactor, pace: pace))
        }
    }

    private func bid(_ s: StudyID, price: UInt64, expected: Int64, _ market: MarketView, _ out: inout [Action]) {
        let study = market.studies[s]
        guard let id = study.chainID else { return }
        let span = study.deadline - study.revealEnds
        let promised = min(
            max(SimTime.ticksPerSecond, expected + queueTicks(market) + 10 * 60 * SimTime.ticksPerSecond), span)
        let salt = Hash.sha256(domain: "readchain/market/salt", address.bytes, bytesBE(id))
        let commitment = Message.bidCommitment(
            studyID: id, bidder: address, price: price, turnaroundTicks: promised, salt: salt)
        out.append(.bid(s, price: price, turnaround: promised))
        out.append(.submit(.commitBid(studyID: id, commitment: commitment), .commitBid(rad: self.id, study: s)))
        out.append(.schedule(.reveal(s), at: study.biddingEnds + 2 * SimTime.ticksPerSecond))
    }

    private func reveal(_ s: StudyID, _ market: MarketView, _ out: inout [Action]) {
        let study = market.studies[s]
        guard let id = study.chainID, study.phase == .bidding, let b = study.bids.first(where: { $0.rad == self.id })
        else { return }
        let salt = Hash.sha256(domain: "readchain/market/salt", address.bytes, bytesBE(id))
        out.append(
            .submit(
                .revealBid(studyID: id, price: b.price, turnaroundTicks: b.turnaround, salt: salt),
                .revealBid(rad: self.id, study: s)))
    }
}
