// The market world: clients, radiologists, the intermediary, peer reviewers, referrers and the credentialing
// authority acting through signed transactions on an in-process BFT chain (`ChainCluster<ReadChainApp, Event>`),
// all on the cluster's one simulated clock. The actors are value state machines (World/Actors); this world is
// their driver (MarketWorld+Actors.swift), the `ChainGateway` their way onto the chain, the `Recorder` their
// records.
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
    /// Whether the in-process validators share executed blocks (the default: each block is executed once per
    /// distinct parent state) or each executes every block, as separate machines would. Results are identical.
    public var sharedExecution = true
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

    /// Runs like `run`, then hands `inspect` the finished chain's validators and every study's off-chain record (the
    /// audits and privacy checks of the tests look at what the chain actually stored).
    public static func run(
        _ spec: MarketRunSpec, inspect: ([ChainNode<ReadChainApp>], [GeneratedStudy]) -> Void
    ) throws -> MarketRunResult {
        let world = try MarketWorld(spec)
        let result = try world.run()
        inspect(world.cluster.nodes, world.studies.map(\.generated))
        return result
    }
}

// MARK: - The world

/// The driver: it owns the cluster's clock, the actors (clients and their referrers, radiologists, the
/// intermediary, the peer-review programme), the studies as the market sees them, the chain gateway and the
/// recorder. It hands each event to the actor it concerns and carries out the actions returned, in order.
final class MarketWorld {
    /// Blocks each validator keeps (about four simulated days of the default market; `NodeConfig.retainBlocks`):
    /// a year-long run's memory then grows with the market's state, not with every block (unless the run records its
    /// chain for replay, `MarketRunSpec.recordChain`: those bytes are kept until the run ends). The run's records
    /// (`ChainBlockRecord`) are taken at commit, so nothing the results need is dropped.
    static let retainedBlocks = 10_000
    static let hour = SimTime.ticksPerHour
    static let day = SimTime.ticksPerDay
    static let second = SimTime.ticksPerSecond

    /// The world's events on the cluster's clock: the actors' timers and the world's own.
    enum Event {
        case client(ClientID, Client.Timer)
        case radiologist(RadiologistID, Radiologist.Timer)
        /// The intermediary's dispatch timer.
        case dispatch
        case peerReview(reviewer: RadiologistID, study: StudyID)
        /// The gateway checks that transaction `tx` committed.
        case resubmit(tx: Int)
        case dayEnd
        case sample
        /// Scheduled membership change k (`chain.membership[k]`) is due: the first operator proposes it.
        case membership(Int)
    }

    let spec: MarketRunSpec
    let model: MarketParameters
    let terms: MarketTerms
    let chainID: String
    let cluster: ChainCluster<ReadChainApp, Event>
    let streams: RandomStreams
    var clients: [Client] = []
    /// Each client's referring clinicians, by `ClientID`.
    var referrers: [Referrer] = []
    var rads: [Radiologist] = []
    var intermediary = Intermediary()
    var peerReviewer: PeerReviewer
    var gateway: ChainGateway
    var recorder: Recorder

    var studies: [LocalStudy] = []
    /// The study records, by `StudyID` (kept by the recorder).
    var records: [StudyRecord] {
        get { recorder.studies }
        _modify { yield &recorder.studies }
    }
    var byChainID: [UInt64: StudyID] = [:]
    /// Open (posted-price / intermediary) or bidding studies in chain id order, as the agents see them.
    /// The open orders (``OrderBook``): `orders.byChainID` is the book in chain id order.
    var orders = OrderBook()
    /// Profiles and metrics the routing software read from the observer's state, decoded once per stored value.
    let recordMemo = RecordMemo()
    /// Consults awaiting the referrers' reply, by client index (``MarketView/pendingConsults``).
    var pendingConsults: [Int] = []
    /// `Genesis.canonicalBytes` of the chain's application, and the nodes' transaction size limit.
    let genesisBytes: [UInt8]
    let maxTxBytes: Int
    /// Labels adjudicated on chain (the AI's dataset grows with them).
    var labels = 0
    var dayNumber = 0
    var dayStart: Int64 = 0
    /// The node whose commits the agents see (the first to commit the latest height).
    var observer = 0
    /// Membership changes adopted on chain (`chain.membership`), in order.
    var validatorChanges: [ValidatorChangeRecord] = []
    var lastProgress = 0.0

