extension Schema {
    /// Resumable studies, sweeps and sequential stopping (issue 6 items 1 and 3, issue 7 item 3).
    ///
    /// - `study_settings`: at most one row: what produced the database (a scenario or a sweep file, its text and
    ///   hash, the master seed, whether detail rows are kept). `--resume`, a re-run sweep and `merge` check it.
    /// - `sweep_points`: each point of a sweep and the value each swept parameter takes there.
    /// - `sweep_runs`: the sweep's full list of (point, variant, replication) runs, written by every shard, so a
    ///   merge can tell what is missing without re-reading the sweep file.
    /// - `stopping`: per variant, how a sequential-stopping study ended (replications used and why).
    static let v5 = """
        CREATE TABLE study_settings (
            id                  INTEGER PRIMARY KEY CHECK (id = 1),
            kind                TEXT    NOT NULL CHECK (kind IN ('scenario', 'sweep')),
            name                TEXT    NOT NULL,
            source_sha256       TEXT    NOT NULL CHECK (length(source_sha256) = 64),
            source_text         TEXT    NOT NULL,
            master_seed         TEXT    NOT NULL
                CHECK (length(master_seed) BETWEEN 1 AND 20 AND master_seed NOT GLOB '*[^0-9]*'),
            record_observations INTEGER NOT NULL CHECK (record_observations IN (0, 1))
        );

        CREATE TABLE sweep_points (
            point           INTEGER NOT NULL CHECK (point >= 0),
            parameter       TEXT    NOT NULL,
            position        INTEGER NOT NULL CHECK (position >= 0),
            value           TEXT    NOT NULL,
            scenario_sha256 TEXT    NOT NULL CHECK (length(scenario_sha256) = 64),
            PRIMARY KEY (point, parameter)
        ) WITHOUT ROWID;

        CREATE TABLE sweep_runs (
            point           INTEGER NOT NULL CHECK (point >= 0),
            variant         TEXT    NOT NULL,
            replication     INTEGER NOT NULL CHECK (replication >= 0),
            scenario_sha256 TEXT    NOT NULL CHECK (length(scenario_sha256) = 64),
            PRIMARY KEY (point, variant, replication)
        ) WITHOUT ROWID;

        CREATE TABLE stopping (
            scenario_sha256          TEXT    NOT NULL CHECK (length(scenario_sha256) = 64),
            variant                  TEXT    NOT NULL DEFAULT '',
            target_half_width        REAL    NOT NULL CHECK (target_half_width > 0),
            metrics                  TEXT    NOT NULL,
            replications             INTEGER NOT NULL CHECK (replications >= 0),
            max_replications         INTEGER NOT NULL CHECK (max_replications >= 1),
            reason                   TEXT    NOT NULL CHECK (reason IN ('target_met', 'max_replications')),
            worst_metric             TEXT,
            worst_relative_half_width REAL,
            PRIMARY KEY (scenario_sha256, variant)
        ) WITHOUT ROWID;
        """

    /// Whether the study keeps each market run's chain (`--no-chain` turns this off), so `--resume` refuses to
    /// mix runs with and without their chains. NULL in a database written before v6 (not recorded).
    static let v6 = """
        ALTER TABLE study_settings ADD COLUMN record_chain INTEGER CHECK (record_chain IN (0, 1));
        """

    /// When each study left the market (its report committed, or the client gave up on it; issue 14 item 6), so the
    /// hourly work in system can be checked against the study rows. NULL while the study was still in the market at
    /// the horizon, and in every row written before v7 (not recorded).
    static let v7 = """
        ALTER TABLE market_studies ADD COLUMN closed_ticks INTEGER;
        """

    /// The chain's signature scheme (`ed25519` or `simulated`, `chain.signatures` or `--signatures`; issue 16): per
    /// market run, so `readchain replay` checks its signatures under the scheme that made them, and per study, so
    /// `--resume` and `merge` refuse to mix schemes. NULL in a database written before v8 (every run was
    /// `ed25519`) and for a queue study. Not digested: both schemes give the same market rows by construction, and
    /// the chain bytes that differ are (`chain_runs.chain_digest`, the stored blocks).
    static let v8 = """
        ALTER TABLE study_settings ADD COLUMN signatures TEXT CHECK (signatures IN ('ed25519', 'simulated'));
        ALTER TABLE chain_runs ADD COLUMN signatures TEXT CHECK (signatures IN ('ed25519', 'simulated'));
        """

    /// Paired sequential stopping (issue 15 item 3): the design the watched designs were paired with, whose own
    /// row is not written (it is not watched). NULL: each design's own mean was watched (and before v9).
    static let v9 = """
        ALTER TABLE stopping ADD COLUMN paired_baseline TEXT;
        """

    /// Per study (issue 18 items 3 and 4): the AI second reader's own verdict on the read (1 "finding", 0 "no
    /// finding", NULL when no AI read it); whether the report is structured, and whether its follow-up
    /// recommendation meets the clients' guideline (NULL when the scenario's `quality` section is off). All NULL in
    /// rows written before v10. The report on chain carries the same three.
    static let v10 = """
        ALTER TABLE market_studies ADD COLUMN ai_finding INTEGER CHECK (ai_finding IN (0, 1));
        ALTER TABLE market_studies ADD COLUMN structured_report INTEGER CHECK (structured_report IN (0, 1));
        ALTER TABLE market_studies ADD COLUMN follow_up_appropriate INTEGER CHECK (follow_up_appropriate IN (0, 1));
        """
}
