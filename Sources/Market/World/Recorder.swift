// What a market run records as it goes: one `StudyRecord` per study, a `RadiologistDayRecord` per radiologist and
// day, an hourly `MarketSample`, a `ChainBlockRecord` per committed height, commit latencies, and the committed
// chain's canonical bytes (handed to the run's chain sink in chunks).

import Cluster
import MarketModel
import Network

/// Builds the run's records from what the world tells it; never decides anything.
struct Recorder {
    let warmupTicks: Int64
    /// Whether the committed chain's bytes are kept (`MarketRunSpec.recordChain`).
    let recordChain: Bool
    /// Where the recorded chain goes in chunks of ``chainChunkBlocks`` (`MarketRunSpec.chainSink`).
    let chainSink: (@Sendable (RecordedChainChunk) throws -> Void)?
    let chainChunkBlocks: Int

    /// One per study, by `StudyID`.
    var studies: [StudyRecord] = []
    /// Studies posted and not yet closed (``StudyRecord/closed``): the work in system, kept exact by counting here
    /// every posting (``open(_:client:group:posted:)``) and every first close (``close(_:at:)``).
    private(set) var inSystem = 0
    private(set) var days: [RadiologistDayRecord] = []
    private(set) var samples: [MarketSample] = []
    private(set) var blocks: [ChainBlockRecord] = []
    /// Submit → commit of each transaction submitted after the warm-up, ticks.
    private(set) var commitLatencies: [Int64] = []
    /// Transactions in blocks whose message failed.
    private(set) var failedInBlocks = 0
    /// Prices of the assignments committed after the warm-up since the last sample.
    private var pricesThisHour: [UInt64] = []
    /// The chain as committed: canonical bytes per height, from ``chainFirstHeight``.
    private(set) var chainBlocks: [[UInt8]] = []
    private(set) var chainCertificates: [[UInt8]] = []
    /// The height of `chainBlocks[0]` (earlier heights went to the chain sink).
    private(set) var chainFirstHeight: Int64 = 1
    /// The sink's error, which ends the run.
    private(set) var chainSinkError: (any Error)?

    init(
        warmupTicks: Int64, recordChain: Bool, chainSink: (@Sendable (RecordedChainChunk) throws -> Void)?,
        chainChunkBlocks: Int
    ) {
        self.warmupTicks = warmupTicks
        self.recordChain = recordChain
        self.chainSink = chainSink
        self.chainChunkBlocks = chainChunkBlocks
    }

    /// A study arrived and was posted at `posted`.
    mutating func open(_ g: GeneratedStudy, client: String, group: ClientGroup, posted: Int64) {
        let study = g.study
        var rec = StudyRecord(
            key: study.key.description, client: client, clientType: group.type.rawValue,
            modality: study.modality, urgency: study.urgency, subspecialty: study.subspecialty,
            arrival: study.arrivalTicks, requiredTurnaround: group.turnaroundTicks[study.urgency],
            truthFinding: study.truth.hasFinding, truthSeverity: study.truth.severity?.rawValue,
            measured: study.arrivalTicks >= warmupTicks)
        rec.posted = posted
        studies.append(rec)
        inSystem += 1
    }

    /// The study's report committed at `t`: it is reported, and out of the market (unless it already was).
    mutating func reported(_ s: StudyID, at t: Int64) {
        studies[s].reportCommitted = t
        studies[s].status = .reported
        close(s, at: t)
    }

    /// The client gave up on the study at `t` (or its posting failed): it expired, never reported.
    mutating func expired(_ s: StudyID, at t: Int64) {
        studies[s].status = .expired
        close(s, at: t)
    }

    /// The study left the market at `t`; only its first close counts.
    private mutating func close(_ s: StudyID, at t: Int64) {
        guard studies[s].closed == nil else { return }
        studies[s].closed = t
        inSystem -= 1
    }

    /// The study's read started at `t`.
    mutating func readStarted(_ s: StudyID, at t: Int64) {
        studies[s].readStart = t
    }

