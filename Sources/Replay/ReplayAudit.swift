import Contracts
import Foundation
import Ledger
import MarketModel
import Results

// `readchain audit study|radiologist`: one record's on-chain history with RFC 6962 inclusion proofs of each
// transaction against its block header's tx root, on a chain whose headers and certificates replay verified.

/// One transaction (or end-of-block step) in an audited record's history.
public struct AuditEntry: Codable, Sendable, Equatable {
    public var height: Int64
    /// Block time, ticks (1 µs) since the run's start.
    public var timeTicks: Int64
    /// Position in the block (nil for an end-of-block step).
    public var index: Int?
    /// The message (`postStudy`, `claimStudy`, ...) or `endBlock`.
    public var action: String
    public var sender: String?
    public var txHash: String?
    /// `ok` or the receipt's failure code.
    public var result: String
    /// Event types the step emitted for this record.
    public var events: [String]
    /// The inclusion proof: leaf index, leaf count and sibling hashes (leaf level first).
    public var proofLeafCount: Int?
    public var proofSiblings: [String]?
    /// The header's tx root the proof was checked against.
    public var txRoot: String?
    /// Whether the proof verified (nil for an end-of-block step, which has no transaction).
    public var proofVerified: Bool?
}

/// What `readchain audit` reports.
public struct AuditReport: Codable, Sendable, Equatable {
    public var database: String
    public var runID: Int64
    /// `study` or `radiologist`.
    public var subject: String
    public var id: String
    /// On-chain study ids (every post of the order), or the radiologist's address.
    public var chainIDs: [String]
    public var entries: [AuditEntry]
    /// Radiologist: the public metrics on chain at the end, and as recomputed from the entries.
    public var publicMetrics: [String: Int64]?
    public var recomputedMetrics: [String: Int64]?
    /// Chain failures replay found (any makes the audit fail: the proofs are only as good as the headers).
    public var chainFailures: [ReplayFailure]
    public var problems: [String]
    public var ok: Bool
}

public enum ChainAudit {
    /// The study's history: `id` is a `market_studies.study_key` or an on-chain study id.
    public static func study(databasePath path: String, id: String, run: Int64?) throws -> AuditReport {
        try audit(path: path, subject: "study", id: id, run: run)
    }

    /// The radiologist's public metrics and the transactions they come from: `id` is the address (hex, or a
    /// unique prefix of at least 6 hex digits) of a registered radiologist.
    public static func radiologist(databasePath path: String, id: String, run: Int64?) throws -> AuditReport {
        try audit(path: path, subject: "radiologist", id: id, run: run)
    }

    /// Messages that name a study.
    static func studyID(_ m: Message) -> UInt64? {
        switch m {
        case .cancelStudy(let id), .claimStudy(let id), .finaliseAuction(let id), .completeFollowUp(let id, _),
            .requestConsult(let id), .answerConsult(let id, _):
            return id
        case .assignStudy(let id, _, _), .commitBid(let id, _), .grantAccess(let id, _, _), .submitReport(let id, _),
            .submitFeedback(let id, _, _), .submitPeerReview(let id, _, _):
            return id
        case .revealBid(let id, _, _, _):
            return id
        default:
            return nil
        }
    }

    struct Step {
        var height: Int64
        var time: Int64
        var index: Int?
        var action: String
        var sender: Address?
        var txHash: Hash?
        var code: TxCode
        var events: [ContractEvent]
        var studyID: UInt64?
        var requisition: Hash?
    }

    /// Every step of the replayed chain that names a study or carries an event about one, with each block's
    /// transaction hashes and transaction root (for the inclusion proofs).
    struct Trail {
        var steps: [Step] = []
        var txHashes: [Int64: [Bytes]] = [:]
        var roots: [Int64: Hash] = [:]
    }

    /// What an audit selected: the steps and their events, the on-chain ids, and the radiologist's public
    /// metrics with their recomputation.
    struct Selection {
        var selected: [Step] = []
        var chainIDs: [String] = []
        var publicMetrics: [String: Int64]?
        var recomputed: [String: Int64]?
    }

