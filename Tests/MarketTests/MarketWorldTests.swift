import Contracts
import Foundation
import Ledger
import Market
import MarketModel
import Network
import Scenario
import Synchronization
import Testing

/// The repository's Scenarios/ folder.
let scenariosDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Scenarios").path

func loadMarket(_ relative: String) throws -> (ScenarioFile, MarketParameters) {
    let file = try ScenarioLoader.load(path: scenariosDirectory + "/" + relative)
    guard case .market(let m) = file.model else { throw MarketSimulationError("\(relative) is not a market") }
    return (file, m)
}

/// Runs `specs` on both cores, results in order.
func runAll(_ specs: [MarketRunSpec]) throws -> [MarketRunResult] {
    let box = Mutex<[Result<MarketRunResult, any Error>?]>(Array(repeating: nil, count: specs.count))
    DispatchQueue.concurrentPerform(iterations: specs.count) { i in
        let r = Result { try MarketSimulation.run(specs[i]) }
        box.withLock { $0[i] = r }
    }
    return try box.withLock { try $0.map { try $0!.get() } }
}

@Suite("Market world on the chain")
struct MarketWorldTests {
    /// Every design of the default market runs through the chain: the oracle finds nothing, no transaction is
    /// refused at admission, studies are read and reported, and the money adds up per study.
    @Test func everyDesignRunsThroughTheChain() throws {
        let (file, model) = try loadMarket("default.yaml")
        let results = try runAll(
            model.designs.map {
                MarketRunSpec(
                    model: model, design: $0, seed: file.seed, replication: 0, horizonTicks: dayTicks,
                    warmupTicks: 0)
            })
        for r in results {
            #expect(r.oracleViolations.isEmpty, "\(r.design): \(r.oracleViolations)")
            #expect(r.transactionsRefused == 0, "\(r.design)")
            #expect(r.transactionsCommitted > 0 && r.transactionsCommitted <= r.transactionsSubmitted)
            let reported = r.studies.filter { $0.status == .reported }
            #expect(reported.count > r.studies.count / 2, "\(r.design): \(reported.count) of \(r.studies.count)")
            for s in reported {
                #expect(s.reportCommitted! >= s.readEnd! && s.readEnd! >= s.readStart! && s.readStart! >= s.assigned!)
                #expect(s.assigned! >= s.firstCommitted! && s.firstCommitted! >= s.arrival)
                #expect(s.radiologistPay + s.intermediaryMargin <= s.pricePaid, "\(r.design) \(s.key)")
            }
            if r.design == "intermediary" {
                #expect(reported.allSatisfy { $0.intermediaryMargin > 0 })
            } else {
                #expect(reported.allSatisfy { $0.intermediaryMargin == 0 })
            }
            // Every transaction in a block is an agent's.
            #expect(r.blocks.reduce(0) { $0 + $1.transactions } == r.transactionsCommitted)
        }
        // Common random numbers: every design sees the same arrivals and latent findings.
        let keys = results.map { $0.studies.map { "\($0.key) \($0.arrival) \($0.truthFinding)" } }
        #expect(keys.allSatisfy { $0 == keys[0] })
    }

    /// Same scenario, same seed: the same chain and the same records, run twice in one process.
    @Test func sameSeedSameChainAndRecords() throws {
        let (file, model) = try loadMarket("default.yaml")
        let design = try #require(model.designs.first { $0.name == "auction" })
        let spec = MarketRunSpec(
            model: model, design: design, seed: file.seed, replication: 1, horizonTicks: 6 * hourTicks,
            warmupTicks: 0)
        let (a, b) = (try MarketSimulation.run(spec), try MarketSimulation.run(spec))
        #expect(a.chainDigest == b.chainDigest)
        #expect(a.stateRoot == b.stateRoot)
        #expect(a.studies == b.studies)
        #expect(a.radiologistDays == b.radiologistDays)
        #expect(a.blocks == b.blocks)
        // Each validator verifying for itself (as separate machines) changes the real work, not the results.
        var perNode = spec
        perNode.signatureCaches = .perNode
        let c = try MarketSimulation.run(perNode)
        #expect(c.chainDigest == a.chainDigest && c.studies == a.studies)
        #expect(c.signatureVerifications > a.signatureVerifications)
        // Each validator executing every block for itself (issue 16 item 2) changes nothing either.
        var ownExecution = spec
        ownExecution.sharedExecution = false
        let d = try MarketSimulation.run(ownExecution)
        #expect(d.chainDigest == a.chainDigest && d.stateRoot == a.stateRoot && d.studies == a.studies)
        #expect(d.radiologistDays == a.radiologistDays && d.blocks == a.blocks)
        #expect(d.signatureVerifications == a.signatureVerifications)
        var other = spec
        other.seed += 1
        #expect(try MarketSimulation.run(other).chainDigest != a.chainDigest)
    }

