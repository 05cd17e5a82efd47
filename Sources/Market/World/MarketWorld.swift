// The market world: clients, radiologists, the intermediary, peer reviewers, referrers and the credentialing
// authority acting through signed transactions on an in-process BFT chain (`ChainCluster<ReadChainApp>`), all
// on the cluster's one simulated clock.
//
// Agents see only committed chain state (the receipts and state of the first node to commit each height) and
// their own private state; every economic act is a transaction. Randomness comes only from named streams of
// `RandomStreams(seed:replication:)`, named per agent so that every market design sees the same arrivals, latent
// findings, radiologist speeds and read uniforms (common random numbers). No decision iterates a Dictionary.

import Cluster
import Consensus
import Contracts
import DiscreteEvent
import Foundation
import Ledger
import MarketModel
import Network
import Stochastic

/// One run of one market design.
public struct MarketRunSpec: Sendable {
    public var model: MarketParameters
    public var design: MarketDesignSpec
    public var seed: UInt64
    public var replication: Int
    public var horizonTicks: Int64
    public var warmupTicks: Int64
    /// Called now and then with the share of the horizon simulated (0...1).
    public var progress: (@Sendable (Double) -> Void)?
    /// Whether the in-process validators share one verified-signature cache (the default: each signature is
    /// verified for real once, every validator is still charged the simulated CPU) or each keeps its own, as
    /// separate machines would (every validator verifies every signature for real). Results are identical.
    public var signatureCaches: SignatureCacheMode = .shared
    /// Whether the result keeps the committed chain (`MarketRunResult.chain`: genesis, blocks, certificates as
    /// canonical bytes) for replay and audit.
    public var recordChain = true
    /// With ``recordChain``: where the recorded chain goes while the run is under way, so a year-long run does not
    /// hold every block's bytes until it ends. Called with heights in order, without gaps, from 1, every
    /// ``chainChunkBlocks`` blocks; the last height is always kept for the result (its certificate is replaced by
    /// the one the next block carries), so `MarketRunResult.chain` holds what was not handed over, starting at
    /// `RecordedChain.firstHeight`. A throw stops the run with that error. Without a sink the result keeps it all.
    public var chainSink: (@Sendable (RecordedChainChunk) throws -> Void)?
    /// Blocks per ``chainSink`` call.
    public var chainChunkBlocks = 2_000

    public init(
        model: MarketParameters, design: MarketDesignSpec, seed: UInt64, replication: Int, horizonTicks: Int64,
        warmupTicks: Int64, progress: (@Sendable (Double) -> Void)? = nil
    ) {
        self.model = model
        self.design = design
        self.seed = seed
        self.replication = replication
        self.horizonTicks = horizonTicks
        self.warmupTicks = warmupTicks
        self.progress = progress
    }
}

public struct MarketSimulationError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum MarketSimulation {
    /// Runs one design for one replication, through the chain, and returns its records.
    public static func run(_ spec: MarketRunSpec) throws -> MarketRunResult {
        let world = try MarketWorld(spec)
        return try world.run()
    }

    /// Runs like `run`, then hands `inspect` the finished chain and every study's off-chain record (the audits
    /// and privacy checks of the tests look at what the chain actually stored).
    public static func run(
        _ spec: MarketRunSpec, inspect: (ChainCluster<ReadChainApp>, [GeneratedStudy]) -> Void
    ) throws -> MarketRunResult {
        let world = try MarketWorld(spec)
        let result = try world.run()
        inspect(world.cluster, world.studies.map(\.generated))
        return result
    }
}

// MARK: - The world

final class MarketWorld {
    /// Blocks each validator keeps (about four simulated days of the default market; `NodeConfig.retainBlocks`):
    /// a year-long run's memory then grows with the market's state, not with every block (unless the run records its
    /// chain for replay, `MarketRunSpec.recordChain`: those bytes are kept until the run ends). The run's records
    /// (`ChainBlockRecord`) are taken at commit, so nothing the results need is dropped.
    static let retainedBlocks = 10_000
    static let hour = SimTime.ticksPerHour
    static let day = SimTime.ticksPerDay
    static let second = SimTime.ticksPerSecond
    /// What a committed transaction's record keeps instead of the transaction.
    static let spent = Transaction(
        chainID: "", sender: PublicKey(bytes: Array(repeating: 0, count: 32)), nonce: 0, fee: .zero, message: [],
        signature: Signature(bytes: Array(repeating: 0, count: 64)))

    /// A signing identity with its own nonce sequence and gateway validator.
    struct Party {
        var signing: SigningKey
        var sealing: SealingKey
        var address: Address
        var nonce: UInt64 = 0
        var gateway: Int
        var feesToday: UInt64 = 0
        init(label: String, seed: UInt64, gateway: Int) {
            signing = SigningKey.derive(label: label, seed: seed)
            sealing = SealingKey.derive(label: label, seed: seed)
            address = signing.publicKey.address
            self.gateway = gateway
        }
    }

    enum Actor: Equatable {
        case client(Int)
        case radiologist(Int)
        case authority
        case intermediary
    }

    struct Client {
        var name: String
        var group: ClientGroup
        var party: Party
        var cursor: StudyCursor
        var feedbackStream: RandomStream
    }

    struct Radiologist {
        var index: Int
        var cohortIndex: Int
        var cohort: RadiologistCohort
        var party: Party
        var speedFactor: Double
        var readStream: RandomStream
        var errorStream: RandomStream
        var behaviourStream: RandomStream
        var reviewStream: RandomStream
        var errorModel: ErrorModel
        var readingTime: ReadingTimeModel
        var pricing: PricingStrategy
        var claiming: ClaimingPolicy
        var burnout: BurnoutModel
        /// Weekdays (0 = Monday) of the shifts.
        var shiftDays: [Int]
        var registered = false
        var registrationSent = false
        var published: RadiologistProfile?
        var publishedAt: Int64 = 0
        var licences: [String] = []
        var subspecialtiesAttested: [String] = []
        var credentialedClients: [Int] = []
        var active = true
        var onShift = false
        var shiftStart: Int64 = 0
        var shiftEnd: Int64 = 0
        var readsThisShift = 0
        var shiftWRVU = 0.0
        var pace = 1.0
        var priceMultiplier = 1.0
        var stock = 0.0
        var hoursCut = false
        /// Local studies assigned on chain and not yet reported (includes the one being read).
        var held: [Int] = []
        /// Claims or bids in flight (local study ids).
        var pending: [Int] = []
        var reading: Int?
        /// The chain id of the assignment being read (a study reposted meanwhile has a new one).
        var readingChainID: UInt64?
        var readingSince: Int64 = 0
        var considerScheduled = false
        // Day accumulators.
        var dayShiftTicks: Int64 = 0
        var dayReadTicks: Int64 = 0
        var dayReads = 0
        var dayWRVU = 0.0
        var lastBalance: UInt64 = 0
    }

    enum Phase: Equatable {
        case arrived, posting, open, bidding, assigned, reported, expired
    }

    struct LocalStudy {
        var generated: GeneratedStudy
        var client: Int
        var record: Int
        var phase: Phase = .arrived
        var chainID: UInt64?
        var deadline: Int64 = 0
        var biddingEnds: Int64 = 0
        var revealEnds: Int64 = 0
        var maxPrice: UInt64 = 0
        var assignee: Int?
        var granted = false
        var outcome: ReadResult?
        var holdback: UInt64 = 0
        var reviewer: Int?
        /// Bids this study received from the world's radiologists (for reveals): (radiologist, price, promised).
        var bids: [(rad: Int, price: UInt64, turnaround: Int64)] = []
        /// Sealed bids committed on chain for the current auction (the study's public `bidCount`), as bidders see it.
        var committedBids = 0
    }

    enum TxKind {
        case setup
        case post(Int)
        case claim(rad: Int, study: Int)
        case assign(rad: Int, study: Int)
        case grant(Int)
        case commitBid(rad: Int, study: Int)
        case revealBid(rad: Int, study: Int)
        case finalise(Int)
        case report(rad: Int, study: Int)
        case review(rad: Int, study: Int)
        case feedback(Int)
        case followUp(Int)
        case register(rad: Int)
        case attest(rad: Int)
        case update(rad: Int)
    }

    struct PendingTx {
        var tx: Transaction
        var kind: TxKind
        var actor: Actor
        var submitted: Int64
        var node: Int
        var resubmits = 0
        var done = false
    }

