extension Schema {
    /// Experiments (issue 6): paired comparisons of designs against a baseline, and each run's warm-up as
    /// configured and as MSER-5 detects it. Columns are documented in `Results/README.md`.
    static let v4 = """
        CREATE TABLE comparisons (
            id                  INTEGER PRIMARY KEY,
            scenario_sha256     TEXT    NOT NULL CHECK (length(scenario_sha256) = 64),
            baseline            TEXT    NOT NULL,
            variant             TEXT    NOT NULL CHECK (variant <> baseline),
            metric              TEXT    NOT NULL,
            n                   INTEGER NOT NULL CHECK (n >= 0),
            mean_diff           REAL,
            sd_diff             REAL,
            ci_low              REAL,
            ci_high             REAL,
            half_width_paired   REAL    CHECK (half_width_paired >= 0),
            half_width_unpaired REAL    CHECK (half_width_unpaired >= 0),
            variance_ratio      REAL    CHECK (variance_ratio >= 0),
            baseline_mean       REAL,
            variant_mean        REAL,
            confidence          REAL    NOT NULL CHECK (confidence > 0 AND confidence < 1),
            unit                TEXT,
            UNIQUE (scenario_sha256, baseline, variant, metric)
        );

        CREATE TABLE warmup (
            run_id           INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            series           TEXT    NOT NULL,
            configured_ticks INTEGER NOT NULL CHECK (configured_ticks >= 0),
            detected_ticks   INTEGER CHECK (detected_ticks >= 0),
            batch_size       INTEGER NOT NULL CHECK (batch_size >= 1),
            n_batches        INTEGER NOT NULL CHECK (n_batches >= 0),
            method           TEXT    NOT NULL,
            PRIMARY KEY (run_id, series, method)
        ) WITHOUT ROWID;
        """
}
