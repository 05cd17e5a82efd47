import ArgumentParser
import Foundation
import LoadTest
import Replay
import Reporting
import Results
import Scenario
import Stochastic
import Studies

/// Exit statuses (BSD sysexits.h, as most command-line tools use them).
enum ExitStatus {
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let unavailable: Int32 = 69
    static let software: Int32 = 70
    static let cantCreate: Int32 = 73
    static let ioError: Int32 = 74
}

/// The one place errors turn into messages and exit statuses: every command's `catch` hands its error to
/// ``report(_:json:)``, which prints the lines ``classify(_:)`` gives and, with `--json`, the payload
/// ``jsonPayload(status:errors:)`` builds.
enum CLIFailure {
    /// Prints `error` to standard error (and as JSON on stdout with `--json`), and returns the exit code.
    static func report(_ error: any Error, json: Bool) -> ExitCode {
        let (status, lines) = classify(error)
        for line in lines { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        if json { FileHandle.standardOutput.write(jsonPayload(status: status, errors: lines) + Data("\n".utf8)) }
        return ExitCode(status)
    }

    /// The JSON failure payload (`--json` on failure): `{"errors": [...], "exitStatus": N, "ok": false}`.
    static func jsonPayload(status: Int32, errors: [String]) -> Data {
        let payload: [String: Any] = ["ok": false, "exitStatus": Int(status), "errors": errors]
        return (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys, .prettyPrinted])) ?? Data()
    }

    /// The exit status and the lines to print for `error`.
    static func classify(_ error: any Error) -> (Int32, [String]) {
        switch error {
        case let e as ExitCode:
            return (e.rawValue, [])  // a status already decided and explained
        case ScenarioLoadError.invalid(let diagnostics):
            return (ExitStatus.dataError, diagnostics.map(\.description))
        case let e as ScenarioLoadError:
            return (ExitStatus.noInput, [e.description])
        default:
            let (status, message) = statusAndMessage(error)
            return (status, ["error: \(message)"])
        }
    }

    /// The exit status and the one-line message (without "error: ") of every other error.
    static func statusAndMessage(_ error: any Error) -> (Int32, String) {
        switch error {
        case let e as ResultsError: (ExitStatus.ioError, e.description)
        case let e as UnavailableError: (ExitStatus.unavailable, e.message)
        case let e as OutputPathError: (ExitStatus.cantCreate, e.message)
        case let e as StochasticError: (ExitStatus.dataError, e.description)
        case let e as LoadTestSpecError: (ExitStatus.usage, e.description)
        case let e as ComparisonError: (e.kind == .unknownDesign ? ExitStatus.usage : ExitStatus.dataError, e.message)
        case let e as InputFileError: (ExitStatus.noInput, e.message)
        case let e as StudyError: (ExitStatus.software, e.description)
        case let e as StudyOptionError: (ExitStatus.usage, e.message)
        case let e as ReplayError: (ExitStatus.usage, e.description)
        case let e as PlotError: (plotStatus(e), e.description)
        // Resumable studies, sweeps and merges: 65, the input is not what the command needs.
        case let e as ResumeError: (ExitStatus.dataError, e.message)
        case let e as SweepError: (ExitStatus.dataError, e.message)
        case let e as MergeError: (ExitStatus.dataError, e.message)
        // 128 + the signal, as the shell reports it.
        case let e as StudyInterrupted: (e.reason == "SIGTERM" ? 143 : 130, e.description)
        default: (ExitStatus.software, "\(error)")
        }
    }

    static func plotStatus(_ error: PlotError) -> Int32 {
        switch error {
        case .notFound: ExitStatus.noInput
        case .notAResultsDatabase, .nothingToPlot: ExitStatus.dataError
        case .gnuplotMissing: ExitStatus.unavailable
        case .gnuplotFailed: ExitStatus.software
        case .cannotCreate: ExitStatus.cantCreate
        }
    }
}

/// A feature the scenario asks for that this build does not have yet.
struct UnavailableError: Error {
    var message: String
}

struct OutputPathError: Error {
    var message: String
}

/// A named input file that does not exist or cannot be read (exit 66).
struct InputFileError: Error {
    var message: String
}