    /// A chain sink gets consecutive heights from 1 while the run goes on and the result keeps the rest; a sink
    /// that throws stops the run with its error.
    @Test func chainSinkGetsHeightsInOrderAndItsErrorStopsTheRun() throws {
        let (file, model) = try loadMarket("default.yaml")
        let design = try #require(model.designs.first { $0.name == "posted-price" })
        var spec = MarketRunSpec(
            model: model, design: design, seed: file.seed, replication: 0, horizonTicks: 2 * hourTicks, warmupTicks: 0)
        let whole = try MarketSimulation.run(spec)
        let chain = try #require(whole.chain)
        final class Chunks: @unchecked Sendable { var all: [RecordedChainChunk] = [] }
        let got = Chunks()
        spec.chainChunkBlocks = 5
        spec.chainSink = { got.all.append($0) }
        let streamed = try MarketSimulation.run(spec)
        let rest = try #require(streamed.chain)
        #expect(got.all.count >= 2, "\(chain.blocks.count) blocks")
        var next: Int64 = 1
        for c in got.all {
            #expect(c.firstHeight == next && c.blocks.map(\.height) == Array(next..<next + Int64(c.blocks.count)))
            next += Int64(c.blocks.count)
        }
        #expect(rest.firstHeight == next)
        #expect(got.all.flatMap(\.blocks) + rest.blocks == chain.blocks)
        #expect(streamed.chainDigest == whole.chainDigest && streamed.studies == whole.studies)

        struct Full: Error {}
        let calls = Chunks()
        spec.chainSink = { chunk in
            calls.all.append(chunk)
            throw Full()
        }
        var threw = false
        do { _ = try MarketSimulation.run(spec) } catch is Full { threw = true }
        #expect(threw, "the sink's error ends the run")
        #expect(calls.all.count == 1, "the run stopped at the first failed hand-over, not at the horizon")
    }

    /// Hanna 2018 / Ivanovic (domain-parameters.md §4 "Time into shift at error", "Neuroradiology error rate vs
    /// studies per shift"): in the simulated market, with the default parameters, reads late in a shift and reads
    /// in high-volume shifts are more often wrong. Checked on the error model's probability at each read's actual
    /// conditions (the expectation, free of sampling noise), and the observed errors must agree with those
    /// probabilities (a z-test), so the world feeds the model the conditions it records.
    @Test func errorsRiseWithHoursIntoShiftAndShiftVolume() throws {
        let (file, base) = try loadMarket("default.yaml")
        var model = base
        model.ai.enabled = false  // compare human reads with the human error model
        let designs = model.designs.filter { $0.name == "posted-price" || $0.name == "intermediary" }
        let results = try runAll(
            designs.map {
                MarketRunSpec(
                    model: model, design: $0, seed: file.seed, replication: 0, horizonTicks: 2 * dayTicks,
                    warmupTicks: 0)
            })
        let reads = results.flatMap { $0.studies }.filter { $0.outcome != nil && $0.errorProbability != nil }
        #expect(reads.count > 1000)
        func rate(_ xs: [StudyRecord]) -> Double { xs.map { $0.errorProbability! }.reduce(0, +) / Double(xs.count) }
        let early = reads.filter { $0.hoursIntoShift! < 8 }
        let late = reads.filter { $0.hoursIntoShift! >= 8 }
        #expect(!late.isEmpty)
        #expect(rate(late) > 1.1 * rate(early), "late \(rate(late)) vs early \(rate(early))")
        // Ivanovic: more than 26 studies a shift gives 2.58 vs 1.59 errors per 1,000 (ratio 1.62); both groups are
        // required to exist (two days of the default market have light and heavy shifts). A read is classified by
        // its shift's realised volume in CT equivalents, as Ivanovic classified shifts (by the volume projected at
        // the read, a shift's first-hour reads would all count as light).
        // Shifts of one length, as Ivanovic compared: the 10-hour shifts (the 12-hour overnight shift adds hours of
        // fatigue that would confound volume).
        let v = MarketLevels.volumeErrorRatio(results, warmupDays: 0, model: model, shiftHours: 10)
        try #require(v.heavyReads >= 100 && v.lightReads >= 100, "heavy \(v.heavyReads), light \(v.lightReads)")
        #expect(v.ratio > 1, "heavy/light error-probability ratio \(v)")
        #expect(MarketLevels.agreesWithIvanovic(v), "heavy/light error-probability ratio \(v) (Ivanovic 1.62)")
        // Observed errors agree with the model's probabilities.
        let expected = reads.map { $0.errorProbability! }.reduce(0, +)
        let variance = reads.map { $0.errorProbability! * (1 - $0.errorProbability!) }.reduce(0, +)
        let observed = Double(reads.filter { $0.outcome?.isError == true }.count)
        let z = (observed - expected) / variance.squareRoot()
        #expect(abs(z) < 4, "observed \(observed) errors vs expected \(expected) (z = \(z))")
    }