    enum Event {
        case arrival(client: Int)
        case shiftStart(rad: Int)
        case shiftEnd(rad: Int)
        case readDone(rad: Int)
        case consider(rad: Int)
        case dispatch
        case reveal(rad: Int, study: Int)
        case finalise(study: Int)
        case deadline(study: Int)
        case review(rad: Int, study: Int)
        case feedback(study: Int, score: Int)
        case followUp(study: Int)
        case credential(rad: Int, step: Int)
        case resubmit(tx: Int)
        case repost(study: Int)
        case dayEnd
        case sample
    }

    let spec: MarketRunSpec
    let model: MarketParameters
    let chainID: String
    let cluster: ChainCluster<ReadChainApp>
    let streams: RandomStreams
    let validators: Int
    var clients: [Client] = []
    var rads: [Radiologist] = []
    var authority: Party
    var intermediary: Party
    let designIsIntermediary: Bool
    let auction: MarketDesignSpec.Auction?
    let valueBased: MarketDesignSpec.ValueBased?
    let peerReviewModel: PeerReviewModel
    let routing = RoutingPolicy()
    let referrer: ReferrerFeedback
    let ai: AISecondReaderModel?
    let maxReposts = 2
    let resubmitAfter: Int64 = 30 * second

    var events: [Event?] = []
    var freeSlots: [Int] = []
    var studies: [LocalStudy] = []
    var records: [StudyRecord] = []
    var byChainID: [UInt64: Int] = [:]
    var txs: [PendingTx] = []
    var txByHash: [Hash: Int] = [:]
    /// Open (posted-price / intermediary) or bidding studies in chain id order, as the agents see them.
    var book: [Int] = []
    var days: [RadiologistDayRecord] = []
    var samples: [MarketSample] = []
    var blocks: [ChainBlockRecord] = []
    /// The chain as committed (`spec.recordChain`): canonical bytes per height.
    var chainBlocks: [[UInt8]] = []
    var chainCertificates: [[UInt8]] = []
    /// The height of `chainBlocks[0]` (earlier heights went to `spec.chainSink`).
    var chainFirstHeight: Int64 = 1
    /// The sink's error, which ends the run.
    var chainSinkError: (any Error)?
    /// `Genesis.canonicalBytes` of the chain's application, and the nodes' transaction size limit.
    var genesisBytes: [UInt8] = []
    var maxTxBytes = 0
    var commitLatencies: [Int64] = []
    var failedInBlocks = 0
    var refused = 0
    var committedCount = 0
    var labels = 0
    var dayNumber = 0
    var dayStart: Int64 = 0
    var pricesThisHour: [UInt64] = []
    var dispatchScheduled = false
    var reviewerCursor = 0
    var observer = 0
    var lastProgress = 0.0

    init(_ spec: MarketRunSpec) throws {
        self.spec = spec
        model = spec.model
        let seed = spec.seed
        chainID = "readchain-market-\(spec.design.name)"
        streams = RandomStreams(seed: seed, replication: spec.replication)
        validators = model.chain.validators.count
        authority = Party(label: "authority", seed: seed, gateway: 0)
        intermediary = Party(label: "intermediary", seed: seed, gateway: 1 % max(1, model.chain.validators.count))
        var isIntermediary = false
        var auction: MarketDesignSpec.Auction?
        switch spec.design.mechanism {
        case .intermediary: isIntermediary = true
        case .postedPrice: break
        case .sealedBidAuction(let a): auction = a
        }
        designIsIntermediary = isIntermediary
        self.auction = auction
        valueBased = spec.design.valueBased
        peerReviewModel = PeerReviewModel(parameters: model.peerReview)
        referrer = ReferrerFeedback(parameters: model.referrers)
        ai = model.ai.enabled ? AISecondReaderModel(parameters: model.ai) : nil

        // Agents.
        var gatewayCounter = 2
        let nodeCount = max(1, spec.model.chain.validators.count)
        func nextGateway() -> Int {
            defer { gatewayCounter += 1 }
            return gatewayCounter % nodeCount
        }
        var clientList: [Client] = []
        for group in model.clients {
            for k in 0..<group.count {
                let generator: StudyGenerator
                do { generator = try StudyGenerator(group: group, clientNumber: k + 1) } catch {
                    throw MarketSimulationError("client group \(group.name): \(error)")
                }
                clientList.append(
                    Client(
                        name: generator.clientName, group: group,
                        party: Party(label: "client-\(generator.clientName)", seed: seed, gateway: nextGateway()),
                        cursor: generator.cursor(streams),
                        feedbackStream: streams.stream("feedback.\(generator.clientName)")))
            }
        }
        clients = clientList
        var radList: [Radiologist] = []
        for (ci, cohort) in model.cohorts.enumerated() {
            let readingTime: ReadingTimeModel
            do { readingTime = try ReadingTimeModel(readingTime: cohort.readingTime) } catch {
                throw MarketSimulationError("cohort \(cohort.name): \(error)")
            }
            for k in 0..<cohort.count {
                let name = "\(cohort.name)-\(k + 1)"
                let index = radList.count
                let speedStream = streams.stream("speed.\(name)")
                let speed = ReadingTimeModel.drawSpeedFactor(speedCV: cohort.speedCV, stream: speedStream)
                let days = Self.shiftDays(daysPerWeek: cohort.shift.daysPerWeek, offset: k)
                var r = Radiologist(
                    index: index, cohortIndex: ci, cohort: cohort,
                    party: Party(label: "radiologist-\(name)", seed: seed, gateway: nextGateway()),
                    speedFactor: speed, readStream: streams.stream("read.\(name)"),
                    errorStream: streams.stream("error.\(name)"), behaviourStream: streams.stream("burnout.\(name)"),
                    reviewStream: streams.stream("review.\(name)"), errorModel: ErrorModel(cohort: cohort),
                    readingTime: readingTime, pricing: PricingStrategy(parameters: cohort.pricing),
                    claiming: ClaimingPolicy(parameters: cohort.claiming), burnout: BurnoutModel(parameters: cohort.burnout),
                    shiftDays: days)
                let burnedOut = r.behaviourStream.uniform() < cohort.burnout.initialBurnedOutFraction
                r.stock = r.burnout.initialStock(burnedOut: burnedOut)
                radList.append(r)
            }
        }
        rads = radList

        // Genesis and chain.
        let chain = model.chain
        let nodeKeys = (0..<validators).map { ClusterConfig.nodeKey($0, seed: seed) }
        let powers = chain.validators.map { UInt64($0.power) }
        let treasury = SigningKey.derive(label: "consortium-treasury", seed: seed).publicKey.address
        let big: UInt64 = 1 << 50
        var accounts: [GenesisAccount] = clients.map { GenesisAccount(address: $0.party.address, balance: big) }
        accounts += rads.map { GenesisAccount(address: $0.party.address, balance: 100_000_000) }
        accounts.append(GenesisAccount(address: authority.address, balance: 100_000_000))
        accounts.append(GenesisAccount(address: intermediary.address, balance: 100_000_000))
        let market: MarketDesign
        switch spec.design.mechanism {
        case .intermediary(let i):
            market = .intermediary(operator: intermediary.address, marginBasisPoints: UInt64(i.marginBasisPoints))
        case .postedPrice:
            market = .postedPrice
        case .sealedBidAuction(let a):
            market = .sealedBidAuction(
                AuctionParameters(
                    biddingWindowTicks: a.biddingWindowTicks, revealWindowTicks: a.revealWindowTicks,
                    pricing: a.pricing == .firstPrice ? .firstPrice : .secondPrice,
                    weights: ScoreWeights(
                        price: UInt64(a.priceWeightBasisPoints), quality: UInt64(a.qualityWeightBasisPoints),
                        turnaround: UInt64(a.turnaroundWeightBasisPoints))))
        }
        let vb = spec.design.valueBased.map { v in
            ValueBasedParameters(
                holdbackBasisPoints: UInt64(v.holdbackBasisPoints), levyBasisPoints: UInt64(v.levyBasisPoints),
                bonusPeriodTicks: v.bonusPeriodTicks,
                payout: {
                    switch v.payout {
                    case .proportionalToQualityPoints: .proportionalToQualityPoints
                    case .equalAmongQualified(let m): .equalAmongQualified(minPoints: UInt64(m))
                    }
                }(), holdbackTimeoutTicks: v.holdbackTimeoutTicks, feedbackThreshold: UInt8(v.feedbackThreshold))
        }
        let genesis = Genesis(
            chainID: chainID, accounts: accounts, authorities: [authority.signing.publicKey], market: market,
            valueBased: vb, fees: FeeParameters(minFee: chain.fees.minFee, perByte: chain.fees.perByte),
            feeCollector: treasury, peerReviewSamplingBasisPoints: UInt64(model.peerReview.rateBasisPoints),
            validators: zip(nodeKeys, powers).map { ValidatorUpdate(publicKey: $0.0.publicKey, power: $0.1) })
        if let problem = genesis.problems().first { throw MarketSimulationError("genesis: \(problem)") }

        var node = NodeConfig(
            chainID: chainID,
            timeouts: TimeoutConfig(
                proposeInit: chain.timeouts.proposeTicks, proposeDelta: chain.timeouts.proposeDeltaTicks,
                prevoteInit: chain.timeouts.prevoteTicks, prevoteDelta: chain.timeouts.prevoteDeltaTicks,
                precommitInit: chain.timeouts.precommitTicks, precommitDelta: chain.timeouts.precommitDeltaTicks),
            maxBlockTxs: chain.block.maxTransactions, maxBlockBytes: chain.block.maxBytes,
            verifyCost: chain.verificationCostTicks, commitTimeout: chain.block.intervalTicks)
        node.createEmptyBlocks = false
        node.retainBlocks = Self.retainedBlocks
        genesisBytes = genesis.canonicalBytes
        maxTxBytes = node.mempool.maxTxBytes
        let names = chain.validators.map(\.name)
        func index(_ v: String) -> Int { names.firstIndex(of: v) ?? 0 }
        var faults: [ScheduledFault] = []
        for f in chain.faults {
            let at = SimTime(ticks: f.atTicks)
            switch f.action {
            case .crash(let v): faults.append(ScheduledFault(at: at, .crash(index(v))))
            case .restart(let v): faults.append(ScheduledFault(at: at, .restart(index(v))))
            case .partition(let groups, let d):
                faults.append(ScheduledFault(at: at, .partition(groups.map { $0.map(index) })))
                faults.append(ScheduledFault(at: at + SimTime(ticks: d), .heal))
            }
        }
        let latency: LatencyModel
        switch chain.latency {
        case .constant(let t): latency = .constant(SimTime(ticks: t))
        case .lognormal(let mean, let cv):
            latency = .lognormal(meanSeconds: Double(mean) / Double(SimTime.ticksPerSecond), cv: cv)
        case .regions(let regionNames, let matrix, let jitter):
            latency = .regions(
                region: chain.validators.map { v in v.region.flatMap { regionNames.firstIndex(of: $0) } ?? 0 },
                meanSeconds: matrix.map { $0.map { Double($0) / Double(SimTime.ticksPerSecond) } }, jitterCV: jitter)
        }
        var config = ClusterConfig(
            seed: seed, replication: spec.replication, chainID: chainID, powers: powers,
            network: NetworkConfig(latency: latency), node: node, faults: faults,
            rebroadcastInterval: .seconds(5), termination: nil, invariantEvery: 0)
        config.signatureCaches = spec.signatureCaches
        cluster = ChainCluster(config: config, makeApp: { ReadChainApp(genesis: genesis) })
    }

