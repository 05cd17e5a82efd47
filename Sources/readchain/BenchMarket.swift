import ArgumentParser
import Benchmarks
import Foundation
import Scenario

extension Bench {
    struct MarketBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "market",
            abstract: "One replication of a market scenario's design through the chain, with real Ed25519: studies per "
                + "wall second and the share of wall time spent verifying signatures.")

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
        @OptionGroup var output: OutputOptions

        func run() throws {
            guard days > 0, days <= 3_660, samples > 0 else {
                throw ValidationError("--days must be in (0, 3660] and --samples positive")
            }
            do throws(any Error) {
                let file = try ScenarioLoader.load(path: scenario)
                let f = try MarketBenchmark.run(
                    scenario: file, design: design, days: days, verifySamples: samples,
                    sharedCache: sharedCache, command: CommandLine.arguments.joined(separator: " "))
                if output.json { print(try JSONOutput.encode(f)) } else { for line in f.lines { print(line) } }
            } catch {
                throw CLIFailure.report(error, json: output.json)
            }
        }
    }
}
