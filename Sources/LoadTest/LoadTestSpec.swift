// What a consensus load test runs: validators, offered load, latency profile, faults, duration, trimming.
//
// Parsing lives here (not in the CLI) so the spec strings have one meaning wherever they are written: the
// command line, a test, the canonical command recorded as a run's scenario text.

import Cluster
import Consensus
import DiscreteEvent
import Foundation
import Network
import Scenario

/// A bad load-test option: the offending text and why. The CLI turns it into exit status 64.
public struct LoadTestSpecError: Error, CustomStringConvertible, Equatable {
    public var option: String
    public var text: String
    public var reason: String
    public init(option: String, text: String, reason: String) {
        self.option = option
        self.text = text
        self.reason = reason
    }
    public var description: String { "\(option) '\(text)': \(reason)" }
}

/// The application the chain runs.
public enum LoadTestApp: String, Sendable, Codable, CaseIterable {
    /// `LogApplication`: every transaction accepted, size set by `--tx-size` (consensus-only, Blockbench DoNothing).
    case log
    /// `ReadChainApp`: signed transfers between funded accounts (fees, nonces, balances, state-root updates).
    case market
}

/// The latency profile of the simulated network, as written on the command line.
public enum LatencyProfile: Sendable, Equatable, CustomStringConvertible {
    case lan
    case wan
    case constant(milliseconds: Double)
    case lognormal(milliseconds: Double, cv: Double)

    /// Parses `lan`, `wan`, `constant:<ms>` or `lognormal:<ms>,<cv>`.
    public static func parse(_ s: String) throws(LoadTestSpecError) -> LatencyProfile {
        func bad(_ why: String) -> LoadTestSpecError { LoadTestSpecError(option: "--latency", text: s, reason: why) }
        let t = s.trimmingCharacters(in: .whitespaces).lowercased()
        if t == "lan" { return .lan }
        if t == "wan" { return .wan }
        if t.hasPrefix("constant:") {
            guard let ms = Double(t.dropFirst("constant:".count)), ms.isFinite, ms >= 0 else {
                throw bad("expected constant:<milliseconds>, e.g. constant:1")
            }
            return .constant(milliseconds: ms)
        }
        if t.hasPrefix("lognormal:") {
            let parts = t.dropFirst("lognormal:".count).split(separator: ",")
            guard parts.count == 2, let ms = Double(parts[0]), let cv = Double(parts[1]), ms.isFinite, ms > 0,
                cv.isFinite, cv >= 0
            else { throw bad("expected lognormal:<mean ms>,<cv>, e.g. lognormal:2,0.5") }
            return .lognormal(milliseconds: ms, cv: cv)
        }
        throw bad("expected lan, wan, constant:<ms> or lognormal:<ms>,<cv>")
    }

    public var description: String {
        switch self {
        case .lan: "lan"
        case .wan: "wan"
        case .constant(let ms): "constant:\(LoadTestSpec.number(ms))"
        case .lognormal(let ms, let cv): "lognormal:\(LoadTestSpec.number(ms)),\(LoadTestSpec.number(cv))"
        }
    }

    /// The network's latency model for `nodes` nodes.
    public func model(nodes: Int) -> LatencyModel {
        switch self {
        case .lan: .lan
        case .wan: .wan(nodes: nodes)
        case .constant(let ms): .constant(SimTime(seconds: ms / 1000))
        case .lognormal(let ms, let cv):
            cv == 0 ? .constant(SimTime(seconds: ms / 1000)) : .lognormal(meanSeconds: ms / 1000, cv: cv)
        }
    }

    /// A bound on one message's delay (Δ) used to size nothing but the report: the largest mean one-way delay.
    public var meanDelaySeconds: Double {
        switch self {
        case .lan: 0.000_5
        case .wan: 0.110
        case .constant(let ms): ms / 1000
        case .lognormal(let ms, _): ms / 1000
        }
    }
}

/// Timeouts of the nodes.
public enum TimeoutProfile: String, Sendable, Codable, CaseIterable {
    /// CometBFT's defaults: propose 3 s, prevote/precommit 1 s (+0.5 s per round), commit timeout 1 s.
    case cometbft
    /// The test profile: propose 40 ms, prevote/precommit 10 ms (+10 ms per round), commit timeout 20 ms.
    case test

    public var timeouts: TimeoutConfig { self == .cometbft ? .cometBFT : .test }
    /// CometBFT's `timeout_commit` (1 s in `config/config.go`) or the tests' 20 ms.
    public var commitTimeout: SimTime { self == .cometbft ? .seconds(1) : .milliseconds(20) }
}

