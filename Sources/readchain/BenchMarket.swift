import ArgumentParser
import Benchmarks
import Foundation
import Scenario

extension Bench {
    struct MarketBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "market",
            abstract: "One replication of a market scenario's design through the chain (real Ed25519 unless "
                + "--signatures): studies per wall second and the share of wall time spent verifying signatures.")

        @Argument(help: "The market scenario.", completion: .file(extensions: ["yaml", "yml"]))
        var scenario = "Scenarios/default.yaml"
        @Option(help: "The design to run (default: the scenario's first).") var design: String?
        @Option(help: "Simulated days.") var days = 365.0
        @Option(help: "Signatures in the single-core verification loop.") var samples = 4_000
        @Flag(
            help: ArgumentHelp(
                "Validators share one verified-signature cache (each signature verified for real once) instead of "
                    + "verifying everything themselves, as separate machines would."))
        var sharedCache = false
        @Option(
            help: ArgumentHelp(
                SignatureOption.help + " both: run the same market with each, one after the other, and print "
                    + "simulated_speedup (real wall time / simulated wall time).",
                valueName: "ed25519|simulated|both"))
        var signatures: String?
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if signatures != "both" { _ = try SignatureOption.parse(signatures) }
        }

        func run() throws {
            guard days > 0, days <= 3_660, samples > 0 else {
                throw ValidationError("--days must be in (0, 3660] and --samples positive")
            }
            do throws(any Error) {
                let file = try ScenarioLoader.load(path: scenario)
                let command = CommandLine.arguments.joined(separator: " ")
                if signatures == "both" {
                    let c = try MarketBenchmark.compareSignatures(
                        scenario: file, design: design, days: days, verifySamples: samples, sharedCache: sharedCache,
                        command: command)
                    try output.show(c, c.lines)
                    return
                }
                let f = try MarketBenchmark.run(
                    scenario: file, design: design, days: days, verifySamples: samples,
                    sharedCache: sharedCache, signatures: try SignatureOption.parse(signatures), command: command)
                try output.show(f, f.lines)
            } catch {
                throw CLIFailure.report(error, json: output.json)
            }
        }
    }

    struct JobsBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "jobs",
            abstract: "The same market study (every design x replication into SQLite, as simulate) with --jobs 1 "
                + "and then --jobs N: jobs_speedup (throughput ratio) and whether the results digests agree.")

        @Argument(help: "The market scenario.", completion: .file(extensions: ["yaml", "yml"]))
        var scenario = "Scenarios/default.yaml"
        @Option(help: "Simulated days per run.") var days = 2.0
        @Option(help: "Replications per design (the scenario's designs x this many runs).") var replications = 2
        @Option(help: "Workers of the parallel study.") var jobs = 2
        @Option(help: "Directory for the two scratch databases (removed afterwards).") var directory = "/tmp"
        @OptionGroup var output: OutputOptions

        func run() throws {
            guard days > 0, days <= 3_660, replications >= 1, jobs >= 2 else {
                throw ValidationError("--days must be in (0, 3660], --replications at least 1 and --jobs at least 2")
            }
            do throws(any Error) {
                let file = try ScenarioLoader.load(path: scenario)
                let f = try JobsBenchmark.run(
                    scenario: file, days: days, replications: replications, jobs: jobs, directory: directory,
                    command: CommandLine.arguments.joined(separator: " "))
                try output.show(f, f.lines)
            } catch {
                throw CLIFailure.report(error, json: output.json)
            }
        }
    }

    struct ScaleBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scale",
            abstract: "The same market shape at several multiples of its clients and radiologists, one replication "
                + "each through the chain: studies per CPU-second and scale_ratio_<largest>x (issue 16 item 1).")

        @Argument(help: "The market scenario.", completion: .file(extensions: ["yaml", "yml"]))
        var scenario = "Scenarios/default.yaml"
        @Option(help: "The design to run (default: the scenario's first).") var design: String?
        @Option(help: "Simulated days per run.") var days = 1.0
        @Option(help: "Comma-separated multiples of the scenario's clients and radiologists, smallest first.")
        var factors = "1,10,60"
        @Flag(help: "Validators share one verified-signature cache (simulate's mode).") var sharedCache = false
        @Flag(help: "Every validator executes every block itself (default: executed once per parent state, shared).")
        var perNodeExecution = false
        @OptionGroup var output: OutputOptions

        func run() throws {
            let list = factors.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard days > 0, days <= 3_660, !list.isEmpty, list.allSatisfy({ ($0 ?? 0) >= 1 }) else {
                throw ValidationError("--days must be in (0, 3660] and --factors positive integers, e.g. 1,10,60")
            }
            do throws(any Error) {
                let file = try ScenarioLoader.load(path: scenario)
                let f = try ScaleBenchmark.run(
                    scenario: file, design: design, days: days, factors: list.compactMap { $0 },
                    sharedCache: sharedCache, sharedExecution: !perNodeExecution,
                    command: CommandLine.arguments.joined(separator: " "))
                try output.show(f, f.lines)
            } catch {
                throw CLIFailure.report(error, json: output.json)
            }
        }
    }
}

extension OutputOptions {
    /// Prints a benchmark's figures: JSON with `--json`, else its text lines.
    func show(_ figures: some Encodable, _ lines: [String]) throws {
        if json { print(try JSONOutput.encode(figures)) } else { for line in lines { print(line) } }
    }
}