    init(_ spec: MarketRunSpec) throws {
        self.spec = spec
        model = spec.model
        let seed = spec.seed
        chainID = spec.design.chainID
        streams = RandomStreams(seed: seed, replication: spec.replication)
        let validators = model.chain.validators.count
        let scheme = SignatureScheme(model.chain.signatures)
        let authority = Party(label: "authority", seed: seed, gateway: 0, scheme: scheme)
        let intermediaryParty = Party(
            label: "intermediary", seed: seed, gateway: 1 % max(1, validators), scheme: scheme)
        let operators = (0..<validators).map {
            Party(label: "validator-operator-\($0)", seed: seed, gateway: $0, scheme: scheme)
        }
        recorder = Recorder(
            warmupTicks: spec.warmupTicks, recordChain: spec.recordChain, chainSink: spec.chainSink,
            chainChunkBlocks: spec.chainChunkBlocks)

        // Agents.
        var gatewayCounter = 2
        let nodeCount = max(1, validators)
        func nextGateway() -> Int {
            defer { gatewayCounter += 1 }
            return gatewayCounter % nodeCount
        }
        var clientParties: [Party] = []
        for group in model.clients {
            for k in 0..<group.count {
                let generator: StudyGenerator
                do { generator = try StudyGenerator(group: group, clientNumber: k + 1) } catch {
                    throw MarketSimulationError("client group \(group.name): \(error)")
                }
                let party = Party(
                    label: "client-\(generator.clientName)", seed: seed, gateway: nextGateway(), scheme: scheme)
                clientParties.append(party)
                clients.append(
                    Client(
                        id: ClientID(clients.count), name: generator.clientName, group: group, address: party.address,
                        sealingKey: party.sealing.publicKey, cursor: generator.cursor(streams)))
                referrers.append(
                    Referrer(
                        model: ReferrerFeedback(parameters: model.referrers),
                        stream: streams.stream("feedback.\(generator.clientName)")))
            }
        }
        terms = MarketTerms(
            model: model, design: spec.design, seed: seed, horizonTicks: spec.horizonTicks,
            warmupTicks: spec.warmupTicks, clientGroups: clients.map(\.group),
            clientAddresses: clientParties.map(\.address))
        pendingConsults = Array(repeating: 0, count: clients.count)
        var radParties: [Party] = []
        for (ci, cohort) in model.cohorts.enumerated() {
            let readingTime: ReadingTimeModel
            do { readingTime = try ReadingTimeModel(readingTime: cohort.readingTime) } catch {
                throw MarketSimulationError("cohort \(cohort.name): \(error)")
            }
            for k in 0..<cohort.count {
                let party = Party(
                    label: "radiologist-\(cohort.name)-\(k + 1)", seed: seed, gateway: nextGateway(), scheme: scheme)
                radParties.append(party)
                rads.append(
                    Radiologist(
                        id: RadiologistID(rads.count), cohortIndex: ci, cohort: cohort, number: k,
                        address: party.address, sealingKey: party.sealing.publicKey, readingTime: readingTime,
                        streams: streams))
            }
        }
        // One replacement per cohort, after every cohort's radiologists (so their ids do not move): it joins when a
        // radiologist of its cohort leaves and is credentialed before it reads.
        for (ci, cohort) in model.cohorts.enumerated() {
            let readingTime = try? ReadingTimeModel(readingTime: cohort.readingTime)
            guard let readingTime else { continue }
            let party = Party(
                label: "radiologist-\(cohort.name)-\(cohort.count + 1)", seed: seed, gateway: nextGateway(),
                scheme: scheme)
            radParties.append(party)
            rads.append(
                Radiologist(
                    id: RadiologistID(rads.count), cohortIndex: ci, cohort: cohort, number: cohort.count,
                    address: party.address, sealingKey: party.sealing.publicKey, readingTime: readingTime,
                    streams: streams, replacement: true))
        }
        let reviewStreams = rads.map { "review.\($0.cohort.name)-\($0.number + 1)" }
        peerReviewer = PeerReviewer(
            model: PeerReviewModel(parameters: model.peerReview), streams: reviewStreams.map(streams.stream))
        // Validator operators sign governance transactions only when the scenario schedules membership changes (so a
        // scenario without them keeps its genesis, and every byte of its chain, as before).
        let operatorParties =
            model.chain.membership.isEmpty
            ? []
            : model.chain.operators.enumerated().map { k, o in
                Party(label: "operator-\(o.name)", seed: seed, gateway: k % nodeCount, scheme: scheme)
            }
        gateway = ChainGateway(
            chainID: chainID, minFee: model.chain.fees.minFee, perByte: model.chain.fees.perByte,
            validators: validators, clients: clientParties, radiologists: radParties, authority: authority,
            intermediary: intermediaryParty, operators: operators, governors: operatorParties)
        let chain = try Self.makeCluster(
            spec: spec, chainID: chainID, clients: clientParties.map(\.address),
            radiologists: radParties.map(\.address),
            authority: authority, intermediary: intermediaryParty, operators: operatorParties,
            randomness: Self.randomnessParticipants(operators, seed: seed, replication: spec.replication))
        cluster = chain.cluster
        genesisBytes = chain.genesisBytes
        maxTxBytes = chain.maxTxBytes
    }