    /// The study's reader asked for a consult; the referrers reply as `reply` says.
    mutating func consult(_ s: StudyID, _ reply: ConsultReply) {
        studies[s].consulted = true
        studies[s].consultAnswered = reply.answered
        studies[s].consultDelay = reply.delayTicks
        studies[s].consultTicks = reply.holdTicks
    }

    /// The study's read ended at `t`.
    mutating func read(_ s: StudyID, _ read: Radiologist.FinishedRead, at t: Int64) {
        studies[s].readEnd = t
        studies[s].hoursIntoShift = read.hoursIntoShift
        studies[s].shiftVolume = read.shiftVolume
        studies[s].pace = read.pace
        studies[s].errorProbability = read.errorProbability
        studies[s].outcome = read.outcome.classification
        studies[s].discrepancy = read.outcome.discrepancy.rawValue
        studies[s].changedByAI = read.outcome.changedByAI
        studies[s].aiFinding = read.outcome.aiSaysFinding
        studies[s].structuredReport = read.structured
        studies[s].followUpAppropriate = read.followUpAppropriate
    }

    /// A transaction submitted at `submitted` committed at `t`.
    mutating func committed(submitted: Int64, at t: Int64) {
        if submitted >= warmupTicks { commitLatencies.append(t - submitted) }
    }

    /// An assignment committed at `t` at `price`.
    mutating func assignment(price: UInt64, at t: Int64) {
        if t >= warmupTicks { pricesThisHour.append(price) }
    }

    /// A height first committed at `t` with `failed` failed transactions.
    /// - Returns: false when the chain sink threw now (the run must stop; ``chainSinkError`` says why).
    mutating func block(_ c: CommitRecord, at t: Int64, failed: Int) -> Bool {
        failedInBlocks += failed
        var sinkOK = true
        if recordChain {
            // Height h−1's certificate as block h carries it (its bytes are then committed by h's header); the
            // last height keeps the first committer's own certificate.
            if !chainCertificates.isEmpty { chainCertificates[chainCertificates.count - 1] = c.block.lastCommit }
            chainBlocks.append(c.block.canonicalBytes)
            chainCertificates.append(c.certificate.canonicalBytes)
            if let sink = chainSink, chainSinkError == nil, chainBlocks.count > max(1, chainChunkBlocks) {
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
                    sinkOK = false
                }
            }
        }
        blocks.append(
            ChainBlockRecord(
                height: c.height, time: t, round: Int(c.round), transactions: c.block.transactions.count,
                bytes: c.block.encodedSize, failed: failed))
        return sinkOK
    }

    /// A radiologist's day.
    mutating func day(_ record: RadiologistDayRecord) {
        days.append(record)
    }

    /// The hourly sample; the mean price is over the assignments since the last one. `inProgress`: the studies
    /// with a reader (each counted once), of which those still in the market count; the rest of the work in system
    /// are open orders.
    mutating func sample(
        at t: Int64, inProgress: Set<StudyID>, onShift: Int, reading: Int, activeRadiologists: Int,
        burnedOut: Int, datasetSize: Int
    ) {
        let withReader = inProgress.reduce(0) { $0 + (studies[$1].closed == nil ? 1 : 0) }
        samples.append(
            MarketSample(
                time: t, openOrders: inSystem - withReader, inProgress: withReader,
                meanPrice: pricesThisHour.isEmpty
                    ? nil : Double(pricesThisHour.reduce(0, +)) / Double(pricesThisHour.count),
                onShift: onShift, utilisation: onShift == 0 ? 0 : Double(reading) / Double(onShift),
                activeRadiologists: activeRadiologists, burnedOut: burnedOut, datasetSize: datasetSize))
        pricesThisHour = []
    }

    /// The chain recorded (what the sink did not take).
    func recordedChain(chainID: String, maxTxBytes: Int, genesis: [UInt8]) -> RecordedChain {
        RecordedChain(
            chainID: chainID, maxTxBytes: maxTxBytes, genesis: genesis, blocks: chainBlocks,
            certificates: chainCertificates, firstHeight: chainFirstHeight)
    }
}
