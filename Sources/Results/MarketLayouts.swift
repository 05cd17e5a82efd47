import MarketModel

// The market tables (schema migration v2; columns documented in Results/README.md), each described once. The
// insert, the read-back and the schema check (`StoredTable.mismatch`) all come from these lists.

extension ResultsStore {
    /// `market_studies`: one study of one run (`run_id` and `ordinal`, its position in the run, come first).
    static let studyLayout = StoredTable<StudyRecord>(
        table: "market_studies", leading: ["run_id", "ordinal"],
        blank: StudyRecord(
            key: "", client: "", clientType: "", modality: .xr, urgency: .routine, subspecialty: nil, arrival: 0,
            requiredTurnaround: 0, truthFinding: false, truthSeverity: nil, measured: false),
        columns: [
            Column("study_key", \.key), Column("client", \.client), Column("client_type", \.clientType),
            Column("modality", \.modality), Column("urgency", \.urgency), Column("subspecialty", \.subspecialty),
            Column("chain_study_id", \.chainStudyID), Column("arrival_ticks", \.arrival),
            Column("posted_ticks", \.posted), Column("first_committed_ticks", \.firstCommitted),
            Column("assigned_ticks", \.assigned), Column("read_start_ticks", \.readStart),
            Column("read_end_ticks", \.readEnd), Column("report_committed_ticks", \.reportCommitted),
            Column("settled_ticks", \.settled), Column("closed_ticks", \.closed),
            Column("required_turnaround_ticks", \.requiredTurnaround),
            Column("turnaround_ticks", derived: \.turnaround), Column("price_paid_minor", \.pricePaid),
            Column("radiologist_pay_minor", \.radiologistPay),
            Column("intermediary_margin_minor", \.intermediaryMargin), Column("client_fees_minor", \.clientFees),
            Column("radiologist", \.radiologist), Column("truth_finding", \.truthFinding),
            Column("truth_severity", \.truthSeverity), Column("outcome", \.outcome),
            Column("discrepancy", \.discrepancy), Column("changed_by_ai", \.changedByAI),
            Column("hours_into_shift", \.hoursIntoShift), Column("shift_volume", \.shiftVolume),
            Column("pace", \.pace), Column("error_probability", \.errorProbability),
            Column("peer_reviewed", \.peerReviewed), Column("review_score", \.reviewScore),
            Column("detected", \.detected), Column("feedback", \.feedback),
            Column("follow_up_recommended", \.followUpRecommended),
            Column("follow_up_completed", \.followUpCompleted), Column("reposts", \.reposts),
            Column("status", \.status), Column("measured", \.measured), Column("ai_finding", \.aiFinding),
            Column("structured_report", \.structuredReport), Column("follow_up_appropriate", \.followUpAppropriate),
        ])

    /// `radiologist_days`: one radiologist's calendar day in one run.
    static let dayLayout = StoredTable<RadiologistDayRecord>(
        table: "radiologist_days", leading: ["run_id"],
        blank: RadiologistDayRecord(
            radiologist: 0, cohort: "", day: 0, hoursOnShift: 0, hoursReading: 0, reads: 0, wRVU: 0, income: 0,
            pace: 0, burnout: 0, burnedOut: false, active: false, exited: false, cutHours: false),
        columns: [
            Column("radiologist", \.radiologist), Column("day", \.day), Column("cohort", \.cohort),
            Column("hours_on_shift", \.hoursOnShift), Column("hours_reading", \.hoursReading),
            Column("reads", \.reads), Column("wrvu", \.wRVU), Column("income_minor", \.income),
            Column("pace", \.pace), Column("burnout", \.burnout), Column("burned_out", \.burnedOut),
            Column("active", \.active), Column("exited", \.exited), Column("cut_hours", \.cutHours),
        ])

    /// `market_samples`: the market of one run at one instant.
    static let sampleLayout = StoredTable<MarketSample>(
        table: "market_samples", leading: ["run_id"],
        blank: MarketSample(
            time: 0, openOrders: 0, inProgress: 0, meanPrice: nil, onShift: 0, utilisation: 0, activeRadiologists: 0,
            burnedOut: 0, datasetSize: 0),
        columns: [
            Column("time_ticks", \.time), Column("open_orders", \.openOrders), Column("in_progress", \.inProgress),
            Column("mean_price_minor", \.meanPrice), Column("on_shift", \.onShift),
            Column("utilisation", \.utilisation), Column("active_radiologists", \.activeRadiologists),
            Column("burned_out", \.burnedOut), Column("dataset_size", \.datasetSize),
        ])

    /// `chain_blocks`: one committed block of one run.
    static let blockLayout = StoredTable<ChainBlockRecord>(
        table: "chain_blocks", leading: ["run_id"],
        blank: ChainBlockRecord(height: 0, time: 0, round: 0, transactions: 0, bytes: 0, failed: 0),
        columns: [
            Column("height", \.height), Column("time_ticks", \.time), Column("round", \.round),
            Column("transactions", \.transactions), Column("bytes", \.bytes), Column("failed", \.failed),
        ])
}

extension ResultsStore {
    /// Differences between the market tables of this file and their declared layouts (`PRAGMA table_info` against
    /// each ``StoredTable``'s columns); empty when every table matches.
    ///
    /// - Throws: ``ResultsError`` on an SQLite error.
    public func marketLayoutMismatches() throws -> [String] {
        try read("cannot check the market tables' columns") { db in
            [
                try Self.studyLayout.mismatch(in: db), try Self.dayLayout.mismatch(in: db),
                try Self.sampleLayout.mismatch(in: db), try Self.blockLayout.mismatch(in: db),
            ].compactMap { $0 }
        }
    }
}