/// One fault as written: `crash:1@10s`, `restart:1@20s`, `partition:0,1|2,3@30s`, `isolate:2@5s`, `heal@40s`.
public struct FaultSpec: Sendable, Equatable, CustomStringConvertible {
    public var text: String
    public var fault: ScheduledFault
    /// Nodes the fault names (to check against the validator count).
    public var nodes: [Int]

    public static func parse(_ s: String) throws(LoadTestSpecError) -> FaultSpec {
        func bad(_ why: String) -> LoadTestSpecError { LoadTestSpecError(option: "--fault", text: s, reason: why) }
        let t = s.trimmingCharacters(in: .whitespaces)
        let at = t.split(separator: "@", omittingEmptySubsequences: false)
        guard at.count == 2 else {
            throw bad("expected <kind>[:<nodes>]@<time>, e.g. crash:1@10s, partition:0,1|2,3@30s, heal@40s")
        }
        let time: SimTime
        do { time = try LoadTestSpec.duration(String(at[1]), option: "--fault") } catch { throw bad(error.reason) }
        let head = at[0].split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let kind = head[0].lowercased()
        let arg = head.count > 1 ? String(head[1]) : nil
        func node() throws(LoadTestSpecError) -> Int {
            guard let a = arg, let i = Int(a), i >= 0 else {
                throw bad("\(kind) needs one node index, e.g. \(kind):1@10s")
            }
            return i
        }
        switch kind {
        case "crash":
            let i = try node()
            return FaultSpec(text: t, fault: ScheduledFault(at: time, .crash(i)), nodes: [i])
        case "restart":
            let i = try node()
            return FaultSpec(text: t, fault: ScheduledFault(at: time, .restart(i)), nodes: [i])
        case "isolate":
            let i = try node()
            return FaultSpec(text: t, fault: ScheduledFault(at: time, .isolate(i)), nodes: [i])
        case "heal":
            guard arg == nil else { throw bad("heal takes no nodes: heal@<time>") }
            return FaultSpec(text: t, fault: ScheduledFault(at: time, .heal), nodes: [])
        case "partition":
            guard let a = arg, !a.isEmpty else { throw bad("partition needs groups, e.g. partition:0,1|2,3@30s") }
            var groups: [[Int]] = []
            for g in a.split(separator: "|", omittingEmptySubsequences: false) {
                var members: [Int] = []
                for x in g.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let i = Int(x), i >= 0 else { throw bad("'\(x)' is not a node index") }
                    members.append(i)
                }
                groups.append(members)
            }
            let all = groups.flatMap { $0 }
            guard Set(all).count == all.count else { throw bad("a node is in two groups") }
            return FaultSpec(text: t, fault: ScheduledFault(at: time, .partition(groups)), nodes: all)
        default:
            throw bad("unknown fault '\(kind)'; expected crash, restart, partition, isolate or heal")
        }
    }

    public var description: String { text }
}

/// One load-test configuration (one point of a sweep).
public struct LoadTestPoint: Sendable, Equatable, Codable {
    public var validators: Int
    public var rate: Double
    public var label: String { "validators=\(validators) rate=\(LoadTestSpec.number(rate))" }
}

/// Everything a `readchain loadtest` invocation asks for.
public struct LoadTestSpec: Sendable {
    public var validators: [Int] = [4]
    /// Offered load, transactions per second (sweep).
    public var rates: [Double] = [200]
    /// Encoded transaction size in bytes (log app only; a market transfer has its own size).
    public var txSize: Int?
    /// Clients (each with one outstanding transaction); nil: enough for four seconds of latency at the rate.
    public var clients: Int?
    public var latency: LatencyProfile = .lan
    public var timeouts: TimeoutProfile = .cometbft
    public var duration: SimTime = .seconds(60)
    /// Trimmed from the start and the end of the statistics (nil: a tenth of the duration each).
    public var warmup: SimTime?
    public var cooldown: SimTime?
    public var faults: [FaultSpec] = []
    public var seed: UInt64 = 1
    public var replications: Int = 1
    public var app: LoadTestApp = .market
    /// Time after which a client resends an uncommitted transaction to another node.
    public var resubmitAfter: SimTime?
    /// Simulated CPU cost of one signature check (default: the measured Ed25519 verify, 77 µs).
    public var verifyCost: SimTime = .microseconds(77)
    /// Whether the in-process validators share one verified-signature cache (`.shared`, the default) or each
    /// keeps its own and so verifies every signature for real, as separate machines would (`.perNode`).
    public var signatureCaches: SignatureCacheMode = .shared
    /// Period of each node's re-broadcast of its latest proposal and votes.
    public var rebroadcast: SimTime = .seconds(1)
    /// Fraction of offered load a rate must commit to count as sustained (saturation point).
    public var sustainedFraction = 0.95
    /// The command line that produced this spec (the runs' scenario text).
    public var commandLine = ""

