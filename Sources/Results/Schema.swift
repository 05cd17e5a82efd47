import GRDB

/// The results database schema and its migrations.
///
/// Every migration ends by setting `PRAGMA user_version` to its number, inside the migration's
/// transaction, so `user_version` always equals the number of the last migration applied. Columns are
/// documented in `Results/README.md`.
enum Schema {
    /// `PRAGMA application_id` of a ReadChain results database: the ASCII bytes "RChn".
    static let applicationID: Int32 = 0x5243_686E

    /// The number of the newest migration this build knows.
    static let version = 1

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: v1)
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.execute(sql: "PRAGMA user_version = 1")
        }
        return migrator
    }

    static let v1 = """
        CREATE TABLE runs (
            id                INTEGER PRIMARY KEY,
            scenario_name     TEXT    NOT NULL,
            scenario_kind     TEXT    NOT NULL,
            variant           TEXT,
            scenario_sha256   TEXT    NOT NULL CHECK (length(scenario_sha256) = 64),
            scenario_text     TEXT    NOT NULL,
            master_seed       TEXT    NOT NULL
                CHECK (length(master_seed) BETWEEN 1 AND 20 AND master_seed NOT GLOB '*[^0-9]*'),
            replication       INTEGER NOT NULL CHECK (replication >= 0),
            code_version      TEXT    NOT NULL,
            git_revision      TEXT    NOT NULL,
            gsl_generator     TEXT    NOT NULL,
            gsl_version       TEXT    NOT NULL,
            sqlite_version    TEXT    NOT NULL,
            host              TEXT    NOT NULL,
            pid               INTEGER NOT NULL,
            started_at        TEXT    NOT NULL,
            ended_at          TEXT,
            status            TEXT    NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'finished', 'failed', 'interrupted', 'incomplete')),
            error_message     TEXT,
            sim_horizon_ticks INTEGER NOT NULL CHECK (sim_horizon_ticks >= 0),
            warmup_ticks      INTEGER NOT NULL CHECK (warmup_ticks BETWEEN 0 AND sim_horizon_ticks)
        );
        CREATE INDEX runs_by_scenario ON runs (scenario_sha256, variant, replication);
        CREATE INDEX runs_by_status ON runs (status, host);

        CREATE TABLE run_metrics (
            run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            name    TEXT    NOT NULL,
            value   REAL,
            ci_low  REAL,
            ci_high REAL,
            unit    TEXT,
            PRIMARY KEY (run_id, name)
        ) WITHOUT ROWID;

        CREATE TABLE series (
            id     INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            name   TEXT    NOT NULL,
            unit   TEXT,
            UNIQUE (run_id, name)
        );

        CREATE TABLE observations (
            series_id  INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
            time_ticks INTEGER NOT NULL,
            value      REAL    NOT NULL
        );
        CREATE INDEX observations_by_series_time ON observations (series_id, time_ticks);

        CREATE TABLE summaries (
            id              INTEGER PRIMARY KEY,
            scenario_sha256 TEXT    NOT NULL CHECK (length(scenario_sha256) = 64),
            variant         TEXT,
            metric          TEXT    NOT NULL,
            n               INTEGER NOT NULL CHECK (n >= 0),
            mean            REAL,
            stddev          REAL,
            ci_low          REAL,
            ci_high         REAL,
            confidence      REAL    NOT NULL CHECK (confidence > 0 AND confidence < 1),
            unit            TEXT
        );
        CREATE UNIQUE INDEX summaries_by_key ON summaries (scenario_sha256, ifnull(variant, ''), metric);
        """
}
