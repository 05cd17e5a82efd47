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
    static let version = 10

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: v1)
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.execute(sql: "PRAGMA user_version = 1")
        }
        migrator.registerMigration("v2") { db in
            try db.execute(sql: v2)
            try db.execute(sql: "PRAGMA user_version = 2")
        }
        migrator.registerMigration("v3") { db in
            try db.execute(sql: v3)
            try db.execute(sql: "PRAGMA user_version = 3")
        }
        migrator.registerMigration("v4") { db in
            try db.execute(sql: v4)
            try db.execute(sql: "PRAGMA user_version = 4")
        }
        migrator.registerMigration("v5") { db in
            try db.execute(sql: v5)
            try db.execute(sql: "PRAGMA user_version = 5")
        }
        migrator.registerMigration("v6") { db in
            try db.execute(sql: v6)
            try db.execute(sql: "PRAGMA user_version = 6")
        }
        migrator.registerMigration("v7") { db in
            try db.execute(sql: v7)
            try db.execute(sql: "PRAGMA user_version = 7")
        }
        migrator.registerMigration("v8") { db in
            try db.execute(sql: v8)
            try db.execute(sql: "PRAGMA user_version = 8")
        }
        migrator.registerMigration("v9") { db in
            try db.execute(sql: v9)
            try db.execute(sql: "PRAGMA user_version = 9")
        }
        migrator.registerMigration("v10") { db in
            try db.execute(sql: v10)
            try db.execute(sql: "PRAGMA user_version = 10")
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

    /// The market study's detail (issue 5): per study, per radiologist-day, per market sample, per block, and
    /// one row of chain facts per run. Every table hangs off `runs` and is clustered on its natural key.
    static let v2 = """
        CREATE TABLE market_studies (
            run_id                   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            study_key                TEXT    NOT NULL,
            ordinal                  INTEGER NOT NULL CHECK (ordinal >= 0),
            client                   TEXT    NOT NULL,
            client_type              TEXT    NOT NULL,
            modality                 TEXT    NOT NULL,
            urgency                  TEXT    NOT NULL,
            subspecialty             TEXT,
            chain_study_id           INTEGER,
            arrival_ticks            INTEGER NOT NULL,
            posted_ticks             INTEGER,
            first_committed_ticks    INTEGER,
            assigned_ticks           INTEGER,
            read_start_ticks         INTEGER,
            read_end_ticks           INTEGER,
            report_committed_ticks   INTEGER,
            settled_ticks            INTEGER,
            required_turnaround_ticks INTEGER NOT NULL,
            turnaround_ticks         INTEGER,
            price_paid_minor         INTEGER NOT NULL CHECK (price_paid_minor >= 0),
            radiologist_pay_minor    INTEGER NOT NULL CHECK (radiologist_pay_minor >= 0),
            intermediary_margin_minor INTEGER NOT NULL CHECK (intermediary_margin_minor >= 0),
            client_fees_minor        INTEGER NOT NULL CHECK (client_fees_minor >= 0),
            radiologist              INTEGER,
            truth_finding            INTEGER NOT NULL CHECK (truth_finding IN (0, 1)),
            truth_severity           INTEGER,
            outcome                  TEXT,
            discrepancy              INTEGER NOT NULL CHECK (discrepancy BETWEEN 0 AND 2),
            changed_by_ai            INTEGER NOT NULL CHECK (changed_by_ai IN (0, 1)),
            hours_into_shift         REAL,
            shift_volume             INTEGER,
            pace                     REAL,
            error_probability        REAL CHECK (error_probability BETWEEN 0 AND 1),
            peer_reviewed            INTEGER NOT NULL CHECK (peer_reviewed IN (0, 1)),
            review_score             TEXT,
            detected                 INTEGER CHECK (detected IN (0, 1)),
            feedback                 INTEGER,
            follow_up_recommended    INTEGER NOT NULL CHECK (follow_up_recommended IN (0, 1)),
            follow_up_completed      INTEGER NOT NULL CHECK (follow_up_completed IN (0, 1)),
            reposts                  INTEGER NOT NULL CHECK (reposts >= 0),
            status                   TEXT    NOT NULL,
            measured                 INTEGER NOT NULL CHECK (measured IN (0, 1)),
            PRIMARY KEY (run_id, study_key)
        ) WITHOUT ROWID;
        CREATE INDEX market_studies_by_key ON market_studies (study_key);

        CREATE TABLE radiologist_days (
            run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            radiologist   INTEGER NOT NULL CHECK (radiologist >= 0),
            day           INTEGER NOT NULL CHECK (day >= 0),
            cohort        TEXT    NOT NULL,
            hours_on_shift REAL   NOT NULL,
            hours_reading REAL    NOT NULL,
            reads         INTEGER NOT NULL CHECK (reads >= 0),
            wrvu          REAL    NOT NULL,
            income_minor  INTEGER NOT NULL CHECK (income_minor >= 0),
            pace          REAL    NOT NULL,
            burnout       REAL    NOT NULL,
            burned_out    INTEGER NOT NULL CHECK (burned_out IN (0, 1)),
            active        INTEGER NOT NULL CHECK (active IN (0, 1)),
            exited        INTEGER NOT NULL CHECK (exited IN (0, 1)),
            cut_hours     INTEGER NOT NULL CHECK (cut_hours IN (0, 1)),
            PRIMARY KEY (run_id, radiologist, day)
        ) WITHOUT ROWID;

        CREATE TABLE market_samples (
            run_id              INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            time_ticks          INTEGER NOT NULL,
            open_orders         INTEGER NOT NULL CHECK (open_orders >= 0),
            in_progress         INTEGER NOT NULL CHECK (in_progress >= 0),
            mean_price_minor    REAL,
            on_shift            INTEGER NOT NULL CHECK (on_shift >= 0),
            utilisation         REAL    NOT NULL,
            active_radiologists INTEGER NOT NULL CHECK (active_radiologists >= 0),
            burned_out          INTEGER NOT NULL CHECK (burned_out >= 0),
            dataset_size        INTEGER NOT NULL CHECK (dataset_size >= 0),
            PRIMARY KEY (run_id, time_ticks)
        ) WITHOUT ROWID;

        CREATE TABLE chain_blocks (
            run_id       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            height       INTEGER NOT NULL CHECK (height >= 0),
            time_ticks   INTEGER NOT NULL,
            round        INTEGER NOT NULL CHECK (round >= 0),
            transactions INTEGER NOT NULL CHECK (transactions >= 0),
            bytes        INTEGER NOT NULL CHECK (bytes >= 0),
            failed       INTEGER NOT NULL CHECK (failed BETWEEN 0 AND transactions),
            PRIMARY KEY (run_id, height)
        ) WITHOUT ROWID;

        CREATE TABLE chain_runs (
            run_id                  INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
            chain_digest            TEXT    NOT NULL,
            state_root              TEXT    NOT NULL,
            tx_submitted            INTEGER NOT NULL CHECK (tx_submitted >= 0),
            tx_committed            INTEGER NOT NULL CHECK (tx_committed >= 0),
            tx_failed               INTEGER NOT NULL CHECK (tx_failed >= 0),
            tx_refused              INTEGER NOT NULL CHECK (tx_refused >= 0),
            signature_verifications INTEGER NOT NULL CHECK (signature_verifications >= 0),
            signatures_made         INTEGER NOT NULL CHECK (signatures_made >= 0),
            events                  INTEGER NOT NULL CHECK (events >= 0),
            blocks                  INTEGER NOT NULL CHECK (blocks >= 0),
            studies                 INTEGER NOT NULL CHECK (studies >= 0),
            studies_reported        INTEGER NOT NULL CHECK (studies_reported >= 0),
            oracle_violations       INTEGER NOT NULL CHECK (oracle_violations >= 0),
            oracle_violation_text   TEXT
        );
        """
}
