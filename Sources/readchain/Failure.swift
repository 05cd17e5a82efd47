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

/// The one place errors turn into messages and exit statuses.
enum CLIFailure {
    /// Prints `error` to standard error (and as JSON on stdout with `--json`), and returns the exit code.
    static func report(_ error: any Error, json: Bool) -> ExitCode {
        let (status, lines) = classify(error)
        for line in lines { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        if json {
            let payload: [String: Any] = ["ok": false, "exitStatus": Int(status), "errors": lines]
            if let data = try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys, .prettyPrinted]) {
                FileHandle.standardOutput.write(data + Data("\n".utf8))
            }
        }
        return ExitCode(status)
    }

    static func classify(_ error: any Error) -> (Int32, [String]) {
        switch error {
        case let e as ScenarioLoadError:
            switch e {
            case .unreadable: return (ExitStatus.noInput, [e.description])
            case .invalid(let diagnostics): return (ExitStatus.dataError, diagnostics.map(\.description))
            }
        case let e as ResultsError:
            return (ExitStatus.ioError, ["error: \(e.description)"])
        case let e as UnavailableError:
            return (ExitStatus.unavailable, ["error: \(e.message)"])
        case let e as OutputPathError:
            return (ExitStatus.cantCreate, ["error: \(e.message)"])
        case let e as StochasticError:
            return (ExitStatus.dataError, ["error: \(e.description)"])
        case let e as LoadTestSpecError:
            return (ExitStatus.usage, ["error: \(e.description)"])
        case let e as ComparisonError:
            return (e.kind == .unknownDesign ? ExitStatus.usage : ExitStatus.dataError, ["error: \(e.message)"])
        case let e as InputFileError:
            return (ExitStatus.noInput, ["error: \(e.message)"])
        case let e as StudyError:
            return (ExitStatus.software, ["error: \(e.description)"])
        case let e as ReplayInputError:
            return (ExitStatus.noInput, ["error: \(e.message)"])
        case let e as ReplayError:
            return (ExitStatus.usage, ["error: \(e.description)"])
        default:
            return (ExitStatus.software, ["error: \(error)"])
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