    // MARK: Events

    func at(_ t: Int64, _ e: Event) {
        cluster.scheduleExternal(e, at: SimTime(ticks: t))
    }

    var now: Int64 { cluster.now.ticks }

    /// What the actors see now. Build it in the call to an actor's `handle` (a temporary), so that it is gone when
    /// the world changes its tables.
    func view() -> MarketView {
        MarketView(
            terms: terms, now: now, dayStart: dayStart, labels: labels, studies: studies, records: records,
            orders: orders,
            byChainID: byChainID, pendingConsults: pendingConsults)
    }

    func fire(_ e: Event) {
        switch e {
        case .client(let c, let timer): tell(c, .timer(timer))
        case .radiologist(let r, let timer): tell(r, .timer(timer))
        case .dispatch: tellIntermediary(.dispatch)
        case .peerReview(let r, let s): tellPeerReview(.due(reviewer: r, study: s))
        case .resubmit(let k): perform(gateway.resubmit(k, now: now, isUp: cluster.isUp))
        case .dayEnd: dayEnd()
        case .sample: sample()
        case .membership(let k): proposeMembershipChange(k)
        }
    }

    // MARK: Running

    func run() throws -> MarketRunResult {
        cluster.onExternal = { [unowned self] in self.fire($0) }
        cluster.onCommit = { [unowned self] record, node in self.committed(record, node: node) }
        cluster.onTxResult = { [unowned self] hash, check, _ in self.gateway.admission(hash, check) }
        reveal(epoch: 0)
        for r in rads.ids { tell(r, .enter) }
        for c in clients.ids { tell(c, .planArrivals) }
        for r in rads.ids { tell(r, .planShifts) }
        at(Self.day, .dayEnd)
        at(Self.hour, .sample)
        for (k, m) in model.chain.membership.enumerated() { at(m.atTicks, .membership(k)) }
        cluster.run(until: SimTime(ticks: spec.horizonTicks))
        if let error = recorder.chainSinkError { throw error }
        cluster.finish()
        return result()
    }

    func result() -> MarketRunResult {
        let app = cluster.nodes[observer].app
        for (i, s) in zip(studies.ids, studies) {
            if let id = s.chainID, s.phase == .reported, s.holdback > 0, let st = app.study(id), st.holdback == 0 {
                // Released by time-out in an end-of-block step (not a transaction): count it as paid.
                records[i].radiologistPay += s.holdback
                records[i].settled = st.reportedAtTicks + (terms.valueBased?.holdbackTimeoutTicks ?? 0)
            }
        }
        let headline = MarketMetrics.compute(
            studies: records, days: recorder.days, blocks: recorder.blocks, commitLatencies: recorder.commitLatencies,
            warmupTicks: spec.warmupTicks, horizonTicks: spec.horizonTicks, minorPerMajor: model.currency.minorPerMajor)
        let submitted = gateway.txs.count
        var result = MarketRunResult(
            design: spec.design.name, replication: spec.replication, studies: records, radiologistDays: recorder.days,
            samples: recorder.samples, blocks: recorder.blocks, headline: headline, chainDigest: cluster.digest.hex,
            stateRoot: app.stateRoot.hex, transactionsSubmitted: submitted, transactionsCommitted: gateway.committed,
            transactionsFailed: recorder.failedInBlocks, transactionsRefused: gateway.refused,
            signatureVerifications: cluster.realVerifications, signaturesMade: submitted,
            events: cluster.metrics.eventsHandled, oracleViolations: cluster.oracle.violations)
        result.signatures = model.chain.signatures
        result.validatorChanges = validatorChanges
        if spec.recordChain {
            result.chain = recorder.recordedChain(chainID: chainID, maxTxBytes: maxTxBytes, genesis: genesisBytes)
        }
        return result
    }
}

func bytesBE(_ x: UInt64) -> [UInt8] { withUnsafeBytes(of: x.bigEndian) { Array($0) } }
