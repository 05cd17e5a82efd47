import ArgumentParser
import Benchmarks
import Foundation
import Results
import Studies

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (build in release: `make bench`). Figures and commands: bench/README.md.",
        subcommands: [
            Kernel.self, ResultsWrite.self, LedgerBench.self, ContractsBench.self, ConsensusBench.self,
            MarketBench.self, JobsBench.self, ScaleBench.self,
        ])

    struct Kernel: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kernel",
            abstract: "The discrete-event kernel on M/M/c (lambda=9, mu=1, c=10 per hour), customers per second.")

        @Option(help: "Customers to simulate.") var customers = 2_000_000
        @Option(help: "Timed repetitions; the best is reported.") var repeats = 3
        @Option(help: "Master seed.") var seed: UInt64 = 1
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard customers > 0, repeats > 0 else {
                throw ValidationError("--customers and --repeats must be positive")
            }
        }

        func run() throws {
            var best = Double.infinity
            var last: (events: UInt64, meanWait: Double, served: Int) = (0, 0, 0)
            for _ in 0..<repeats {
                let clock = ContinuousClock()
                let start = clock.now
                last = try MMcQueue.runCustomers(
                    customers, arrivalRatePerSecond: 9.0 / 3600, serviceRatePerSecond: 1.0 / 3600, servers: 10,
                    seed: seed)
                let d = clock.now - start
                let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
                best = min(best, seconds)
            }
            let rate = Double(customers) / best
            if output.json {
                print(
                    try JSONOutput.encode(
                        KernelFigures(
                            customers: customers, seconds: best, customersPerSecond: rate, events: last.events,
                            eventsPerSecond: Double(last.events) / best, meanWaitHours: last.meanWait / 3600)))
            } else {
                print(
                    String(
                        format: "kernel customers=%d seconds=%.3f rate=%.0f events=%llu mean_wait=%.4f",
                        customers, best, rate, last.events, last.meanWait / 3600))
            }
        }
    }

    struct ResultsWrite: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "results", abstract: "Observation rows per second into a fresh SQLite results database (WAL).")

        @Option(help: "Rows to write.") var rows = 2_000_000
        @Option(help: "Scratch database path (removed afterwards).") var path = "/tmp/readchain-bench-results.sqlite"
        @OptionGroup var output: OutputOptions

        func run() throws {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
            let r = try ResultsBenchmark.insertRate(rows: rows, path: path)
            let rate = Double(r.rows) / r.seconds
            if output.json {
                print(
                    try JSONOutput.encode(
                        ResultsFigures(
                            rows: r.rows, seconds: r.seconds, rowsPerSecond: rate, target: 500_000,
                            ratio: rate / 500_000)))
            } else {
                print(String(format: "results rows=%d seconds=%.3f rate=%.0f", r.rows, r.seconds, rate))
                print(String(format: "results_rows_per_s=%.0f target=500000 ratio=%.2f", rate, rate / 500_000))
            }
        }
    }
}

struct KernelFigures: Encodable {
    var customers: Int
    var seconds: Double
    var customersPerSecond: Double
    var events: UInt64
    var eventsPerSecond: Double
    var meanWaitHours: Double
}

struct ResultsFigures: Encodable {
    var rows: Int
    var seconds: Double
    var rowsPerSecond: Double
    var target: Double
    var ratio: Double
}

extension Bench {
    struct LedgerBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ledger",
            abstract: "State-root update cost as the state grows (10^4..10^6 keys) and Ed25519 costs.")

        @Option(help: "State sizes, comma-separated.") var sizes = "10000,100000,1000000"
        @Option(help: "Keys changed per update.") var changed = 1_000
        @Option(help: "Signatures to time.") var signatures = 5_000

        func run() throws {
            let ns = sizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !ns.isEmpty, ns.allSatisfy({ $0 > 0 }), changed > 0, signatures > 0 else {
                throw ValidationError("--sizes must be positive integers; --changed and --signatures positive")
            }
            let scaling = LedgerBenchmark.stateRootScaling(sizes: ns, changed: changed)
            for r in scaling { for line in r.lines { print(line) } }
            let sig = LedgerBenchmark.signatures(count: signatures)
            for line in sig.lines { print(line) }
            if let first = scaling.first, let last = scaling.last, scaling.count > 1 {
                // O(changed × log n) predicts a small ratio; O(n) would predict last.keys / first.keys.
                let ratio = last.microsecondsPerChangedKey / first.microsecondsPerChangedKey
                print(
                    String(
                        format: "# per-key update cost, n=%d against n=%d: O(log n) predicts about %.2f, O(n) %.0f",
                        last.keys, first.keys, log2(Double(last.keys)) / log2(Double(first.keys)),
                        Double(last.keys) / Double(first.keys)))
                print(String(format: "ledger_state_update_cost_ratio_n%d_vs_n%d=%.2f", last.keys, first.keys, ratio))
                print(
                    String(
                        format: "ledger_state_root_update_us_per_key_n%d=%.2f", last.keys,
                        last.microsecondsPerChangedKey))
            }
        }
    }

    struct ContractsBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "contracts",
            abstract: "Posted-price study lifecycles through a single-node chain: bytes per study and tx/s.")

        @Option(help: "Studies to run.") var studies = 2_000
        @Option(help: "Studies per block.") var perBlock = 100

        func run() throws {
            guard studies > 0, perBlock > 0 else { throw ValidationError("--studies and --per-block must be positive") }
            let f = ContractsBenchmark.run(studies: studies, studiesPerBlock: perBlock)
            for line in f.lines { print(line) }
            print("# tx/s without signature verification divided by tx/s with it")
            print(
                String(
                    format: "contracts_signature_cost_ratio=%.2f",
                    f.transactionsPerSecondWithoutSignatures / f.transactionsPerSecondWithSignatures))
            print(String(format: "contracts_bytes_per_study_vs_2KiB_limit=%.2f", f.bytesPerCompletedStudy / 2048))
        }
    }
}

extension Bench {
    struct ConsensusBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "consensus",
            abstract: "4 validators on a LAN above saturation: real verifications per wall second vs one core's rate.")

        @Option(help: "Offered load, tx/s (above the ~1,800 tx/s saturation of 2,000-tx blocks every ~1.1 s).")
        var rate = 4_000.0
        @Option(help: "Simulated duration in seconds.") var duration = 20
        @Option(name: .customLong("tx-size"), help: "Log transaction size in bytes.") var txSize = 256
        @Option(help: "Signatures in the single-core verification loop.") var samples = 4_000
        @Option(help: "Master seed.") var seed: UInt64 = 1
        @OptionGroup var output: OutputOptions

        func run() throws {
            guard rate > 0, duration > 0, samples > 0, (64...65_536).contains(txSize) else {
                throw ValidationError("--rate, --duration and --samples must be positive; --tx-size in 64...65536")
            }
            let f = ConsensusBenchmark.run(
                rate: rate, duration: .seconds(Int64(duration)), txSize: txSize, seed: seed, verifySamples: samples)
            if output.json { print(try JSONOutput.encode(f)) } else { for line in f.lines { print(line) } }
        }
    }
}