    /// RADPEER (domain-parameters.md §4 "RADPEER score distribution", "Peer review (RADPEER pilot)"): with the
    /// default parameters, peer review concurs on 92–97% of reads (92.3% overnight paediatric neuro CT; 96.3% in
    /// the pilot), and score-2 disagreements outnumber score-3 ones (4.7% vs 1.4%).
    @Test func peerReviewScoreSplitMatchesRadpeer() throws {
        let (file, base) = try loadMarket("default.yaml")
        var model = base
        model.peerReview.rateBasisPoints = 10_000  // review every study: the split, not the sampling, is tested
        model.peerReview.delayTicks = hourTicks
        let design = try #require(model.designs.first { $0.name == "posted-price" })
        let r = try MarketSimulation.run(
            MarketRunSpec(
                model: model, design: design, seed: file.seed, replication: 0, horizonTicks: 2 * dayTicks,
                warmupTicks: 0))
        let reviewed = r.studies.filter { $0.peerReviewed }
        #expect(reviewed.count > 300)
        let concur = Double(reviewed.filter { $0.reviewScore == .concur }.count) / Double(reviewed.count)
        let twos = reviewed.filter { $0.reviewScore?.level == 2 }.count
        let threes = reviewed.filter { $0.reviewScore?.level == 3 }.count
        #expect(concur > 0.88 && concur < 0.975, "concur share \(concur)")
        #expect(twos > threes)
        #expect(r.metric("radpeer_discrepancy_rate").map { abs($0 - (1 - concur)) < 0.02 } ?? false)
    }
}