    static func audit(path: String, subject: String, id: String, run: Int64?) throws -> AuditReport {
        guard FileManager.default.fileExists(atPath: path) else { throw ReplayError("no such database: \(path)") }
        let store = try ResultsStore(readingOnly: path)
        defer { try? store.close() }
        let runs = try ChainReplay.selectRuns(store, run: run)
        guard run != nil || runs.count == 1 else {
            throw ReplayError(
                "the database holds \(runs.count) market runs (\(runs.map { String($0.id.rawValue) }.joined(separator: ", "))); choose one with --run"
            )
        }
        let r = runs[0]
        guard let chain = try store.chain(run: r.id) else {
            throw ReplayError("run \(r.id.rawValue) kept no chain (simulated with --no-chain?)")
        }
        let rows = try store.marketStudies(run: r.id)
        // Replay, keeping every block's transaction hashes and roots, and every step that names a study or
        // carries an event about one.
        var replayer = ChainReplayer(chain: chain, signatures: try ChainReplay.signatures(store, r.id))
        let trail = replaySteps(&replayer)
        var problems: [String] = []
        let selection: Selection
        if subject == "study" {
            let row = rows.first(where: { $0.key == id })
            selection = try selectStudy(
                trail.steps, id: id, row: row.map { ($0.chainStudyID) }, runID: r.id.rawValue)
        } else {
            selection = try selectRadiologist(
                trail.steps, id: id, runID: r.id.rawValue, replayer: replayer, problems: &problems)
        }
        let entries = auditEntries(selection.selected, trail: trail, problems: &problems)
        if entries.isEmpty { problems.append("no transaction on chain concerns \(subject) '\(id)'") }
        let chainFailures = replayer.failures
        return AuditReport(
            database: path, runID: r.id.rawValue, subject: subject, id: id, chainIDs: selection.chainIDs,
            entries: entries, publicMetrics: selection.publicMetrics, recomputedMetrics: selection.recomputed,
            chainFailures: chainFailures, problems: problems, ok: problems.isEmpty && chainFailures.isEmpty)
    }

    /// Runs `replayer`, keeping the steps that concern a study or a radiologist.
    static func replaySteps(_ replayer: inout ChainReplayer) -> Trail {
        var trail = Trail()
        replayer.run { b in
            let time = b.block.header.timeTicks
            trail.txHashes[b.height] = b.block.transactions.map(\.hash.bytes)
            trail.roots[b.height] = b.block.header.txRoot
            for (k, (tx, receipt)) in zip(b.block.transactions, b.receipts).enumerated() {
                let m = try? Message.decode(canonical: tx.message)
                let events = b.events[k]
                var sid = m.flatMap(studyID)
                var requisition: Hash?
                if case .postStudy(let o)? = m {
                    requisition = o.requisitionHash
                    sid = ChainFacts.postedStudy(events)
                }
                let aboutRadiologist = events.contains { $0.radiologist != nil }
                guard sid != nil || requisition != nil || aboutRadiologist else { continue }
                trail.steps.append(
                    Step(
                        height: b.height, time: time, index: k, action: m?.name ?? "undecodable",
                        sender: tx.sender.address,
                        txHash: tx.hash, code: receipt.code, events: events, studyID: sid, requisition: requisition))
            }
            for e in b.endBlockEvents {
                guard let sid = e.studyID else { continue }
                trail.steps.append(
                    Step(
                        height: b.height, time: time, index: nil, action: "endBlock", sender: nil, txHash: nil,
                        code: .ok,
                        events: [e], studyID: sid, requisition: nil))
            }
        }
        return trail
    }

    /// The order: the stored row's on-chain study (or the id given), then every post of the same order.
    /// `row` is the stored row's on-chain study id when `id` is a study key (`.some(nil)`: never posted).
    static func selectStudy(_ steps: [Step], id: String, row: UInt64??, runID: Int64) throws -> Selection {
        var selection = Selection()
        var anchor: UInt64?
        if let row {
            guard let c = row else { throw ReplayError("study \(id) was never posted on chain") }
            anchor = c
        } else if let n = UInt64(id) {
            anchor = n
        }
        guard let anchor, let post = steps.first(where: { $0.requisition != nil && $0.studyID == anchor }) else {
            throw ReplayError("no study '\(id)' in run \(runID) (neither a study key nor an on-chain study id)")
        }
        let posts = steps.filter { $0.requisition == post.requisition && $0.sender == post.sender }
        var ids = posts.compactMap(\.studyID)
        if ids.isEmpty { ids = [anchor] }
        selection.chainIDs = ids.map(String.init)
        let set = Set(ids)
        selection.selected = steps.filter { s in
            (s.requisition != nil && s.requisition == post.requisition && s.sender == post.sender)
                || (s.studyID.map { set.contains($0) } ?? false)
        }
        for (k, s) in selection.selected.enumerated() {
            selection.selected[k].events = s.events.filter { e in
                if case .txFee = e { return true }
                return e.studyID.map { set.contains($0) } ?? false
            }
        }
        return selection
    }