    public init() {}

    public var warmupTime: SimTime { warmup ?? SimTime(ticks: duration.ticks / 10) }
    public var cooldownTime: SimTime { cooldown ?? SimTime(ticks: duration.ticks / 10) }

    /// Sweep points in order: validators outer, rates inner.
    public var points: [LoadTestPoint] {
        validators.flatMap { n in rates.map { LoadTestPoint(validators: n, rate: $0) } }
    }

    public func clientCount(rate: Double) -> Int { clients ?? max(16, Int((rate * 4).rounded(.up))) }

    /// Checks the combination of options; every problem names its option.
    public func validate() throws(LoadTestSpecError) {
        for n in validators where n < 1 || n > 100 {
            throw LoadTestSpecError(option: "--validators", text: "\(n)", reason: "must be in 1...100")
        }
        for r in rates where !(r > 0 && r.isFinite && r <= 1_000_000) {
            throw LoadTestSpecError(
                option: "--rate", text: LoadTestSpec.number(r), reason: "must be in (0, 1000000] tx/s")
        }
        if let s = txSize, !(64...65_536).contains(s) {
            throw LoadTestSpecError(option: "--tx-size", text: "\(s)", reason: "must be in 64...65536 bytes")
        }
        if txSize != nil, app == .market {
            throw LoadTestSpecError(
                option: "--tx-size", text: "\(txSize!)",
                reason: "sets the size of log transactions; use it with --app log (a market transfer has a fixed size)")
        }
        if let c = clients, !(1...1_000_000).contains(c) {
            throw LoadTestSpecError(option: "--clients", text: "\(c)", reason: "must be in 1...1000000")
        }
        guard duration > .zero else {
            throw LoadTestSpecError(option: "--duration", text: "\(duration.seconds)s", reason: "must be positive")
        }
        if warmupTime + cooldownTime >= duration {
            throw LoadTestSpecError(
                option: "--warmup/--cooldown", text: "\(warmupTime.seconds)s + \(cooldownTime.seconds)s",
                reason: "leave no measurement window in a \(duration.seconds)s run")
        }
        guard (1...1_000).contains(replications) else {
            throw LoadTestSpecError(option: "--replications", text: "\(replications)", reason: "must be in 1...1000")
        }
        let smallest = validators.min() ?? 1
        for f in faults {
            if let bad = f.nodes.first(where: { $0 >= smallest }) {
                throw LoadTestSpecError(
                    option: "--fault", text: f.text,
                    reason: "node \(bad) does not exist with \(smallest) validators (nodes are 0...\(smallest - 1))")
            }
            if f.fault.at >= duration {
                throw LoadTestSpecError(option: "--fault", text: f.text, reason: "is at or after the end of the run")
            }
        }
    }

    // MARK: - Parsing helpers

    /// Parses a duration as scenario files write it (`60 s`, `60s`, `500 ms`, `2 min`, `250 us`; `µs` for `us`)
    /// into simulated time, exactly.
    public static func duration(_ s: String, option: String) throws(LoadTestSpecError) -> SimTime {
        let text = s.replacingOccurrences(of: "µs", with: "us")
        switch DurationText.ticks(text) {
        case .success(let ticks) where ticks >= 0: return SimTime(ticks: ticks)
        case .success: throw LoadTestSpecError(option: option, text: s, reason: "must not be negative")
        case .failure(let e): throw LoadTestSpecError(option: option, text: s, reason: e.reason)
        }
    }

    /// Parses a comma-separated list of integers (`4,7,10,16`).
    public static func integers(_ s: String, option: String) throws(LoadTestSpecError) -> [Int] {
        var out: [Int] = []
        for p in s.split(separator: ",", omittingEmptySubsequences: false) {
            guard let v = Int(p.trimmingCharacters(in: .whitespaces)) else {
                throw LoadTestSpecError(option: option, text: s, reason: "'\(p)' is not an integer")
            }
            out.append(v)
        }
        return out
    }

    /// Parses a comma-separated list of numbers (`100,200,400`).
    public static func numbers(_ s: String, option: String) throws(LoadTestSpecError) -> [Double] {
        var out: [Double] = []
        for p in s.split(separator: ",", omittingEmptySubsequences: false) {
            guard let v = Double(p.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                throw LoadTestSpecError(option: option, text: s, reason: "'\(p)' is not a number")
            }
            out.append(v)
        }
        return out
    }

    /// A number without a trailing `.0`.
    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }
}
