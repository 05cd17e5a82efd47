import Benchmarks
import Foundation
import Ledger
import Testing

/// Runs the Ledger benchmarks when `LEDGER_BENCH=1` (use a release build:
/// `LEDGER_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter LedgerBenchmarkTests`).
/// Otherwise runs them at a tiny size as a smoke test.
@Suite("Ledger benchmarks")
struct LedgerBenchmarkTests {
    static let full = ProcessInfo.processInfo.environment["LEDGER_BENCH"] == "1"

    @Test func stateRootUpdateScaling() {
        let results = LedgerBenchmark.stateRootScaling(
            sizes: Self.full ? [10_000, 100_000, 1_000_000] : [1_000, 4_000], changed: Self.full ? 1_000 : 100)
        for r in results {
            #expect(r.hashesPerUpdate < 3 * log2(Double(r.keys + r.changed)) + 4)
            if Self.full { for line in r.lines { print(line) } }
        }
    }

    @Test func signatureCosts() {
        let r = LedgerBenchmark.signatures(count: Self.full ? 5_000 : 50)
        #expect(r.verifyMicroseconds > 0)
        if Self.full { for line in r.lines { print(line) } }
    }
}