    /// Shift weekdays (0 = Monday): `daysPerWeek` consecutive days; the k-th radiologist of a cohort starts where
    /// the previous one stopped, so a cohort's shifts spread evenly over the week.
    static func shiftDays(daysPerWeek: Int, offset: Int) -> [Int] {
        let n = max(0, min(7, daysPerWeek))
        return Array(Set((0..<n).map { (offset * n + $0) % 7 })).sorted()
    }

    // MARK: Events

    func at(_ t: Int64, _ e: Event) {
        let slot: Int
        if let s = freeSlots.popLast() {
            slot = s
            events[slot] = e
        } else {
            slot = events.count
            events.append(e)
        }
        cluster.scheduleExternal(slot, at: SimTime(ticks: t))
    }

    var now: Int64 { cluster.now.ticks }

    func fire(_ slot: Int) {
        guard let e = events[slot] else { return }
        events[slot] = nil
        freeSlots.append(slot)
        switch e {
        case .arrival(let c): arrival(c)
        case .shiftStart(let r): shiftStart(r)
        case .shiftEnd(let r): shiftEnd(r)
        case .readDone(let r): readDone(r)
        case .consider(let r):
            rads[r].considerScheduled = false
            consider(r)
        case .dispatch:
            dispatchScheduled = false
            dispatch()
        case .reveal(let r, let s): reveal(r, s)
        case .finalise(let s): finalise(s)
        case .deadline(let s): deadlinePassed(s)
        case .review(let r, let s): review(r, s)
        case .feedback(let s, let score): sendFeedback(s, score)
        case .followUp(let s): followUp(s)
        case .credential(let r, let step): credential(r, step: step)
        case .resubmit(let k): resubmit(k)
        case .repost(let s):
            records[studies[s].record].reposts += 1
            post(s, deadline: studies[s].deadline)
        case .dayEnd: dayEnd()
        case .sample: sample()
        }
    }

    // MARK: Running

    func run() throws -> MarketRunResult {
        cluster.onExternal = { [unowned self] in self.fire($0) }
        cluster.onCommit = { [unowned self] record, node in self.committed(record, node: node) }
        cluster.onTxResult = { [unowned self] hash, check, _ in self.admission(hash, check) }
        setup()
        for c in clients.indices where clients[c].cursor.peekArrivalTicks < spec.horizonTicks {
            at(clients[c].cursor.peekArrivalTicks, .arrival(client: c))
        }
        for r in rads.indices { scheduleNextShift(r, after: 0) }
        at(Self.day, .dayEnd)
        at(Self.hour, .sample)
        cluster.run(until: SimTime(ticks: spec.horizonTicks))
        if let error = chainSinkError { throw error }
        cluster.finish()
        return result()
    }

    func result() -> MarketRunResult {
        let app = cluster.nodes[observer].app
        for (i, s) in studies.enumerated() {
            if records[i].status == .open, s.phase == .expired { records[i].status = .expired }
            if let id = s.chainID, s.phase == .reported, s.holdback > 0, let st = app.study(id), st.holdback == 0 {
                // Released by time-out in an end-of-block step (not a transaction): count it as paid.
                records[i].radiologistPay += s.holdback
                records[i].settled = st.reportedAtTicks + (valueBased?.holdbackTimeoutTicks ?? 0)
            }
        }
        let headline = MarketMetrics.compute(
            studies: records, days: days, blocks: blocks, commitLatencies: commitLatencies,
            warmupTicks: spec.warmupTicks, minorPerMajor: model.currency.minorPerMajor)
        let submitted = txs.count
        var result = MarketRunResult(
            design: spec.design.name, replication: spec.replication, studies: records, radiologistDays: days,
            samples: samples, blocks: blocks, headline: headline, chainDigest: cluster.digest.hex,
            stateRoot: app.stateRoot.hex, transactionsSubmitted: submitted, transactionsCommitted: committedCount,
            transactionsFailed: failedInBlocks, transactionsRefused: refused,
            signatureVerifications: cluster.realVerifications, signaturesMade: submitted,
            events: cluster.metrics.eventsHandled, oracleViolations: cluster.oracle.violations)
        if spec.recordChain {
            result.chain = RecordedChain(
                chainID: chainID, maxTxBytes: maxTxBytes, genesis: genesisBytes, blocks: chainBlocks,
                certificates: chainCertificates, firstHeight: chainFirstHeight)
        }
        return result
    }

    // MARK: Transactions

    @discardableResult
    func submit(_ message: Message, as actor: Actor, kind: TxKind) -> Int {
        let bytes = message.canonicalBytes
        var party = self.party(actor)
        // The fee is `minFee + perByte × encoded size` (the fee field has a fixed width, so the size does not
        // depend on it): sign at the minimum, then once more at the exact fee when bytes are charged.
        let f = model.chain.fees
        var fee = Amount(minorUnits: f.minFee)
        var tx = Transaction.signed(by: party.signing, chainID: chainID, nonce: party.nonce, fee: fee, message: bytes)
        if f.perByte > 0 {
            fee = Amount(minorUnits: f.minFee + f.perByte * UInt64(tx.encodedSize))
            tx = Transaction.signed(by: party.signing, chainID: chainID, nonce: party.nonce, fee: fee, message: bytes)
        }
        party.nonce += 1
        party.feesToday += fee.minorUnits
        setParty(actor, party)
        // A client's fees for a study count towards what the study cost it.
        switch kind {
        case .post(let s), .grant(let s), .finalise(let s), .feedback(let s), .followUp(let s):
            records[studies[s].record].clientFees += fee.minorUnits
        default:
            break
        }
        let k = txs.count
        txs.append(PendingTx(tx: tx, kind: kind, actor: actor, submitted: now, node: party.gateway))
        txByHash[tx.hash] = k
        cluster.inject(tx, to: party.gateway, at: cluster.now + .microseconds(200))
        at(now + resubmitAfter, .resubmit(tx: k))
        return k
    }

