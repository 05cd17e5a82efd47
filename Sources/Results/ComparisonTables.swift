import GRDB
import MarketModel

/// One paired comparison of a design with the baseline on one metric (`comparisons` row). NaN for SQL NULL.
public struct ComparisonRow: Sendable, Equatable {
    public var scenarioSHA256: String
    public var baseline: String
    public var variant: String
    public var metric: String
    public var n: Int
    public var meanDiff: Double
    public var sdDiff: Double
    public var ciLow: Double
    public var ciHigh: Double
    public var halfWidthPaired: Double
    public var halfWidthUnpaired: Double
    /// Variance of the paired differences over the sum of the two samples' variances (NaN when undefined).
    public var varianceRatio: Double = .nan
    public var baselineMean: Double
    public var variantMean: Double
    public var confidence: Double
    public var unit: String?

    public init(
        scenarioSHA256: String, baseline: String, variant: String, metric: String, n: Int, meanDiff: Double,
        sdDiff: Double, ciLow: Double, ciHigh: Double, halfWidthPaired: Double, halfWidthUnpaired: Double,
        baselineMean: Double, variantMean: Double, confidence: Double, unit: String?
    ) {
        self.scenarioSHA256 = scenarioSHA256
        self.baseline = baseline
        self.variant = variant
        self.metric = metric
        self.n = n
        self.meanDiff = meanDiff
        self.sdDiff = sdDiff
        self.ciLow = ciLow
        self.ciHigh = ciHigh
        self.halfWidthPaired = halfWidthPaired
        self.halfWidthUnpaired = halfWidthUnpaired
        self.baselineMean = baselineMean
        self.variantMean = variantMean
        self.confidence = confidence
        self.unit = unit
    }

    /// Equal when every field is, NaN equal to NaN (a NULL read back).
    public static func == (lhs: ComparisonRow, rhs: ComparisonRow) -> Bool {
        func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }
        return lhs.scenarioSHA256 == rhs.scenarioSHA256 && lhs.baseline == rhs.baseline
            && lhs.variant == rhs.variant && lhs.metric == rhs.metric && lhs.n == rhs.n
            && same(lhs.meanDiff, rhs.meanDiff) && same(lhs.sdDiff, rhs.sdDiff) && same(lhs.ciLow, rhs.ciLow)
            && same(lhs.ciHigh, rhs.ciHigh) && same(lhs.halfWidthPaired, rhs.halfWidthPaired)
            && same(lhs.halfWidthUnpaired, rhs.halfWidthUnpaired) && same(lhs.baselineMean, rhs.baselineMean)
            && same(lhs.variantMean, rhs.variantMean) && lhs.confidence == rhs.confidence && lhs.unit == rhs.unit
            && same(lhs.varianceRatio, rhs.varianceRatio)
    }
}

/// One run's warm-up for one series: configured, and as a detection method found it (`warmup` row).
public struct WarmupRow: Sendable, Equatable {
    public var run: RunID
    /// The output series examined, e.g. `work_in_system` (open orders + studies being read, hourly).
    public var series: String
    public var configuredTicks: Int64
    /// The detected truncation (the time of the last observation dropped); nil when the series was too short.
    public var detectedTicks: Int64?
    public var batchSize: Int
    public var batches: Int
    /// E.g. `mser-5`.
    public var method: String

    public init(
        run: RunID, series: String, configuredTicks: Int64, detectedTicks: Int64?, batchSize: Int, batches: Int,
        method: String
    ) {
        self.run = run
        self.series = series
        self.configuredTicks = configuredTicks
        self.detectedTicks = detectedTicks
        self.batchSize = batchSize
        self.batches = batches
        self.method = method
    }
}

