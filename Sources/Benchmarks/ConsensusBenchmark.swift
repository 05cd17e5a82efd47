// `readchain bench consensus`: how close the simulator comes to being bound by the real cryptography it does.
//
// The figure of merit (issue 4 item 6) is `consensus_verify_efficiency`: real Ed25519 verifications performed
// per wall second during a cluster run, divided by this machine's single-core verification rate measured in the
// same command. At 1.0 the simulator spends all its time verifying signatures; the rest is its own overhead.

import DiscreteEvent
import Foundation
import Ledger
import LoadTest

/// The figures of one `bench consensus` run.
public struct ConsensusBenchmarkFigures: Codable, Sendable {
    /// Single-core Ed25519 verifications per second (timed loop of distinct signatures).
    public var singleCoreVerificationsPerSecond: Double
    public var verifyMicroseconds: Double
    public var run: LoadTestResult
    /// Real verifications per wall second during the run ÷ the single-core rate.
    public var efficiency: Double
    /// The same ratio in thread CPU time (the single-core rate per CPU second, the run's verifications per CPU
    /// second): what the wall-clock figure reads on an idle machine, robust to other processes sharing the cores.
    public var cpuEfficiency: Double
    public var blocksPerWallSecond: Double
    public var command: String

    public var lines: [String] {
        [
            String(
                format: "consensus ed25519 single-core verify %.1f us (%.0f verifications/s)", verifyMicroseconds,
                singleCoreVerificationsPerSecond),
            String(
                format: "consensus run: %@ | simulated: %d blocks, committed %.0f tx/s of %.0f offered, p50 %.3f s, "
                    + "%.0f real verifications",
                command, run.finalHeight, run.committedTPS, run.offeredRate, run.latency.p50,
                Double(run.realVerifications)),
            String(
                format: "consensus wall: %.2f s, %.0f events/s, %.0f real verifications/s", run.wall.seconds,
                run.wall.eventsPerSecond, run.wall.verificationsPerSecond),
            String(format: "consensus_verify_efficiency=%.3f", efficiency),
            String(
                format: "consensus_verify_efficiency_cpu=%.3f (thread CPU time, %.2f s of the run's %.2f wall s)",
                cpuEfficiency, run.wall.cpuSeconds, run.wall.seconds),
            String(format: "consensus_blocks_per_wall_second=%.2f", blocksPerWallSecond),
        ]
    }
}

public enum ConsensusBenchmark {
    /// Times `count` verifications of distinct valid signatures (no cache): verifications per second.
    ///
    /// A warm-up pass (a tenth of `count`), then three timed passes over the same signatures; the median rate is
    /// returned. A single cold pass varied by ±10% between runs on an idle machine (CPU frequency ramp-up), which
    /// moved the efficiency ratio as much as any change to the simulator.
    public static func singleCoreVerifyRate(count: Int) -> Double { singleCoreVerifyRates(count: count).wall }

    /// One core's Ed25519 signing rate, signatures per wall second: the median of three passes over `count`
    /// distinct messages (what `bench market` prices the signatures a run made by).
    public static func singleCoreSignRate(count: Int) -> Double {
        let key = SigningKey.derive(label: "bench-sign", seed: 1)
        let messages = (0..<max(1, count)).map { i in Array("readchain bench sign \(i)".utf8) }
        let clock = ContinuousClock()
        var rates: [Double] = []
        var sink = 0
        for _ in 0..<3 {
            let start = clock.now
            for m in messages { sink &+= Int(key.sign(m).bytes[0]) }
            let d = clock.now - start
            rates.append(
                Double(messages.count) / (Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18))
        }
        precondition(sink != Int.min)
        return rates.sorted()[1]
    }

    /// As `singleCoreVerifyRate`, in wall time and in thread CPU time (each the median of the three passes).
    public static func singleCoreVerifyRates(count: Int) -> (wall: Double, cpu: Double) {
        let key = SigningKey.derive(label: "bench-consensus", seed: 1)
        let pub = key.publicKey
        let messages = (0..<count).map { i in Array("readchain bench consensus \(i)".utf8) }
        let signatures = messages.map { key.sign($0) }
        let clock = ContinuousClock()
        for (m, s) in zip(messages, signatures).prefix(max(1, count / 10)) {
            precondition(pub.isValidSignature(s, for: m), "a benchmark signature failed to verify")
        }
        var rates: [Double] = []
        var cpuRates: [Double] = []
        for _ in 0..<3 {
            var valid = 0
            let start = clock.now
            let cpuStart = threadCPUSeconds()
            for (m, s) in zip(messages, signatures) where pub.isValidSignature(s, for: m) { valid += 1 }
            let d = clock.now - start
            let cpu = threadCPUSeconds() - cpuStart
            precondition(valid == count, "a benchmark signature failed to verify")
            let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            rates.append(Double(count) / seconds)
            cpuRates.append(Double(count) / cpu)
        }
        return (rates.sorted()[1], cpuRates.sorted()[1])
    }

    /// The benchmark's load test: 4 validators, LAN, CometBFT timeouts, log transactions, offered above saturation.
    public static func spec(rate: Double, duration: SimTime, txSize: Int, seed: UInt64) -> LoadTestSpec {
        var s = LoadTestSpec()
        s.validators = [4]
        s.rates = [rate]
        s.app = .log
        s.txSize = txSize
        s.latency = .lan
        s.timeouts = .cometbft
        s.duration = duration
        s.seed = seed
        // Each validator verifies what it receives for real, as separate machines would: the figure is then the
        // share of wall time the simulator spends on real cryptography rather than on its own bookkeeping.
        s.signatureCaches = .perNode
        return s
    }

    public static func run(rate: Double, duration: SimTime, txSize: Int, seed: UInt64, verifySamples: Int)
        -> ConsensusBenchmarkFigures
    {
        let (single, singleCPU) = singleCoreVerifyRates(count: verifySamples)
        let s = spec(rate: rate, duration: duration, txSize: txSize, seed: seed)
        let r = LoadTestRunner.run(s, point: s.points[0], replication: 0)
        return ConsensusBenchmarkFigures(
            singleCoreVerificationsPerSecond: single, verifyMicroseconds: 1e6 / single, run: r,
            efficiency: r.wall.verificationsPerSecond / single,
            cpuEfficiency: Double(r.realVerifications) / r.wall.cpuSeconds / singleCPU,
            blocksPerWallSecond: r.wall.blocksPerSecond,
            command: "validators=4 latency=lan timeouts=cometbft app=log tx=\(txSize)B rate=\(Int(rate)) tx/s "
                + "duration=\(Int(duration.seconds))s seed=\(seed) signature-cache=per-node")
    }
}