    func party(_ a: Actor) -> Party {
        switch a {
        case .client(let c): clients[c].party
        case .radiologist(let r): rads[r].party
        case .authority: authority
        case .intermediary: intermediary
        }
    }

    func setParty(_ a: Actor, _ p: Party) {
        switch a {
        case .client(let c): clients[c].party = p
        case .radiologist(let r): rads[r].party = p
        case .authority: authority = p
        case .intermediary: intermediary = p
        }
    }

    func resubmit(_ k: Int) {
        guard !txs[k].done else { return }
        // Not committed in time (a crashed or partitioned gateway): the byte-identical transaction to the next node.
        var next = (txs[k].node + 1) % validators
        for _ in 0..<validators where !cluster.isUp(next) { next = (next + 1) % validators }
        txs[k].node = next
        txs[k].resubmits += 1
        cluster.inject(txs[k].tx, to: next, at: cluster.now + .microseconds(200))
        at(now + resubmitAfter * Int64(min(8, 1 << txs[k].resubmits)), .resubmit(tx: k))
    }

    func admission(_ hash: Hash, _ check: TxCheck) {
        guard !check.isOK, check.code != .duplicate, let k = txByHash[hash], !txs[k].done else { return }
        if check.code == .badNonce, txs[k].resubmits > 0 { return }  // a resubmission racing the original
        refused += 1
    }

    // MARK: Commits

    func committed(_ c: CommitRecord, node: Int) {
        observer = node
        let t = now
        var failed = 0
        for (tx, receipt) in zip(c.block.transactions, c.receipts) {
            if receipt.code != .ok { failed += 1 }
            guard let k = txByHash[tx.hash], !txs[k].done else { continue }
            txs[k].done = true
            txs[k].tx = MarketWorld.spent  // only resubmission needed the bytes
            txByHash[tx.hash] = nil
            committedCount += 1
            if txs[k].submitted >= spec.warmupTicks { commitLatencies.append(t - txs[k].submitted) }
            handle(txs[k].kind, receipt, at: t)
        }
        failedInBlocks += failed
        if spec.recordChain {
            // Height h−1's certificate as block h carries it (its bytes are then committed by h's header); the
            // last height keeps the first committer's own certificate.
            if !chainCertificates.isEmpty { chainCertificates[chainCertificates.count - 1] = c.block.lastCommit }
            chainBlocks.append(c.block.canonicalBytes)
            chainCertificates.append(c.certificate.canonicalBytes)
            if let sink = spec.chainSink, chainSinkError == nil, chainBlocks.count > max(1, spec.chainChunkBlocks) {
                // Every height but the last is final: hand them over and forget them.
                let n = chainBlocks.count - 1
                let chunk = RecordedChainChunk(
                    firstHeight: chainFirstHeight, blocks: Array(chainBlocks[..<n]),
                    certificates: Array(chainCertificates[..<n]))
                do {
                    try sink(chunk)
                    chainBlocks.removeFirst(n)
                    chainCertificates.removeFirst(n)
                    chainFirstHeight += Int64(n)
                } catch {
                    chainSinkError = error
                    cluster.stopRequested = true
                }
            }
        }
        blocks.append(
            ChainBlockRecord(
                height: c.height, time: t, round: Int(c.round), transactions: c.block.transactions.count,
                bytes: c.block.encodedSize, failed: failed))
        if spec.progress != nil {
            let share = Double(t) / Double(max(1, spec.horizonTicks))
            if share - lastProgress >= 0.01 {
                lastProgress = share
                spec.progress?(share)
            }
        }
    }

    /// The first value `pick` finds among the receipt's contract events. The contracts emit only canonical
    /// events, so one that does not decode is a broken invariant.
    func firstEvent<T>(_ r: Receipt, _ pick: (ContractEvent) -> T?) -> T? {
        let events: [ContractEvent]
        do { events = try r.contractEvents() } catch {
            preconditionFailure("receipt \(r.txHash.hex) carries a malformed contract event: \(error)")
        }
        for e in events { if let v = pick(e) { return v } }
        return nil
    }

    func handle(_ kind: TxKind, _ r: Receipt, at t: Int64) {
        let ok = r.code == .ok
        switch kind {
        case .setup, .attest, .update:
            break
        case .register(let rad):
            rads[rad].registered = ok
            if ok { rads[rad].lastBalance = cluster.nodes[observer].app.balance(of: rads[rad].party.address) }
        case .post(let s):
            let posted = firstEvent(r) { if case .studyPosted(let id, _, _, _, _, _, _) = $0 { id } else { nil } }
            guard ok, let id = posted else {
                studies[s].phase = .expired
                records[studies[s].record].status = .expired
                return
            }
            studies[s].chainID = id
            byChainID[id] = s
            records[studies[s].record].chainStudyID = id
            if records[studies[s].record].firstCommitted == nil { records[studies[s].record].firstCommitted = t }
            if auction != nil, let st = cluster.nodes[observer].app.study(id) {
                // The windows run from the block's time (the proposer's clock), as the contract recorded them.
                studies[s].phase = .bidding
                studies[s].biddingEnds = st.biddingEndsAtTicks
                studies[s].revealEnds = st.revealEndsAtTicks
                at(studies[s].revealEnds + 2 * Self.second, .finalise(study: s))
            } else {
                studies[s].phase = .open
            }
            insertIntoBook(s)
            at(studies[s].deadline + Self.second, .deadline(study: s))
            announce(s)
        case .claim(let rad, let s), .assign(let rad, let s):
            rads[rad].pending.removeAll { $0 == s }
            if ok {
                assigned(s, to: rad, receipt: r, at: t)
            } else {
                requestConsider(rad, delay: Self.second)
            }
        case .grant(let s):
            guard ok, let rad = studies[s].assignee else { return }
            studies[s].granted = true
            if rads[rad].reading == nil { startNextRead(rad) }
        case .commitBid(let rad, let s):
            if ok { studies[s].committedBids += 1 }
            if !ok {
                rads[rad].pending.removeAll { $0 == s }
                studies[s].bids.removeAll { $0.rad == rad }
            }
        case .revealBid:
            break
        case .finalise(let s):
            for b in studies[s].bids { rads[b.rad].pending.removeAll { $0 == s } }
            let winner = firstEvent(r) { if case .auctionAwarded(_, let w, _, _) = $0 { w } else { nil } }
            let unsold = firstEvent(r) { if case .auctionUnsold = $0 { true } else { nil } } ?? false
            if ok, let winner, let rad = rads.firstIndex(where: { $0.party.address == winner }) {
                assigned(s, to: rad, receipt: r, at: t)
            } else if ok, unsold {
                removeFromBook(s)
                rebidOrGiveUp(s)
            }
            for b in studies[s].bids where b.rad != studies[s].assignee { requestConsider(b.rad, delay: Self.second) }
        case .report(let rad, let s):
            reported(s, by: rad, receipt: r, ok: ok, at: t)
        case .review(_, let s):
            let rec = studies[s].record
            if ok {
                records[rec].peerReviewed = true
                labels += 1  // the adjudicated label joined the dataset on chain
                resolveHoldback(s, r, at: t)
            }
        case .feedback(let s):
            if ok { resolveHoldback(s, r, at: t) }
        case .followUp(let s):
            if ok { records[studies[s].record].followUpCompleted = true }
        }
    }

    func resolveHoldback(_ s: Int, _ r: Receipt, at t: Int64) {
        let rec = studies[s].record
        if let a = firstEvent(r, { if case .holdbackReleased(_, let a) = $0 { a } else { nil } }) {
            records[rec].radiologistPay += a
            records[rec].settled = t
            studies[s].holdback = 0
        } else if let a = firstEvent(r, { if case .holdbackForfeited(_, let a) = $0 { a } else { nil } }) {
            records[rec].pricePaid -= min(a, records[rec].pricePaid)
            records[rec].settled = t
            studies[s].holdback = 0
        }
    }

    // MARK: Setup: credentials and registrations

    func setup() {
        for r in rads.indices {
            let cohort = rads[r].cohort
            if cohort.credentialedAtStart {
                credential(r, step: 0)
                credential(r, step: 1)
            } else {
                // Licences, then hospital credentialing, take time (MarketParameters.credentialing).
                at(model.credentialing.licenceTicks, .credential(rad: r, step: 0))
                at(model.credentialing.licenceTicks + model.credentialing.clientTicks, .credential(rad: r, step: 1))
            }
            publish(r)
        }
    }

