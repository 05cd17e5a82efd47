import Market
import MarketModel
import Studies

/// Every metric `readchain` reports, by kind of study, with its unit and what it measures: what
/// `readchain metrics` prints and the tables' `key` column refers to.
///
/// The keys and units come from the studies' own lists (``MarketMetrics/headline``, the queue study's headline
/// metrics), so a metric cannot be renamed here; a definition missing for a key is a test failure.
public enum MetricCatalogue {
    /// One metric: its key (the `run_metrics.name`), unit, short label and definition.
    public struct Entry: Codable, Sendable, Equatable {
        public var kind: String
        public var key: String
        public var unit: String
        public var label: String
        public var definition: String
    }

    /// Market then queue metrics, each in its study's print order.
    public static var all: [Entry] {
        MarketMetrics.headline.map { m in
            Entry(
                kind: "market", key: m.name, unit: m.unit == "money" ? "currency (e.g. USD)" : m.unit, label: m.label,
                definition: marketDefinitions[m.name] ?? "")
        }
            + QueueStudy.headlineMetrics.map { m in
                Entry(
                    kind: "queue", key: m.name, unit: m.unit, label: m.label, definition: queueDefinitions[m.name] ?? ""
                )
            }
    }

    /// "Measured" studies arrived after the warm-up; day metrics use the days after it.
    static let marketDefinitions: [String: String] = [
        "turnaround_p50_stat": turnaround("median", "STAT"),
        "turnaround_p90_stat": turnaround("90th percentile", "STAT"),
        "turnaround_p50_urgent": turnaround("median", "urgent"),
        "turnaround_p90_urgent": turnaround("90th percentile", "urgent"),
        "turnaround_p50_routine": turnaround("median", "routine"),
        "turnaround_p90_routine": turnaround("90th percentile", "routine"),
        "late_share":
            "share of measured studies reported after their required turnaround, or never reported by the horizon",
        "expired_share": "share of measured studies with no report at the horizon (expired or still open)",
        "never_reported_stat": "share of measured STAT studies the client gave up on (expired, never reported)",
        "never_reported_urgent": "share of measured urgent studies the client gave up on (expired, never reported)",
        "never_reported_routine": "share of measured routine studies the client gave up on (expired, never reported)",
        "unsettled_holdback_share":
            "share of reported measured studies whose value-based hold-back is still in escrow at the horizon",
        "cost_per_study": "mean client cost of a reported measured study: price paid plus the client's chain fees",
        "intermediary_fees_per_study":
            "mean intermediary margin (the operator's share of settlement) per reported study",
        "errors_per_1000": "reading errors (false negatives + false positives) per 1,000 measured studies read",
        "errors_per_study": "reading errors (false negatives + false positives) over measured studies read",
        "misses_per_finding": "false negatives over measured studies read that have a finding",
        "major_discrepancies_per_study":
            "reads with a major discrepancy against the latent truth over measured studies read",
        "major_misses_per_1000": "missed major findings per 1,000 measured studies read",
        "radpeer_discrepancy_rate": "share of peer-reviewed measured studies scored RADPEER 2 or worse",
        "income_per_hour": "radiologists' total income over their total shift hours, days after the warm-up",
        "income_gini": "Gini coefficient of income per shift hour across radiologists (0 equal, toward 1 concentrated)",
        "burnout_prevalence": "share of active radiologist-days (after the warm-up) spent burned out",
        "attrition_annual": "radiologists leaving the market per radiologist-year active (days after the warm-up)",
        "utilisation": "share of shift time spent reading, days after the warm-up",
        "chain_bytes_per_study": "bytes of blocks committed after the warm-up per reported measured study",
        "commit_latency_p50":
            "median submit-to-first-commit time of every agent transaction submitted after the warm-up (the "
            + "plots' post latency is a study's post transaction only)",
        "commit_latency_p90": "90th percentile of the same submit-to-first-commit times of every agent transaction",
        "referrer_satisfaction": "mean referrer feedback score (1-5) of the measured studies that got feedback",
        "follow_up_appropriate_share":
            "share of measured reads whose follow-up recommendation meets the clients' guideline on chain (NaN "
            + "without the market's quality section)",
        "structured_share": "share of measured reads written as structured reports (NaN without the quality section)",
        "expected_errors_per_1000":
            "the error model's probability of each measured read being wrong (before the AI), summed per 1,000 reads: "
            + "the errors the read conditions imply, without the draw's noise",
        "context_share":
            "share of measured studies read with a clinical question: the requisition's, or the shared clinical "
            + "summary's (data sharing)",
        "consults_per_1000": "measured studies whose reader consulted the referrer, per 1,000 measured studies read",
        "consult_answered_share": "share of those consults the referrer answered (the rest it declined)",
        "consult_delay_mean": "mean minutes from a consult request to the referrer's reply",
        "consult_hold_mean": "mean minutes a consult held its read: the wait for the reply plus any conversation",
    ].merging(
        ClientGroup.ClientType.allCases.flatMap { t in
            [
                (
                    "price_paid_\(t.rawValue)",
                    "mean price the \(t.rawValue) clients paid per reported measured study (with escalating offers, "
                        + "the bid at the claim)"
                ),
                (
                    "turnaround_mean_\(t.rawValue)",
                    "mean arrival-to-report time of the \(t.rawValue) clients' reported measured studies"
                ),
            ]
        }, uniquingKeysWith: { a, _ in a })

    static func turnaround(_ quantile: String, _ urgency: String) -> String {
        "\(quantile) arrival-to-report time of measured \(urgency) studies (Kaplan-Meier: never-reported ones count, "
            + "open ones are censored at the horizon; inf if never reached)"
    }

    static let queueDefinitions: [String: String] = [
        "mean_wait": "mean time a customer waits before service starts (Wq)",
        "wait_probability": "share of served customers who waited at all",
        "utilisation": "time-average share of servers busy (rho)",
        "mean_queue_length": "time-average number waiting (Lq)",
        "mean_in_system": "time-average number in the system, waiting or in service (L)",
        "mean_sojourn": "mean time from arrival to departure (W)",
        "throughput": "observed arrival rate (lambda)",
        "wait_p50": "median wait before service",
        "wait_p90": "90th percentile of the wait before service",
        "little_law_ratio": "L / (lambda W) on the recorded output; 1 when Little's law holds",
    ]
}
