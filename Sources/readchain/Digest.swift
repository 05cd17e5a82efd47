import ArgumentParser
import Foundation
import Results

struct Digest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the results digest of a results database: results_digest=<sha256>.",
        discussion: """
            SHA-256 over every result row, ordered by (scenario_sha256, variant, replication) and then each \
            table's natural key, without run ids and provenance that legitimately differs (host, pid, timestamps, \
            wall time, code version, git revision, SQLite and GSL versions, error messages). Two databases have \
            equal digests exactly when they hold the same results: e.g. an interrupted and resumed study and an \
            uninterrupted one, or merged sweep shards and the unsharded sweep. Results/README.md has the details.
            """)

    @Argument(help: "The results database.", completion: .file(extensions: ["sqlite"]))
    var database: String

    func run() throws {
        do throws(any Error) {
            guard FileManager.default.fileExists(atPath: database) else {
                throw InputFileError(message: "no such database: \(database)")
            }
            let store = try ResultsStore(readingOnly: database)
            defer { try? store.close() }
            print("results_digest=\(try store.resultsDigest())")
        } catch {
            throw CLIFailure.report(error, json: false)
        }
    }
}