    /// Step 0: licences and subspecialties; step 1: credentials at every client that requires them.
    func credential(_ r: Int, step: Int) {
        let subject = rads[r].party.address
        let expires = Int64.max
        if step == 0 {
            for j in rads[r].cohort.licences {
                submit(
                    .issueAttestation(subject: subject, claim: .licence(jurisdiction: j), expiresAtTicks: expires),
                    as: .authority, kind: .attest(rad: r))
                rads[r].licences.append(j)
            }
            for s in rads[r].cohort.subspecialties {
                submit(
                    .issueAttestation(subject: subject, claim: .subspecialty(s), expiresAtTicks: expires),
                    as: .authority, kind: .attest(rad: r))
                rads[r].subspecialtiesAttested.append(s)
            }
        } else {
            let taken = rads[r].cohort.credentialedAtStart ? 0 : model.credentialing.clientTicks
            for c in clients.indices where clients[c].group.requiresCredentialing {
                guard rads[r].cohort.licences.contains(clients[c].group.jurisdiction) else { continue }
                submit(
                    .issueAttestation(
                        subject: subject, claim: .clientCredential(client: clients[c].party.address, ticksTaken: taken),
                        expiresAtTicks: expires), as: .authority, kind: .attest(rad: r))
                rads[r].credentialedClients.append(c)
            }
        }
    }

    /// Publishes the radiologist's current profile (registration first, updates after); claims are priced from
    /// what was published.
    func publish(_ r: Int) {
        let p = profile(r)
        rads[r].published = p
        rads[r].publishedAt = now
        if rads[r].registrationSent {
            submit(.updateRadiologist(p), as: .radiologist(r), kind: .update(rad: r))
        } else {
            rads[r].registrationSent = true
            submit(.registerRadiologist(p), as: .radiologist(r), kind: .register(rad: r))
        }
    }

    func profile(_ r: Int) -> RadiologistProfile {
        let rad = rads[r]
        var prices: [PriceEntry] = []
        for m in Modality.allCases {
            for u in Urgency.allCases {
                let p = rad.pricing.price(
                    for: m, urgency: u, queueLength: rad.held.count, multiplier: rad.priceMultiplier)
                if p > 0 { prices.append(PriceEntry(modality: m, urgency: u, price: p)) }
            }
        }
        return RadiologistProfile(
            subspecialties: rad.cohort.subspecialties, licences: rad.cohort.licences, prices: prices,
            capacity: UInt32(max(1, rad.cohort.claiming.maxQueue) * 4), available: rad.active,
            sealingKey: rad.party.sealing.publicKey)
    }

    /// Eligibility as the contracts check it, from the credentials the radiologist holds on chain.
    func eligible(_ r: Int, for s: Int) -> Bool {
        let rad = rads[r]
        guard rad.active, rad.registered else { return false }
        let c = clients[studies[s].client]
        guard rad.licences.contains(c.group.jurisdiction) else { return false }
        if let sub = studies[s].generated.study.subspecialty, !rad.subspecialtiesAttested.contains(sub) { return false }
        if c.group.requiresCredentialing, !rad.credentialedClients.contains(studies[s].client) { return false }
        return true
    }

    // MARK: Clients

    func arrival(_ c: Int) {
        let g = clients[c].cursor.next()
        if clients[c].cursor.peekArrivalTicks < spec.horizonTicks {
            at(clients[c].cursor.peekArrivalTicks, .arrival(client: c))
        }
        let group = clients[c].group
        let study = g.study
        var rec = StudyRecord(
            key: study.key.description, client: clients[c].name, clientType: group.type.rawValue,
            modality: study.modality, urgency: study.urgency, subspecialty: study.subspecialty,
            arrival: study.arrivalTicks, requiredTurnaround: group.turnaroundTicks[study.urgency],
            truthFinding: study.truth.hasFinding, truthSeverity: study.truth.severity?.rawValue,
            measured: study.arrivalTicks >= spec.warmupTicks)
        rec.posted = now
        records.append(rec)
        studies.append(LocalStudy(generated: g, client: c, record: records.count - 1))
        post(studies.count - 1)
    }

    /// Posts (or reposts) a study. `deadline` nil: a fresh turnaround from now (the first post, or a repost after
    /// a missed deadline); otherwise the order keeps that deadline (a new auction after an unsold one).
    func post(_ s: Int, deadline: Int64? = nil) {
        let c = studies[s].client
        let group = clients[c].group
        var fields = studies[s].generated.order(for: group)
        if case .intermediary(let i) = spec.design.mechanism {
            let surcharge: UInt64 = studies[s].generated.study.urgency == .stat ? group.statSurcharge : 0
            fields.maxPrice = i.clientPrices[studies[s].generated.study.modality] + surcharge
        }
        fields.deadlineTicks = deadline ?? now + group.turnaroundTicks[studies[s].generated.study.urgency]
        if case .postedPrice = spec.design.mechanism {
            fields.maxPrice = routedMaximum(s, willingness: fields.maxPrice, required: group.turnaroundTicks[studies[s].generated.study.urgency])
        }
        // The link is sealed to the client's own key (the escrowed copy); the ephemeral key is unique per post.
        let own = clients[c].party.sealing.publicKey
        let link = accessLink(s)
        let box = Sealing.seal(
            link, to: own,
            ephemeral: SealingKey.derive(label: "post-\(records[studies[s].record].key)-\(records[studies[s].record].reposts)", seed: spec.seed),
            info: Message.accessInfo(studyID: 0, recipient: own))
        fields.clientSealedLink = box
        let order = fields
        studies[s].deadline = fields.deadlineTicks
        studies[s].maxPrice = order.maxPrice
        studies[s].phase = .posting
        studies[s].assignee = nil
        studies[s].granted = false
        studies[s].bids = []
        studies[s].committedBids = 0
        studies[s].outcome = nil
        submit(.postStudy(order), as: .client(c), kind: .post(s))
    }

    /// The client's routing software (posted price): ranks the eligible radiologists by their public price,
    /// median turnaround, discrepancy rate, feedback and subspecialty, as the committed chain shows them, and caps
    /// the offer at the dearest of the best three, so those three (and anyone cheaper) can claim.
    func routedMaximum(_ s: Int, willingness: UInt64, required: Int64) -> UInt64 {
        let app = cluster.nodes[observer].app
        let study = studies[s].generated.study
        var candidates: [RoutingCandidate] = []
        for r in rads.indices where eligible(r, for: s) {
            guard let p = app.profile(of: rads[r].party.address), p.available,
                let price = p.price(for: study.modality, study.urgency)
            else { continue }
            let m = app.metrics(of: rads[r].party.address)
            candidates.append(
                RoutingCandidate(
                    id: r, price: price, medianTurnaroundTicks: m.medianTurnaroundTicks,
                    discrepancyRate: m.reviewed > 0 ? Double(m.discrepancies) / Double(m.reviewed) : nil,
                    meanFeedback: m.meanFeedbackMilli.map { Double($0) / 1000 }, subspecialties: p.subspecialties))
        }
        let ranked = routing.rank(
            candidates, maxPrice: willingness, requiredTurnaroundTicks: required, subspecialty: study.subspecialty)
        guard !ranked.isEmpty else { return willingness }
        return min(willingness, ranked.prefix(3).map(\.price).max()!)
    }

    func deadlinePassed(_ s: Int) {
        guard studies[s].phase == .open || studies[s].phase == .bidding || studies[s].phase == .assigned else { return }
        removeFromBook(s)
        if let r = studies[s].assignee {
            // A read in progress runs to its end (the reader learns of the expiry when its report fails).
            rads[r].held.removeAll { $0 == s }
            requestConsider(r, delay: Self.second)
        }
        repostOrGiveUp(s)
    }

    /// An auction closed without a valid bid: the client tries again after a back-off while the original deadline
    /// leaves room for another auction, then gives up.
    func rebidOrGiveUp(_ s: Int) {
        guard let a = auction else { return repostOrGiveUp(s) }
        let windows = a.biddingWindowTicks + a.revealWindowTicks
        let remaining = studies[s].deadline - now
        let backoff = min(2 * Self.hour, max(0, (remaining - windows) / 4))
        if remaining - backoff > windows + 5 * 60 * Self.second && now + backoff < spec.horizonTicks {
            studies[s].phase = .arrived
            at(now + backoff, .repost(study: s))
        } else {
            studies[s].phase = .expired
            records[studies[s].record].status = .expired
        }
    }

