import ArgumentParser
import Foundation
import Scenario
import Studies

/// The `readchain` command: a thin shell over the Simulator. Every error becomes a message and an
/// exit status in one place (``CLIFailure``).
@main
struct ReadChain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readchain",
        abstract: "Simulate a decentralised teleradiology market on a BFT chain, and compare market designs.",
        discussion: """
            Exit status: 0 success, 64 bad command line, 65 invalid scenario file (replay, audit: verification failed), 66 input not found \
            or unreadable, 69 scenario kind not simulated yet, 73 output cannot be created, 74 I/O or database error, 70 internal error.
            """,
        version: ReadChainVersion.current,
        subcommands: [
            Simulate.self, Compare.self, Report.self, Plot.self, Sweep.self, Merge.self, Digest.self, Replay.self,
            Audit.self, Validate.self, LoadTest.self, Bench.self, Metrics.self, Export.self, SensitivityCommand.self,
        ]
    )

    /// Parses and runs the command, after one check ArgumentParser does not make: a first word that is no
    /// command (`readchain simulat`) exits 64 naming the closest command.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let word = arguments.first, let message = unknownCommandMessage(word) {
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(ExitStatus.usage)
        }
        main(nil)
    }

    /// The error for `word` as the first argument, or nil when it is a command, an option or a help request.
    static func unknownCommandMessage(_ word: String) -> String? {
        let names = configuration.subcommands.map { $0._commandName } + ["help"]
        guard !word.hasPrefix("-"), !names.contains(word) else { return nil }
        let hint = closestMatch(to: word, among: names).map { "; did you mean '\($0)'?" } ?? ""
        return "error: unknown command '\(word)'\(hint)\nusage: readchain <command> [options] (commands: "
            + names.dropLast().joined(separator: ", ") + "; readchain --help)"
    }
}

/// Options every command shares.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print a machine-readable JSON summary on standard output.")
    var json = false
}
