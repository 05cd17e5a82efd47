import Crypto

/// The identity of one run (one replication of one scenario variant) in a results database.
public struct RunID: Hashable, Sendable, CustomStringConvertible {
    /// The `runs.id` primary key.
    public let rawValue: Int64

    public init(rawValue: Int64) { self.rawValue = rawValue }

    public var description: String { "run \(rawValue)" }
}

/// The identity of one observation series (`series.id`) of one run.
public struct SeriesID: Hashable, Sendable {
    /// The `series.id` primary key.
    public let rawValue: Int64

    public init(rawValue: Int64) { self.rawValue = rawValue }
}

/// Where a run stands; stored in `runs.status`, whose CHECK constraint lists exactly these raw values.
public enum RunStatus: String, Sendable, CaseIterable {
    /// Started and, as far as the store knows, still going.
    case running
    /// Reached its horizon and wrote its metrics.
    case finished
    /// Stopped on an error; `runs.error_message` says which.
    case failed
    /// Stopped on request (e.g. SIGINT) before its horizon.
    case interrupted
    /// Its process died without finishing; found and marked by ``ResultsStore/markAbandonedRunsIncomplete()``.
    case incomplete
}

/// Everything needed to reproduce a run and to tell which code produced it.
///
/// Stored in the `runs` row written by ``ResultsStore/beginRun(_:)``.
public struct RunProvenance: Sendable, Equatable {
    /// The scenario's `name`.
    public var scenarioName: String
    /// The scenario's kind (e.g. `mm1`, `market`).
    public var scenarioKind: String
    /// The variant of the scenario (e.g. a market design), or nil when the scenario has none.
    public var variant: String?
    /// The scenario file's full text, as read.
    public var scenarioText: String
    /// Lower-case hex SHA-256 of the scenario text's UTF-8 bytes; see ``sha256Hex(_:)``.
    public var scenarioSHA256: String
    /// The master seed; all of the run's random streams derive from it and ``replication``.
    public var masterSeed: UInt64
    /// The replication index, from 0.
    public var replication: Int
    /// The simulator's version string.
    public var codeVersion: String
    /// The git revision the simulator was built from (or `unknown`).
    public var gitRevision: String
    /// The GSL generator's name (e.g. `mt19937`).
    public var gslGenerator: String
    /// The GSL library version (e.g. `2.7.1`).
    public var gslVersion: String
    /// The simulated horizon, in ticks (1 tick = 1 µs).
    public var horizonTicks: Int64
    /// The warm-up period excluded from statistics, in ticks.
    public var warmupTicks: Int64

    public init(
        scenarioName: String,
        scenarioKind: String,
        variant: String?,
        scenarioText: String,
        scenarioSHA256: String,
        masterSeed: UInt64,
        replication: Int,
        codeVersion: String,
        gitRevision: String,
        gslGenerator: String,
        gslVersion: String,
        horizonTicks: Int64,
        warmupTicks: Int64
    ) {
        self.scenarioName = scenarioName
        self.scenarioKind = scenarioKind
        self.variant = variant
        self.scenarioText = scenarioText
        self.scenarioSHA256 = scenarioSHA256
        self.masterSeed = masterSeed
        self.replication = replication
        self.codeVersion = codeVersion
        self.gitRevision = gitRevision
        self.gslGenerator = gslGenerator
        self.gslVersion = gslVersion
        self.horizonTicks = horizonTicks
        self.warmupTicks = warmupTicks
    }

    /// Lower-case hexadecimal SHA-256 of the UTF-8 bytes of `text` (64 characters).
    public static func sha256Hex(_ text: String) -> String {
        let digest = SHA256.hash(data: Array(text.utf8))
        return digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

/// One cross-replication summary (`summaries` row) of one metric of one scenario variant.
public struct SummaryRow: Sendable, Equatable {
    /// SHA-256 of the scenario text (``RunProvenance/scenarioSHA256``).
    public var scenarioSHA256: String
    /// The variant, or nil when the scenario has none.
    public var variant: String?
    /// The metric summarised (a ``RunMetric/name``).
    public var metric: String
    /// Number of replications summarised.
    public var n: Int
    /// Mean across replications (NaN stored as NULL).
    public var mean: Double
    /// Sample standard deviation across replications (NaN, e.g. for n < 2, stored as NULL).
    public var stddev: Double
    /// Lower bound of the confidence interval for the mean, if computed.
    public var ciLow: Double?
    /// Upper bound of the confidence interval for the mean, if computed.
    public var ciHigh: Double?
    /// Confidence level of the interval, in (0, 1), e.g. 0.95.
    public var confidence: Double
    /// The metric's unit, if any.
    public var unit: String?

    public init(
        scenarioSHA256: String,
        variant: String?,
        metric: String,
        n: Int,
        mean: Double,
        stddev: Double,
        ciLow: Double?,
        ciHigh: Double?,
        confidence: Double,
        unit: String? = nil
    ) {
        self.scenarioSHA256 = scenarioSHA256
        self.variant = variant
        self.metric = metric
        self.n = n
        self.mean = mean
        self.stddev = stddev
        self.ciLow = ciLow
        self.ciHigh = ciHigh
        self.confidence = confidence
        self.unit = unit
    }

    /// Equality that treats two NaN values as equal.
    public static func == (lhs: SummaryRow, rhs: SummaryRow) -> Bool {
        lhs.scenarioSHA256 == rhs.scenarioSHA256 && lhs.variant == rhs.variant && lhs.metric == rhs.metric
            && lhs.n == rhs.n && sameValue(lhs.mean, rhs.mean) && sameValue(lhs.stddev, rhs.stddev)
            && lhs.ciLow == rhs.ciLow && lhs.ciHigh == rhs.ciHigh && lhs.confidence == rhs.confidence
            && lhs.unit == rhs.unit
    }
}

/// One `runs` row read back: the provenance plus what the store recorded about the process.
public struct RunRecord: Sendable, Equatable {
    public var id: RunID
    public var provenance: RunProvenance
    public var status: RunStatus
    /// The message given to ``ResultsStore/finishRun(_:status:metrics:error:)``, or the store's note for
    /// an abandoned run.
    public var errorMessage: String?
    /// `sqlite_version()` of the library that wrote the row.
    public var sqliteVersion: String
    /// Host name of the machine that ran it.
    public var host: String
    /// Process id of the process that ran it.
    public var pid: Int64
    /// Wall-clock start, ISO-8601 UTC. Provenance only: never an input to results.
    public var startedAt: String
    /// Wall-clock end, ISO-8601 UTC, or nil while running (and for abandoned runs).
    public var endedAt: String?
}

/// Bitwise-agnostic equality where NaN equals NaN.
func sameValue(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }
