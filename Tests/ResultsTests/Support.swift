import Foundation
import Results

/// A fresh temporary directory, removed with everything in it when the value is released.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("readchain-results-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// A path for `name` inside the directory.
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// A small, valid provenance; tests override the fields they care about.
func sampleProvenance(
    seed: UInt64 = 42, replication: Int = 0, variant: String? = nil, text: String = "name: mm1\nkind: mm1\n"
) -> RunProvenance {
    RunProvenance(
        scenarioName: "mm1", scenarioKind: "mm1", variant: variant, scenarioText: text,
        scenarioSHA256: RunProvenance.sha256Hex(text), masterSeed: seed, replication: replication,
        codeVersion: "0.1.0-test", gitRevision: "0123456789abcdef", gslGenerator: "mt19937", gslVersion: "2.7.1",
        horizonTicks: 3_600_000_000, warmupTicks: 600_000_000)
}

/// A pid that certainly belonged to a process that has exited and been reaped.
func deadPID() throws -> Int64 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return Int64(process.processIdentifier)
}