extension ResultsStore {
    /// Replaces every comparison of the scenario `scenarioSHA256` with `rows`, in one transaction (so a
    /// comparison against another baseline or of fewer designs leaves no stale rows).
    ///
    /// - Throws: ``ResultsError`` on a row of another scenario, a duplicate key or an SQLite error; nothing is
    ///   written then.
    public func replaceComparisons(scenarioSHA256: String, with rows: [ComparisonRow]) throws {
        if let other = rows.first(where: { $0.scenarioSHA256 != scenarioSHA256 }) {
            throw ResultsError(
                "comparison row of scenario \(other.scenarioSHA256) among those of \(scenarioSHA256)", path: path)
        }
        try write("cannot write comparisons") { db in
            try db.execute(sql: "DELETE FROM comparisons WHERE scenario_sha256 = ?", arguments: [scenarioSHA256])
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO comparisons (scenario_sha256, baseline, variant, metric, n, mean_diff, sd_diff, ci_low,
                        ci_high, half_width_paired, half_width_unpaired, variance_ratio, baseline_mean, variant_mean,
                        confidence, unit)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for r in rows {
                try insert.execute(arguments: [
                    r.scenarioSHA256, r.baseline, r.variant, r.metric, r.n, Self.nullIfNaN(r.meanDiff),
                    Self.nullIfNaN(r.sdDiff), Self.nullIfNaN(r.ciLow), Self.nullIfNaN(r.ciHigh),
                    Self.nullIfNaN(r.halfWidthPaired), Self.nullIfNaN(r.halfWidthUnpaired),
                    Self.nullIfNaN(r.varianceRatio), Self.nullIfNaN(r.baselineMean), Self.nullIfNaN(r.variantMean), r.confidence, r.unit,
                ])
            }
        }
    }

    /// The comparisons of one scenario, in the order they were written.
    public func comparisons(scenarioSHA256: String) throws -> [ComparisonRow] {
        try read("cannot read comparisons") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM comparisons WHERE scenario_sha256 = ? ORDER BY id", arguments: [scenarioSHA256]
            ).map { r in
                func real(_ column: String) -> Double { (r[column] as Double?) ?? .nan }
                var row = ComparisonRow(
                    scenarioSHA256: r["scenario_sha256"], baseline: r["baseline"], variant: r["variant"],
                    metric: r["metric"], n: r["n"], meanDiff: real("mean_diff"), sdDiff: real("sd_diff"),
                    ciLow: real("ci_low"), ciHigh: real("ci_high"), halfWidthPaired: real("half_width_paired"),
                    halfWidthUnpaired: real("half_width_unpaired"), baselineMean: real("baseline_mean"),
                    variantMean: real("variant_mean"), confidence: r["confidence"], unit: r["unit"])
                row.varianceRatio = real("variance_ratio")
                return row
            }
        }
    }

    /// Writes warm-up rows in one transaction, replacing any earlier row with the same run, series and method.
    ///
    /// - Throws: ``ResultsError`` for an unknown run, a negative tick count or an SQLite error; nothing is
    ///   written then.
    public func writeWarmup(_ rows: [WarmupRow]) throws {
        try write("cannot write warm-up rows") { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO warmup (run_id, series, configured_ticks, detected_ticks, batch_size,
                        n_batches, method)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
            for r in rows {
                try insert.execute(arguments: [
                    r.run.rawValue, r.series, r.configuredTicks, r.detectedTicks, r.batchSize, r.batches, r.method,
                ])
            }
        }
    }

    /// Every warm-up row, ordered by run, series and method.
    public func warmup() throws -> [WarmupRow] {
        try read("cannot read warm-up rows") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM warmup ORDER BY run_id, series, method").map { r in
                WarmupRow(
                    run: RunID(rawValue: r["run_id"]), series: r["series"], configuredTicks: r["configured_ticks"],
                    detectedTicks: r["detected_ticks"], batchSize: r["batch_size"], batches: r["n_batches"],
                    method: r["method"])
            }
        }
    }

    /// The hourly market samples of one run, in time order.
    public func marketSamples(run: RunID) throws -> [MarketSample] {
        try read("cannot read the market samples of \(run)") { db in
            try Self.sampleLayout.fetchAll(
                db, path: path, "WHERE run_id = ? ORDER BY time_ticks", arguments: [run.rawValue])
        }
    }
}
