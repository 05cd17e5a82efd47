import ArgumentParser
import DiscreteEvent
import Foundation
import Replay
import Results

/// Exit status of a replay or audit that found something wrong (the database's content is not what its chain
/// says: sysexits' EX_DATAERR).
private let verificationFailed = ExitStatus.dataError

/// Opens nothing that does not exist (the store would create it) and maps replay errors to exit statuses.
/// What both audit subcommands do: check the file, build the report with `audit`, print it (errors as exit codes).
private func runAudit(
    _ options: AuditOptions, json: Bool,
    _ audit: (_ databasePath: String, _ id: String, _ run: Int64?) throws -> AuditReport
) throws {
    try checkDatabase(options.database, json: json)
    let report: AuditReport
    do throws(any Error) {
        report = try audit(options.database, options.id, options.run)
    } catch {
        throw CLIFailure.report(error, json: json)
    }
    try AuditPrinter.print(report, json: json)
}

private func checkDatabase(_ path: String, json: Bool) throws {
    guard FileManager.default.fileExists(atPath: path) else {
        throw CLIFailure.report(InputFileError(message: "no such results database: \(path)"), json: json)
    }
}

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-execute each market run's stored chain from genesis and check it against the database.",
        discussion: """
            For every finished market run (or --run N): decodes each stored block, checks the header chain, \
            verifies both commit certificates of every height against that height's validator set, re-executes \
            the block through the contracts and checks the tx, results and state roots the headers commit to, \
            then compares the final state root, the chain facts, the per-block summaries, the per-study money \
            and review fields and the chain-derivable headline metrics with what the database stores. Signatures \
            are checked under the scheme each run recorded (ed25519, or the simulated keyed hash of \
            --signatures simulated), named on each run's line. Prints OK with counts per run, or every failure \
            with its height; exits 65 on any failure.
            """)

    @Argument(help: "The results database (SQLite).", completion: .file(extensions: ["sqlite"]))
    var database: String

    @Option(name: .customLong("run"), help: "Replay only this run id.")
    var runID: Int64?

    @OptionGroup var output: OutputOptions

    func run() throws {
        try checkDatabase(database, json: output.json)
        let report: ReplayReport
        do throws(any Error) {
            report = try ChainReplay.replay(databasePath: database, run: runID)
        } catch {
            throw CLIFailure.report(error, json: output.json)
        }
        if output.json {
            print(try JSONOutput.encode(report))
        } else {
            for r in report.runs {
                let head = "run \(r.runID) (\(r.design), replication \(r.replication), \(r.signatures) signatures)"
                if r.ok {
                    print(
                        "\(head): OK: \(r.counts.blocks) blocks, \(r.counts.transactions) transactions "
                            + "(\(r.counts.failedTransactions) failed in their block), \(r.counts.signaturesChecked) signatures "
                            + "checked (\(r.counts.signaturesVerified) distinct verified), \(r.studiesChecked) studies and "
                            + "\(r.metrics.count) metrics matched; final state root \(r.finalStateRoot ?? "-")")
                } else {
                    print("\(head): FAIL (\(r.failures.count) failure\(r.failures.count == 1 ? "" : "s"))")
                    for f in r.failures { print("  \(f.description)") }
                }
                for c in r.chainMetrics {
                    print("    chain \(c.name) = \(c.value.map { String(format: "%.6g", $0) } ?? "n/a") \(c.unit)")
                }
            }
        }
        if !report.ok { throw ExitCode(verificationFailed) }
    }
}

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one study's or radiologist's on-chain history with Merkle proofs, and verify it; rebuild the "
            + "AI's labelled dataset and learning curve from the chain.",
        subcommands: [AuditStudy.self, AuditRadiologist.self, AuditAI.self])
}

struct AuditOptions: ParsableArguments {
    @Argument(help: "A study key (as in market_studies) or an on-chain study id; a radiologist's address (hex).")
    var id: String

    @Argument(help: "The results database (SQLite).", completion: .file(extensions: ["sqlite"]))
    var database: String

    @Option(name: .long, help: "The run id (needed when the database holds more than one market run).")
    var run: Int64?
}

struct AuditStudy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "A study's on-chain history (post, claim/bid/award, access grant, report, settlement, review, "
            + "feedback, follow-up) with each transaction's inclusion proof against its block's tx root.")

    @OptionGroup var options: AuditOptions
    @OptionGroup var output: OutputOptions

    func run() throws { try runAudit(options, json: output.json, ChainAudit.study) }
}

struct AuditRadiologist: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "radiologist",
        abstract: "A radiologist's public metrics on chain and the transactions they were computed from, "
            + "recomputed and checked.")

    @OptionGroup var options: AuditOptions
    @OptionGroup var output: OutputOptions

    func run() throws { try runAudit(options, json: output.json, ChainAudit.radiologist) }
}

enum AuditPrinter {
    static func print(_ r: AuditReport, json: Bool) throws {
        if json {
            Swift.print(try JSONOutput.encode(r))
        } else {
            Swift.print("\(r.subject) \(r.id), run \(r.runID), on chain as \(r.chainIDs.joined(separator: ", "))")
            for e in r.entries {
                let when = String(format: "%.3f h", Double(e.timeTicks) / Double(SimTime.ticksPerHour))
                var line = "  height \(e.height) (\(when))"
                if let k = e.index { line += " tx \(k)" }
                line += ": \(e.action) [\(e.result)]"
                if let s = e.sender { line += " from \(s.prefix(12))" }
                if !e.events.isEmpty { line += " events: \(e.events.joined(separator: ", "))" }
                Swift.print(line)
                if let h = e.txHash, let n = e.proofLeafCount, let root = e.txRoot, let sib = e.proofSiblings {
                    Swift.print(
                        "      tx \(h): proof leaf \(e.index ?? 0) of \(n), \(sib.count) siblings"
                            + "\(sib.isEmpty ? "" : " (\(sib.map { String($0.prefix(8)) }.joined(separator: " ")))")"
                            + " -> tx root \(root.prefix(16)): \(e.proofVerified == true ? "verified" : "DOES NOT VERIFY")"
                    )
                }
            }
            if let p = r.publicMetrics {
                Swift.print("  public metrics on chain:")
                for k in p.keys.sorted() {
                    let rec = r.recomputedMetrics?[k]
                    Swift.print(
                        "    \(k) = \(p[k]!)\(rec == p[k] ? "" : "  (recomputed: \(rec.map(String.init) ?? "-"))")")
                }
            }
            for f in r.chainFailures { Swift.print("  chain: \(f.description)") }
            for p in r.problems { Swift.print("  problem: \(p)") }
            Swift.print(r.ok ? "OK: \(r.entries.count) entries, proofs and certificates verified" : "FAIL")
        }
        if !r.ok { throw ExitCode(verificationFailed) }
    }
}