    /// The radiologist named by `id` (a registered address, or a unique prefix of at least 6 hex digits): the
    /// steps with the events their public metrics come from, and those metrics checked against a recomputation.
    static func selectRadiologist(
        _ steps: [Step], id: String, runID: Int64, replayer: ChainReplayer, problems: inout [String]
    ) throws -> Selection {
        var selection = Selection()
        let registered = Set(
            steps.filter { $0.action == "registerRadiologist" && $0.code == .ok }.compactMap { $0.sender?.hex })
        let needle = id.lowercased()
        let matches = registered.filter { $0 == needle || (needle.count >= 6 && $0.hasPrefix(needle)) }.sorted()
        guard matches.count == 1, let hex = matches.first, let address = Address(hex: hex) else {
            throw ReplayError(
                matches.isEmpty
                    ? "no registered radiologist '\(id)' in run \(runID) (give the address in hex)"
                    : "'\(id)' matches \(matches.count) radiologists; give more digits")
        }
        selection.chainIDs = [hex]
        // Studies assigned to them (an expiry names only the study).
        var theirs: Set<UInt64> = []
        for s in steps {
            for case .studyAssigned(let sid, address, _, _) in s.events { theirs.insert(sid) }
        }
        selection.selected = steps.compactMap { s in
            var t = s
            // Only the events the public metrics are computed from.
            t.events = s.events.filter { e in
                if case .studyExpired(let sid, _, .assigned) = e { return theirs.contains(sid) }
                return Self.metricEvents.contains(e.kind) && e.radiologist == address
            }
            return t.events.isEmpty ? nil : t
        }
        if let app = replayer.app, let g = replayer.genesis {
            let m = app.metrics(of: address)
            selection.publicMetrics = metricsDictionary(m)
            selection.recomputed = metricsDictionary(recompute(selection.selected, window: g.turnaroundWindow))
            if selection.publicMetrics != selection.recomputed {
                problems.append("the public metrics on chain differ from their recomputation from the transactions")
            }
        }
        return selection
    }

    /// One entry per selected step, with the inclusion proof of its transaction (a proof that does not verify
    /// is a problem).
    static func auditEntries(_ selected: [Step], trail: Trail, problems: inout [String]) -> [AuditEntry] {
        var entries: [AuditEntry] = []
        for s in selected {
            var e = AuditEntry(
                height: s.height, timeTicks: s.time, index: s.index, action: s.action, sender: s.sender?.hex,
                txHash: s.txHash?.hex, result: s.code == .ok ? "ok" : "\(s.code)", events: s.events.map(\.type),
                proofLeafCount: nil, proofSiblings: nil, txRoot: nil, proofVerified: nil)
            if let k = s.index, let leaves = trail.txHashes[s.height], let root = trail.roots[s.height],
                let h = s.txHash
            {
                let proof = MerkleTree.proof(leaves: leaves, index: k)
                e.proofLeafCount = Int(proof.leafCount)
                e.proofSiblings = proof.siblings.map(\.hex)
                e.txRoot = root.hex
                e.proofVerified = proof.verify(leaf: h.bytes, root: root)
                if e.proofVerified != true {
                    problems.append("height \(s.height): the inclusion proof of transaction \(k) does not verify")
                }
            }
            entries.append(e)
        }
        return entries
    }

    /// Events that change a radiologist's `QualityMetrics` (naming them as `radiologist`); expiries of their
    /// assignments name only the study.
    static let metricEvents: Set<ContractEvent.Kind> = [.studyAssigned, .studyReported, .feedback, .peerReview]

    /// The radiologist's `QualityMetrics` from their events, the way the contracts keep them.
    static func recompute(_ steps: [Step], window: UInt32) -> QualityMetrics {
        var m = QualityMetrics()
        var active: Int64 = 0
        var ring: [Int64] = []
        var next = 0
        for s in steps where s.code == .ok {
            for e in s.events {
                switch e {
                case .studyAssigned: active += 1
                case .studyReported(_, _, let t, _, _):
                    m.volume += 1
                    active -= 1
                    if ring.count < Int(window) { ring.append(t) } else { ring[next % Int(window)] = t }
                    next = (next + 1) % Int(window)
                case .studyExpired:
                    active -= 1
                    m.missedDeadlines += 1
                case .peerReview(_, _, _, let score):
                    m.reviewed += 1
                    if score.isDiscrepancy { m.discrepancies += 1 }
                    if score.isClinicallySignificant { m.significantDiscrepancies += 1 }
                case .feedback(_, _, let score):
                    m.feedbackSum += UInt64(score)
                    m.feedbackCount += 1
                default: break
                }
            }
        }
        m.active = UInt32(clamping: active)
        m.recentTurnarounds = ring
        return m
    }

    static func metricsDictionary(_ m: QualityMetrics) -> [String: Int64] {
        [
            "volume": Int64(m.volume), "active": Int64(m.active), "missed_deadlines": Int64(m.missedDeadlines),
            "median_turnaround_ticks": m.medianTurnaroundTicks ?? -1,
            "turnarounds_kept": Int64(m.recentTurnarounds.count),
            "reviewed": Int64(m.reviewed), "discrepancies": Int64(m.discrepancies),
            "significant_discrepancies": Int64(m.significantDiscrepancies), "feedback_sum": Int64(m.feedbackSum),
            "feedback_count": Int64(m.feedbackCount),
        ]
    }
}
