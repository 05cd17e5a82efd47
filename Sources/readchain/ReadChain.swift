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
            Audit.self, Validate.self, LoadTest.self, Bench.self,
        ]
    )
}

/// Options every command shares.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print a machine-readable JSON summary on standard output.")
    var json = false
}