    func repostOrGiveUp(_ s: Int) {
        let rec = studies[s].record
        if records[rec].reposts < maxReposts && now < spec.horizonTicks {
            records[rec].reposts += 1
            post(s)
        } else {
            studies[s].phase = .expired
            records[rec].status = .expired
        }
    }

    /// The study's (synthetic) image-archive link: what the sealed boxes carry, never on chain in the clear.
    func accessLink(_ s: Int) -> [UInt8] {
        Array("https://pacs.example/\(studies[s].generated.record.salt.prefix(8).map(String.init).joined())".utf8)
    }

    func grant(_ s: Int, to r: Int) {
        guard let id = studies[s].chainID else { return }
        let recipient = rads[r].party.sealing.publicKey
        let link = accessLink(s)
        let box = Sealing.seal(
            link, to: recipient, ephemeral: SealingKey.derive(label: "grant-\(id)-\(r)", seed: spec.seed),
            info: Message.accessInfo(studyID: id, recipient: recipient))
        submit(.grantAccess(studyID: id, recipient: recipient, sealedLink: box), as: .client(studies[s].client), kind: .grant(s))
    }

    func sendFeedback(_ s: Int, _ score: Int) {
        guard let id = studies[s].chainID, now < spec.horizonTicks else { return }
        submit(.submitFeedback(studyID: id, score: UInt8(score)), as: .client(studies[s].client), kind: .feedback(s))
    }

    func followUp(_ s: Int) {
        guard let id = studies[s].chainID else { return }
        submit(.completeFollowUp(studyID: id), as: .client(studies[s].client), kind: .followUp(s))
    }

    // MARK: The book and assignment