@Suite("Market workforce")
struct MarketWorkforceTests {
    /// Leavers are replaced through credentialing on the chain: with exits forced (everyone burned out, the exit
    /// hazard at its cap), replacements join the day a radiologist of their cohort leaves, cannot read until their
    /// licence attestation (1 day here) has committed, then read. A replacement never joins unless someone left.
    @Test func leaversAreReplacedAfterCredentialing() throws {
        let (file, base) = try loadMarket("default.yaml")
        var model = base
        model.credentialing = Credentialing(licenceTicks: dayTicks, clientTicks: dayTicks)
        for i in model.cohorts.indices {
            model.cohorts[i].burnout.threshold = 0.001
            model.cohorts[i].burnout.annualAttritionBasisPoints = 10_000
            model.cohorts[i].burnout.exitHazardMultiplier = 1_000
        }
        let design = try #require(model.designs.first { $0.name == "posted-price" })
        let r = try MarketSimulation.run(
            MarketRunSpec(
                model: model, design: design, seed: file.seed, replication: 0, horizonTicks: 8 * dayTicks,
                warmupTicks: 0))
        let regulars = model.cohorts.reduce(0) { $0 + $1.count }
        let exits = r.radiologistDays.filter(\.exited)
        try #require(!exits.isEmpty, "no radiologist left: the test's forcing is too weak")
        let replacementDays = r.radiologistDays.filter { $0.radiologist >= regulars }
        #expect(!replacementDays.isEmpty, "no replacement joined after \(exits.count) exits")
        let firstExitDay = exits.map(\.day).min()!
        // A replacement's first day is no earlier than the first exit; it reads only after its licence (1 day).
        #expect(replacementDays.allSatisfy { $0.day >= firstExitDay })
        let readingDays = replacementDays.filter { $0.reads > 0 }
        #expect(!readingDays.isEmpty, "replacements never read")
        #expect(readingDays.allSatisfy { $0.day >= firstExitDay + 1 })
        // Without exits nobody joins.
        let calm = try MarketSimulation.run(
            MarketRunSpec(
                model: base, design: design, seed: file.seed, replication: 0, horizonTicks: dayTicks, warmupTicks: 0))
        #expect(calm.radiologistDays.allSatisfy { $0.radiologist < regulars || !$0.active })
    }
}

@Suite("Market privacy")
struct MarketPrivacyTests {
    /// No patient data on chain: every synthetic patient identifier of every study (medical record number, name,
    /// date of birth, requisition text) is searched for in every stored block (transactions, headers, commits)
    /// of every validator and in every key and value of the final state, under every design, and under posted
    /// prices with shared clinical context and consults (issue 18 item 1), whose orders carry a sealed link to the
    /// clinical summary. None may appear; nor may the image or clinical-summary links in the clear.
    @Test func noSyntheticIdentifierReachesTheChain() throws {
        let (file, model) = try loadMarket("default.yaml")
        let sharing = MarketDesignSpec(
            name: "posted-price-sharing", mechanism: .postedPrice, dataSharing: MarketDesignSpec.DataSharing(),
            consults: MarketDesignSpec.Consults())
        for design in model.designs + [sharing] {
            var checkedBlocks = 0
            var summaryLinks = 0
            var consults = 0
            var found: [String] = []
            _ = try MarketSimulation.run(
                MarketRunSpec(
                    model: model, design: design, seed: file.seed, replication: 0, horizonTicks: 4 * hourTicks,
                    warmupTicks: 0)
            ) { nodes, studies in
                #expect(!studies.isEmpty)
                let needles =
                    studies.flatMap { g in
                        (g.record.identifiers + [g.record.requisitionText]).map { Array($0.utf8) }
                    } + [Array("pacs.example".utf8), Array("ehr.example".utf8)]
                var haystacks: [[UInt8]] = []
                for (i, node) in nodes.enumerated() {
                    for h in stride(from: 1, through: Int(node.store.height), by: 1) {
                        let block = node.store.block(at: UInt64(h))
                        haystacks.append(block.canonicalBytes)
                        checkedBlocks += 1
                        guard i == 0 else { continue }
                        for tx in block.transactions {
                            switch try? Message.decode(canonical: tx.message) {
                            case .postStudy(let o)?, .postEscalatingStudy(let o, _, _)?:
                                if o.clinicalSummaryLink != nil { summaryLinks += 1 }
                            case .requestConsult?: consults += 1
                            default: break
                            }
                        }
                    }
                }
                for (k, v) in nodes[0].app.state.scan(prefix: []) { haystacks.append(k + v) }
                for hay in haystacks {
                    for n in needles where contains(hay, n) { found.append(String(decoding: n, as: UTF8.self)) }
                }
            }
            #expect(checkedBlocks > 0)
            #expect(found.isEmpty, "\(design.name): identifiers on chain: \(found.prefix(5))")
            // The shared design's orders carry the summary links the scan covered; the others' carry none.
            #expect((summaryLinks > 0) == (design.dataSharing != nil), "\(design.name): \(summaryLinks) summary links")
            #expect(design.consults == nil ? consults == 0 : true, "\(design.name): \(consults) consults")
        }
    }

    func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, hay.count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        while i <= hay.count - needle.count {
            if hay[i] == first && hay[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
