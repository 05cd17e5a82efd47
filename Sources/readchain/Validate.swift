import ArgumentParser
import Foundation
import Scenario

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a scenario file and report every problem at once (file:line:column).")

    @Argument(help: "The scenario file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var scenario: String

    @OptionGroup var output: OutputOptions

    func run() throws {
        let file: ScenarioFile
        do {
            file = try ScenarioLoader.load(path: scenario)
        } catch {
            throw CLIFailure.report(error, json: output.json)
        }
        for w in file.warnings { FileHandle.standardError.write(Data((w.description + "\n").utf8)) }
        if output.json {
            let payload: [String: Any] = [
                "ok": true, "path": file.path, "name": file.name, "kind": file.kind.rawValue,
                "sha256": file.sha256, "replications": file.replications, "seed": String(file.seed),
                "warnings": file.warnings.map(\.description),
            ]
            let data = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\(file.path): ok (\(file.kind.rawValue) scenario '\(file.name)', \(file.replications) replications)")
        }
    }
}
