import Analysis
import GRDB
import MarketModel

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
    /// Replaces every comparison of the scenario `scenarioSHA256` with `comparisons` (`comparisons` rows, one per
    /// paired difference; the label is not stored), in one transaction (so a comparison against another baseline
    /// or of fewer designs leaves no stale rows).
    ///
    /// - Throws: ``ResultsError`` on a duplicate key or an SQLite error; nothing is written then.
    public func replaceComparisons(scenarioSHA256: String, with comparisons: [PairedDifference]) throws {
        try write("cannot write comparisons") { db in
            try db.execute(sql: "DELETE FROM comparisons WHERE scenario_sha256 = ?", arguments: [scenarioSHA256])
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO comparisons (scenario_sha256, baseline, variant, metric, n, mean_diff, sd_diff, ci_low,
                        ci_high, half_width_paired, half_width_unpaired, variance_ratio, baseline_mean, variant_mean,
                        confidence, unit)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for c in comparisons {
                try insert.execute(arguments: [
                    scenarioSHA256, c.baseline, c.variant, c.metric, c.n, Self.nullIfNaN(c.meanDifference),
                    Self.nullIfNaN(c.sdDifference), Self.nullIfNaN(c.ciLow), Self.nullIfNaN(c.ciHigh),
                    Self.nullIfNaN(c.halfWidthPaired), Self.nullIfNaN(c.halfWidthUnpaired),
                    Self.nullIfNaN(c.varianceRatio), Self.nullIfNaN(c.baselineMean), Self.nullIfNaN(c.variantMean),
                    c.confidence, c.unit,
                ])
            }
        }
    }

    /// The comparisons of one scenario, in the order they were written (NaN for SQL NULL), each labelled
    /// `label(metric)` (the label is not stored; by default the metric's name).
    public func comparisons(
        scenarioSHA256: String, label: (String) -> String = { $0 }
    ) throws -> [PairedDifference] {
        try read("cannot read comparisons") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM comparisons WHERE scenario_sha256 = ? ORDER BY id", arguments: [scenarioSHA256]
            ).map { r in
                func real(_ column: String) -> Double { (r[column] as Double?) ?? .nan }
                let metric: String = r["metric"]
                var c = PairedDifference(
                    baseline: r["baseline"], variant: r["variant"], metric: metric, label: label(metric),
                    unit: (r["unit"] as String?) ?? "", n: r["n"], meanDifference: real("mean_diff"),
                    sdDifference: real("sd_diff"), ciLow: real("ci_low"), ciHigh: real("ci_high"),
                    halfWidthPaired: real("half_width_paired"), halfWidthUnpaired: real("half_width_unpaired"),
                    baselineMean: real("baseline_mean"), variantMean: real("variant_mean"),
                    confidence: r["confidence"])
                c.varianceRatio = real("variance_ratio")
                return c
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