    func insertIntoBook(_ s: Int) {
        let id = studies[s].chainID ?? 0
        var lo = 0
        var hi = book.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if (studies[book[mid]].chainID ?? 0) < id { lo = mid + 1 } else { hi = mid }
        }
        book.insert(s, at: lo)
    }

    func removeFromBook(_ s: Int) {
        if let i = book.firstIndex(of: s) { book.remove(at: i) }
    }

    /// A new study is on chain: the intermediary dispatches; on-shift radiologists look after a reaction delay.
    func announce(_ s: Int) {
        if designIsIntermediary {
            requestDispatch()
            return
        }
        for r in rads.indices where rads[r].onShift && rads[r].active && eligible(r, for: s) {
            let mean = 20.0 * Double(Self.second)
            let delay = Int64(-mean * log(1 - rads[r].behaviourStream.uniform()))
            var d = max(Self.second, delay)
            if studies[s].phase == .bidding {
                d = min(d, max(Self.second, studies[s].biddingEnds - now - 20 * Self.second))
            }
            requestConsider(r, delay: d)
        }
    }

    func requestConsider(_ r: Int, delay: Int64) {
        guard !rads[r].considerScheduled, !designIsIntermediary else {
            if designIsIntermediary { requestDispatch() }
            return
        }
        rads[r].considerScheduled = true
        at(now + delay, .consider(rad: r))
    }

    func requestDispatch() {
        guard designIsIntermediary, !dispatchScheduled else { return }
        dispatchScheduled = true
        at(now + 10 * Self.second, .dispatch)
    }

    /// A radiologist looks at the open studies and claims (posted price) or bids (auction) per its policy.
    func consider(_ r: Int) {
        let rad = rads[r]
        guard rad.active, rad.onShift, rad.registered else { return }
        // Stop taking work an expected read before the shift ends.
        let room = rad.cohort.claiming.maxQueue - rad.held.count - rad.pending.count
        guard room > 0 else { return }
        // Queue-responsive pricing republishes the price list as the queue moves (at most every 30 minutes).
        if rad.cohort.pricing.strategy == .queueResponsive, auction == nil, now - rad.publishedAt >= 30 * 60 * Self.second,
            let p = rad.published, p != profile(r)
        {
            publish(r)
        }
        var open: [OpenStudy] = []
        for s in book where eligible(r, for: s) && !rad.pending.contains(s) {
            let st = studies[s]
            let m = st.generated.study.modality
            let u = st.generated.study.urgency
            if st.phase == .bidding && now >= st.biddingEnds - Self.second { continue }
            if st.phase != .open && st.phase != .bidding { continue }
            // A claim pays the price on chain; a bid names its own.
            let price =
                st.phase == .bidding
                ? rad.pricing.price(for: m, urgency: u, queueLength: rad.held.count, multiplier: rad.priceMultiplier)
                : (rads[r].published?.price(for: m, u) ?? .max)
            if price > st.maxPrice { continue }
            let expected = Int64(rad.readingTime.meanTicks(m, speedFactor: rad.speedFactor, pace: rad.pace))
            if now + expected > rad.shiftEnd && !continuesAfterShift(r) { continue }
            if now + expected + queueTicks(r) > st.deadline { continue }
            open.append(
                OpenStudy(
                    id: st.chainID ?? 0, postedTicks: records[st.record].posted ?? 0, deadlineTicks: st.deadline,
                    price: price, expectedReadTicks: expected, subspecialty: st.generated.study.subspecialty,
                    competingBids: st.phase == .bidding ? st.committedBids : 0))
        }
        let chosen = rad.claiming.choose(from: open, held: rad.held.count + rad.pending.count, subspecialties: rad.cohort.subspecialties)
        for o in chosen {
            guard let s = byChainID[o.id] else { continue }
            rads[r].pending.append(s)
            if studies[s].phase == .bidding {
                bid(r, s, price: o.price, expected: o.expectedReadTicks)
            } else {
                submit(.claimStudy(studyID: o.id), as: .radiologist(r), kind: .claim(rad: r, study: s))
            }
        }
    }

    /// Expected time to read what the radiologist holds, ticks.
    func queueTicks(_ r: Int) -> Int64 {
        rads[r].held.reduce(0) { acc, s in
            acc + Int64(rads[r].readingTime.meanTicks(studies[s].generated.study.modality, speedFactor: rads[r].speedFactor, pace: rads[r].pace))
        }
    }

    func bid(_ r: Int, _ s: Int, price: UInt64, expected: Int64) {
        guard let id = studies[s].chainID else { return }
        let span = studies[s].deadline - studies[s].revealEnds
        let promised = min(max(Self.second, expected + queueTicks(r) + 10 * 60 * Self.second), span)
        let salt = Hash.sha256(domain: "readchain/market/salt", rads[r].party.address.bytes, bytesBE(id))
        let commitment = Message.bidCommitment(
            studyID: id, bidder: rads[r].party.address, price: price, turnaroundTicks: promised, salt: salt)
        studies[s].bids.append((r, price, promised))
        submit(.commitBid(studyID: id, commitment: commitment), as: .radiologist(r), kind: .commitBid(rad: r, study: s))
        at(studies[s].biddingEnds + 2 * Self.second, .reveal(rad: r, study: s))
    }

    func reveal(_ r: Int, _ s: Int) {
        guard let id = studies[s].chainID, studies[s].phase == .bidding,
            let b = studies[s].bids.first(where: { $0.rad == r })
        else { return }
        let salt = Hash.sha256(domain: "readchain/market/salt", rads[r].party.address.bytes, bytesBE(id))
        submit(
            .revealBid(studyID: id, price: b.price, turnaroundTicks: b.turnaround, salt: salt), as: .radiologist(r),
            kind: .revealBid(rad: r, study: s))
    }

    func finalise(_ s: Int) {
        guard let id = studies[s].chainID, studies[s].phase == .bidding else { return }
        submit(.finaliseAuction(studyID: id), as: .client(studies[s].client), kind: .finalise(s))
    }

    /// The intermediary assigns each open study, oldest first, to the eligible on-shift radiologist with the
    /// shortest queue, paying per wRVU.
    func dispatch() {
        guard case .intermediary(let terms) = spec.design.mechanism else { return }
        for s in book where studies[s].phase == .open {
            var best: Int?
            for r in rads.indices where rads[r].onShift && eligible(r, for: s) {
                let load = rads[r].held.count + rads[r].pending.count
                guard load < Int(profileCapacity(r)) else { continue }
                if let b = best, rads[b].held.count + rads[b].pending.count <= load { continue }
                best = r
            }
            guard let r = best, let id = studies[s].chainID else { continue }
            let m = studies[s].generated.study.modality
            let maxPay = studies[s].maxPrice - studies[s].maxPrice * UInt64(terms.marginBasisPoints) / 10_000
            let pay = min(maxPay, UInt64((Double(terms.payPerWRVU) * model.studyWRVU[m]).rounded()))
            rads[r].pending.append(s)
            studies[s].phase = .assigned  // in flight; corrected if the assignment fails
            submit(.assignStudy(studyID: id, radiologist: rads[r].party.address, pay: max(1, pay)), as: .intermediary,
                   kind: .assign(rad: r, study: s))
        }
    }

    func profileCapacity(_ r: Int) -> UInt32 { UInt32(max(1, rads[r].cohort.claiming.maxQueue) * 4) }

    func assigned(_ s: Int, to r: Int, receipt: Receipt, at t: Int64) {
        removeFromBook(s)
        studies[s].phase = .assigned
        studies[s].assignee = r
        let rec = studies[s].record
        records[rec].assigned = t
        let (price, pay): (UInt64, UInt64) =
            firstEvent(receipt) { if case .studyAssigned(_, _, let price, let pay) = $0 { (price, pay) } else { nil } }
            ?? (0, 0)
        records[rec].pricePaid = price
        records[rec].radiologistPay = 0
        records[rec].intermediaryMargin = designIsIntermediary ? price - min(price, pay) : 0
        records[rec].radiologist = r
        if t >= spec.warmupTicks { pricesThisHour.append(price) }
        rads[r].held.append(s)
        grant(s, to: r)
    }

    // MARK: Radiologists

    func scheduleNextShift(_ r: Int, after t: Int64) {
        guard rads[r].active, !rads[r].shiftDays.isEmpty else { return }
        let start = Int64(rads[r].cohort.shift.startHour) * Self.hour
        var day = t / Self.day
        while true {
            let begin = day * Self.day + start
            if begin >= t && rads[r].shiftDays.contains(Int(day % 7)) { break }
            day += 1
        }
        let begin = day * Self.day + start
        if begin < spec.horizonTicks { at(begin, .shiftStart(rad: r)) }
    }

    /// Whether the radiologist's next shift begins as this one ends (round-the-clock rosters).
    func continuesAfterShift(_ r: Int) -> Bool {
        let end = rads[r].shiftEnd
        let day = end / Self.day
        let start = Int64(rads[r].cohort.shift.startHour) * Self.hour
        return day * Self.day + start == end && rads[r].shiftDays.contains(Int(day % 7))
    }

    func shiftStart(_ r: Int) {
        guard rads[r].active else { return }
        var length = rads[r].cohort.shift.lengthTicks
        if rads[r].hoursCut { length = length * 3 / 4 }
        rads[r].onShift = true
        rads[r].shiftStart = now
        rads[r].shiftEnd = now + length
        rads[r].readsThisShift = 0
        rads[r].shiftWRVU = 0
        rads[r].pace = choosePace(r, shiftHours: Double(length) / Double(Self.hour))
        at(now + length, .shiftEnd(rad: r))
        if designIsIntermediary { requestDispatch() } else { requestConsider(r, delay: Self.second) }
        startNextRead(r)
    }

    func shiftEnd(_ r: Int) {
        rads[r].onShift = false
        rads[r].dayShiftTicks += now - max(rads[r].shiftStart, dayStart)
        scheduleNextShift(r, after: now)
    }

    /// The pace the pay terms make worthwhile (PaceChoice): per-read pay rewards speed; a value-based hold-back
    /// at risk on a detected error rewards accuracy.
    func choosePace(_ r: Int, shiftHours: Double) -> Double {
        let rad = rads[r]
        let pace = rad.cohort.pace
        guard !pace.isFixedAtOne else { return 1 }
        // The market's study mix (volume-weighted over every client), read at this radiologist's speed and paid
        // under this design's terms.
        var weight = 0.0
        var readTicks = 0.0
        var pay = 0.0
        var prevalence = 0.0
        for c in clients {
            for v in c.group.volumes {
                let w = v.studiesPerDay
                weight += w
                prevalence += w * v.findingPrevalence
                readTicks += w * rad.readingTime.meanTicks(v.modality, speedFactor: rad.speedFactor, pace: 1)
                if case .intermediary(let i) = spec.design.mechanism {
                    pay += w * Double(i.payPerWRVU) * model.studyWRVU[v.modality]
                } else {
                    pay += w * Double(rad.pricing.price(for: v.modality, urgency: v.urgency, multiplier: rad.priceMultiplier))
                }
            }
        }
        guard weight > 0 else { return 1 }
        let meanReadHours = readTicks / weight / Double(Self.hour)
        let typicalPay = pay / weight
        var holdback = 0.0
        var detection = 0.0
        if let v = valueBased {
            holdback = typicalPay * Double(v.holdbackBasisPoints) / 10_000
            detection = Double(model.peerReview.rateBasisPoints) / 10_000 * model.peerReview.detectionProbability
                + model.referrers.feedbackProbability * 0.5
        }
        let terms = PaceChoice.Terms(
            payPerRead: typicalPay,
            expectedLossPerError: PaceChoice.expectedLossPerError(holdback: holdback, detectionProbability: detection))
        return PaceChoice(errorModel: rad.errorModel).choose(
            terms: terms, meanReadHours: meanReadHours, shiftHours: shiftHours, prevalence: prevalence / weight,
            burnedOut: rad.burnout.isBurnedOut(stock: rad.stock))
    }

    func startNextRead(_ r: Int) {
        guard rads[r].reading == nil, rads[r].active else { return }
        // Radiologists finish what they hold, even past the shift's end; they start nothing new off shift unless
        // they hold it.
        let ready = rads[r].held.filter {
            studies[$0].granted && studies[$0].phase == .assigned && studies[$0].outcome == nil
        }
        guard let s = ready.min(by: { (studies[$0].deadline, $0) < (studies[$1].deadline, $1) }) else { return }
        guard rads[r].onShift || now < rads[r].shiftEnd + 4 * Self.hour else { return }
        rads[r].reading = s
        rads[r].readingChainID = studies[s].chainID
        rads[r].readingSince = now
        records[studies[s].record].readStart = now
        let m = studies[s].generated.study.modality
        let aiEffect = ai != nil ? model.ai.readingTimeEffectBasisPoints : 0
        let ticks = rads[r].readingTime.sampleTicks(
            m, speedFactor: rads[r].speedFactor, pace: rads[r].pace, aiEffectBasisPoints: aiEffect,
            stream: rads[r].readStream)
        at(now + ticks, .readDone(rad: r))
    }

    func readDone(_ r: Int) {
        guard let s = rads[r].reading else { return }
        rads[r].reading = nil
        let rad = rads[r]
        let spent = now - rad.readingSince
        rads[r].dayReadTicks += spent
        if !rad.onShift {
            // Overtime: finishing held work after the shift counts as hours worked.
            rads[r].dayShiftTicks += now - max(rad.readingSince, rad.shiftEnd, dayStart)
        }
        rads[r].dayReads += 1
        let m = studies[s].generated.study.modality
        rads[r].dayWRVU += model.studyWRVU[m]
        rads[r].readsThisShift += 1
        rads[r].shiftWRVU += model.studyWRVU[m]
        let hoursIn = Double(max(0, now - rad.shiftStart)) / Double(Self.hour)
        let shiftHours = Double(rad.shiftEnd - rad.shiftStart) / Double(Self.hour)
        // Shift volume in CT equivalents (wRVU ÷ a CT's wRVU): Ivanovic's threshold of 26 studies a shift was
        // measured on neuroradiology CT and MR, so 26 radiographs are not 26 studies' worth of load.
        let equivalents = Int((rads[r].shiftWRVU / model.studyWRVU[.ct]).rounded())
        let conditions = ReadConditions(
            pace: rad.pace, hoursIntoShift: hoursIn,
            shiftVolume: ErrorModel.projectedShiftVolume(
                readSoFar: max(0, equivalents - 1), hoursIntoShift: hoursIn, shiftHours: shiftHours),
            burnedOut: rad.burnout.isBurnedOut(stock: rad.stock),
            goodRequisition: studies[s].generated.study.requisitionHasClinicalQuestion)
        let truth = studies[s].generated.study.truth
        guard studies[s].chainID == rad.readingChainID, studies[s].assignee == r, studies[s].phase == .assigned else {
            // The assignment expired during the read and the study went to someone else: the read is wasted.
            rads[r].held.removeAll { $0 == s }
            startNextRead(r)
            if rads[r].onShift { requestConsider(r, delay: Self.second) }
            return
        }
        let outcome = rad.errorModel.read(
            truth: truth, conditions: conditions, ai: ai, datasetSize: model.ai.initialDataset + labels,
            stream: rads[r].errorStream)
        studies[s].outcome = outcome
        let rec = studies[s].record
        records[rec].readEnd = now
        records[rec].hoursIntoShift = hoursIn
        records[rec].shiftVolume = conditions.shiftVolume
        records[rec].pace = rad.pace
        records[rec].errorProbability =
            truth.hasFinding ? rad.errorModel.missProbability(conditions) : rad.errorModel.overcallProbability(conditions)
        records[rec].outcome = outcome.classification
        records[rec].discrepancy = outcome.discrepancy.rawValue
        records[rec].changedByAI = outcome.changedByAI
        if let id = studies[s].chainID, studies[s].phase == .assigned, now <= studies[s].deadline {
            let finding: [UInt16] = outcome.reportsFinding ? [truth.hasFinding ? truth.findingCode : 999] : []
            let follow = outcome.reportsFinding ? FollowUp(code: 1, withinTicks: 30 * Self.day) : nil
            let report = ReportSubmission(
                reportHash: Hash.sha256(domain: "readchain/market/report", Array(records[rec].key.utf8), bytesBE(id)),
                findings: finding, followUp: follow)
            submit(.submitReport(studyID: id, report: report), as: .radiologist(r), kind: .report(rad: r, study: s))
        } else {
            rads[r].held.removeAll { $0 == s }
        }
        startNextRead(r)
        if rads[r].onShift { requestConsider(r, delay: Self.second) }
    }

    func reported(_ s: Int, by r: Int, receipt: Receipt, ok: Bool, at t: Int64) {
        rads[r].held.removeAll { $0 == s }
        requestConsider(r, delay: Self.second)
        let rec = studies[s].record
        guard ok else { return }  // too late: the study expired (the client reposts)
        studies[s].phase = .reported
        records[rec].reportCommitted = t
        records[rec].status = .reported
        let (paid, holdback): (UInt64, UInt64) =
            firstEvent(receipt) { if case .settlement(_, _, let p, _, _, let kept) = $0 { (p, kept) } else { nil } }
            ?? (0, 0)
        records[rec].radiologistPay = paid
        studies[s].holdback = holdback
        if holdback == 0 { records[rec].settled = t }
        let outcome = studies[s].outcome ?? ReadResult(classification: .trueNegative, discrepancy: .none)
        records[rec].followUpRecommended = outcome.reportsFinding
        // Peer review when the chain sampled the study.
        if firstEvent(receipt, { if case .studySampled = $0 { true } else { nil } }) ?? false {
            if let reviewer = chooseReviewer(for: s, author: r) {
                studies[s].reviewer = reviewer
                at(t + model.peerReview.delayTicks, .review(rad: reviewer, study: s))
            }
        }
        // Referrer feedback: a noisy function of quality and turnaround.
        let c = studies[s].client
        if let score = referrer.feedback(
            discrepancy: outcome.discrepancy, turnaroundTicks: t - records[rec].arrival,
            requiredTicks: records[rec].requiredTurnaround, stream: clients[c].feedbackStream)
        {
            records[rec].feedback = score
            at(t + 2 * Self.hour, .feedback(study: s, score: score))
        }
        if outcome.reportsFinding { at(t + 7 * Self.day, .followUp(study: s)) }
    }

    func chooseReviewer(for s: Int, author: Int) -> Int? {
        let n = rads.count
        for k in 0..<n {
            let r = (reviewerCursor + k) % n
            guard r != author, rads[r].active, rads[r].registered else { continue }
            let c = clients[studies[s].client]
            guard rads[r].licences.contains(c.group.jurisdiction) else { continue }
            if let sub = studies[s].generated.study.subspecialty, !rads[r].subspecialtiesAttested.contains(sub) {
                continue
            }
            reviewerCursor = r + 1
            return r
        }
        return nil
    }

    func review(_ r: Int, _ s: Int) {
        guard let id = studies[s].chainID, now < spec.horizonTicks else { return }
        let outcome = studies[s].outcome ?? ReadResult(classification: .trueNegative, discrepancy: .none)
        let score = peerReviewModel.score(outcome, stream: rads[r].reviewStream)
        let rec = studies[s].record
        records[rec].reviewScore = score
        records[rec].detected = outcome.classification.isError ? score.isDiscrepancy : nil
        let truth = studies[s].generated.study.truth
        let code = truth.hasFinding ? truth.findingCode : 0
        submit(
            .submitPeerReview(
                studyID: id, score: score,
                labels: [FindingLabel(findingCode: code, outcome: outcome.classification)]),
            as: .radiologist(r), kind: .review(rad: r, study: s))
    }

    // MARK: Days and samples

    func dayEnd() {
        let app = cluster.nodes[observer].app
        for r in rads.indices {
            if rads[r].onShift {
                rads[r].dayShiftTicks += now - max(rads[r].shiftStart, dayStart)
            }
            let wasActive = rads[r].active
            let balance = app.balance(of: rads[r].party.address)
            let fees = rads[r].party.feesToday
            let income = balance + fees > rads[r].lastBalance ? balance + fees - rads[r].lastBalance : 0
            rads[r].lastBalance = balance
            rads[r].party.feesToday = 0
            var exited = false
            var cut = false
            if wasActive {
                rads[r].stock = rads[r].burnout.update(stock: rads[r].stock, workloadWRVU: rads[r].dayWRVU)
                let u = rads[r].behaviourStream.uniform()
                let v = rads[r].behaviourStream.uniform()
                if u < rads[r].burnout.dailyExitProbability(stock: rads[r].stock) {
                    exited = true
                    leave(r)
                } else if !rads[r].hoursCut, v < rads[r].burnout.dailyHoursCutProbability(stock: rads[r].stock) {
                    rads[r].hoursCut = true
                    cut = true
                }
                days.append(
                    RadiologistDayRecord(
                        radiologist: r, cohort: rads[r].cohort.name, day: dayNumber,
                        hoursOnShift: Double(rads[r].dayShiftTicks) / Double(Self.hour),
                        hoursReading: Double(rads[r].dayReadTicks) / Double(Self.hour), reads: rads[r].dayReads,
                        wRVU: rads[r].dayWRVU, income: income, pace: rads[r].pace, burnout: rads[r].stock,
                        burnedOut: rads[r].burnout.isBurnedOut(stock: rads[r].stock), active: rads[r].active,
                        exited: exited, cutHours: cut))
            }
            rads[r].dayShiftTicks = 0
            rads[r].dayReadTicks = 0
            rads[r].dayReads = 0
            rads[r].dayWRVU = 0
            // Income-target pricing adjusts daily; a changed price list is published on chain.
            if rads[r].active, rads[r].cohort.pricing.strategy == .incomeTarget {
                let hours = days.last?.hoursOnShift ?? 0
                let perHour = hours > 0 ? Double(income) / hours : 0
                let utilisation = hours > 0 ? (days.last?.hoursReading ?? 0) / hours : 0
                let next = rads[r].pricing.dailyAdjustment(
                    multiplier: rads[r].priceMultiplier, incomePerHour: perHour, utilisation: utilisation)
                if hours > 0, abs(next - rads[r].priceMultiplier) > 1e-9 {
                    rads[r].priceMultiplier = next
                    publish(r)
                }
            }
        }
        dayNumber += 1
        dayStart = now
        if now + Self.day <= spec.horizonTicks { at(now + Self.day, .dayEnd) }
    }

    /// A radiologist leaves the market: publishes unavailability; what it holds expires and is reposted.
    func leave(_ r: Int) {
        rads[r].active = false
        rads[r].onShift = false
        publish(r)
    }

    func sample() {
        var open = 0
        var inProgress = 0
        for s in book where studies[s].phase == .open || studies[s].phase == .bidding { open += 1 }
        for r in rads.indices { inProgress += rads[r].held.count }
        let onShift = rads.filter { $0.onShift && $0.active }
        let reading = onShift.filter { $0.reading != nil }.count
        samples.append(
            MarketSample(
                time: now, openOrders: open, inProgress: inProgress,
                meanPrice: pricesThisHour.isEmpty
                    ? nil : Double(pricesThisHour.reduce(0, +)) / Double(pricesThisHour.count),
                onShift: onShift.count, utilisation: onShift.isEmpty ? 0 : Double(reading) / Double(onShift.count),
                activeRadiologists: rads.filter(\.active).count,
                burnedOut: rads.filter { $0.active && $0.burnout.isBurnedOut(stock: $0.stock) }.count,
                datasetSize: model.ai.initialDataset + labels))
        pricesThisHour = []
        if now + Self.hour <= spec.horizonTicks { at(now + Self.hour, .sample) }
    }
}

func bytesBE(_ x: UInt64) -> [UInt8] { withUnsafeBytes(of: x.bigEndian) { Array($0) } }
