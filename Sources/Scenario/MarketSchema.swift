import MarketModel

/// Key lists of the `market:` section and everything under it. The loader reads with these lists, and
/// `JSONSchemaTests` checks each against the `$defs` entry of the JSON Schema named beside it in
/// ``marketDefinitions``.
extension ScenarioSchema {
    /// Keys of the `market:` section.
    static let marketFields: [FieldSpec] = [
        .optional("currency"),
        .optional("study_wrvu"),
        .optional("credentialing"),
        .required("clients"),
        .required("cohorts"),
        .optional("referrers"),
        .optional("peer_review"),
        .optional("ai"),
        .optional("quality"),
        .required("designs"),
        .optional("chain"),
    ]

    /// Keys of a per-modality table (`study_wrvu`, `willingness_to_pay`, `reading_time`...).
    static let modalityFields: [FieldSpec] = Modality.allCases.map { .optional($0.name) }
    /// Keys of a per-urgency table (`turnaround`).
    static let urgencyFields: [FieldSpec] = Urgency.allCases.map { .optional($0.name) }

    static let credentialingFields: [FieldSpec] = [.optional("licence_time"), .optional("client_time")]

    static let clientFields: [FieldSpec] = [
        .required("name"), .required("type"), .optional("count"), .required("jurisdiction"), .required("volumes"),
        .optional("arrival_profile"), .optional("requisition_quality"), .optional("willingness_to_pay"),
        .optional("stat_surcharge"), .optional("turnaround"), .optional("requires_credentialing"),
    ]
    static let volumeFields: [FieldSpec] = [
        .required("modality"), .required("urgency"), .required("volume"), .optional("subspecialty"),
        .optional("prevalence"),
    ]
    static let arrivalProfileFields: [FieldSpec] = [
        .required("shape"), .optional("peak_hour"), .optional("amplitude"), .optional("weekend_factor"),
        .optional("multipliers"),
    ]

    static let cohortFields: [FieldSpec] = [
        .required("name"), .required("count"), .optional("subspecialties"), .required("licences"),
        .optional("credentialed"), .optional("shift"), .optional("reading_time"), .optional("speed_cv"),
        .optional("accuracy"), .optional("fatigue"), .optional("burnout"), .optional("pace"), .optional("pricing"),
        .optional("claiming"),
    ]
    static let shiftFields: [FieldSpec] = [.optional("start_hour"), .optional("length"), .optional("days_per_week")]
    static let readingTimeFields: [FieldSpec] = [.optional("distribution"), .required("mean"), .optional("cv")]
    static let accuracyFields: [FieldSpec] = [
        .optional("miss_probability"), .optional("overcall_probability"), .optional("poor_requisition_odds_ratio"),
    ]
    static let fatigueFields: [FieldSpec] = [
        .optional("enabled"), .optional("onset"), .optional("odds_ratio_per_hour"), .optional("volume_threshold"),
        .optional("odds_ratio_per_10_studies"),
    ]
    static let burnoutFields: [FieldSpec] = [
        .optional("enabled"), .optional("sustainable_annual_wrvu"), .optional("sustainable_spread"),
        .optional("adjustment_per_day"), .optional("threshold"), .optional("error_odds_ratio"),
        .optional("hours_cut_odds_ratio_per_point"), .optional("hours_cut"), .optional("annual_attrition"),
        .optional("annual_turnover"), .optional("exit_hazard_multiplier"),
    ]
    static let paceFields: [FieldSpec] = [.optional("elasticity"), .optional("min"), .optional("max")]
    static let pricingFields: [FieldSpec] = [
        .optional("strategy"), .optional("list_prices"), .optional("stat_surcharge"), .optional("queue_step"),
        .optional("personal_spread"),
        .optional("max_change"), .optional("income_target_per_hour"), .optional("adjustment"),
    ]
    static let claimingFields: [FieldSpec] = [.optional("strategy"), .optional("max_queue"), .optional("crowded_bids")]

    static let referrersFields: [FieldSpec] = [
        .optional("feedback_probability"), .optional("feedback_noise"), .optional("turnaround_weight"),
    ]
    static let peerReviewFields: [FieldSpec] = [
        .optional("rate"), .optional("detection_probability"), .optional("false_discrepancy_probability"),
        .optional("delay"),
    ]
    static let aiFields: [FieldSpec] = [
        .optional("enabled"), .optional("dataset_sharing"), .optional("initial_dataset"),
        .optional("reference_dataset"), .optional("sensitivity"), .optional("specificity"), .optional("exponent"),
        .optional("irreducible_error"), .optional("acceptance_probability"), .optional("reading_time_effect"),
    ]

    static let qualityFields: [FieldSpec] = [
        .optional("inappropriate_follow_up"), .optional("structured_share"), .optional("structured_time_cost"),
        .optional("structured_satisfaction_gain"), .optional("incentive_response"), .optional("follow_up_within"),
        .optional("guideline_within"),
    ]
    static let qualityWeightsFields: [FieldSpec] = [
        .optional("discrepancy"), .optional("follow_up_appropriate"), .optional("satisfaction"),
        .optional("structured"),
    ]

    static let designFields: [FieldSpec] = [
        .required("name"), .required("type"), .optional("operator"), .optional("margin"), .optional("pay_per_wrvu"),
        .optional("client_prices"), .optional("bidding_window"), .optional("reveal_window"), .optional("pricing"),
        .optional("weights"), .optional("value_based"), .optional("escalation"), .optional("speed_premium"),
        .optional("data_sharing"), .optional("consults"),
    ]
    /// Keys only some design types take; the rest (`name`, `type`, `value_based`) apply to all.
    static let designKeysByType: [(type: String, keys: [String])] = [
        ("intermediary", ["operator", "margin", "pay_per_wrvu", "client_prices"]),
        ("posted_price", ["escalation", "speed_premium"]),
        ("sealed_bid_auction", ["bidding_window", "reveal_window", "pricing", "weights"]),
    ]
    static let weightsFields: [FieldSpec] = [.required("price"), .required("quality"), .required("turnaround")]
    /// A posted-price design's escalating offers: one entry per client type that escalates.
    static let escalationFields: [FieldSpec] = ClientGroup.ClientType.allCases.map { .optional($0.rawValue) }
    static let escalationTermsFields: [FieldSpec] = [.required("per_hour"), .optional("cap")]
    /// A posted-price design's speed premiums: one entry per client type that pays for speed.
    static let speedPremiumFields: [FieldSpec] = ClientGroup.ClientType.allCases.map { .optional($0.rawValue) }
    static let speedPremiumTermsFields: [FieldSpec] = [.required("within"), .required("premium")]
    /// Shared clinical context (issue 18 item 1), any design type.
    static let dataSharingFields: [FieldSpec] = [.optional("clinical_question")]
    /// Consults with referrers (issue 18 item 1), any design type.
    static let consultsFields: [FieldSpec] = [
        .optional("hard_miss_probability"), .optional("reply_median"), .optional("reply_sigma"),
        .optional("talk_median"), .optional("talk_sigma"), .optional("answer_probability"), .optional("half_load"),
        .optional("miss_odds_ratio"),
    ]
    static let valueBasedFields: [FieldSpec] = [
        .optional("holdback"), .optional("levy"), .optional("bonus_period"), .optional("payout"),
        .optional("min_points"), .optional("holdback_timeout"), .optional("feedback_threshold"),
        .optional("weights"),
    ]

    static let chainFields: [FieldSpec] = [
        .optional("operators"), .optional("validators"), .optional("block"), .optional("timeouts"),
        .optional("latency"), .optional("faults"), .optional("verification_cost"), .optional("fees"),
        .optional("synchrony"),
        .optional("signatures"), .optional("membership"), .optional("randomness"),
    ]
    static let validatorFields: [FieldSpec] = [
        .required("name"), .required("operator"), .optional("power"), .optional("region"),
    ]
    static let blockFields: [FieldSpec] = [
        .optional("max_transactions"), .optional("max_bytes"), .optional("interval"),
    ]
    static let timeoutsFields: [FieldSpec] = [
        .optional("propose"), .optional("propose_delta"), .optional("prevote"), .optional("prevote_delta"),
        .optional("precommit"), .optional("precommit_delta"),
    ]
    static let latencyFields: [FieldSpec] = [
        .required("profile"), .optional("delay"), .optional("mean"), .optional("cv"), .optional("regions"),
        .optional("matrix"), .optional("jitter_cv"),
    ]
    static let latencyKeysByProfile: [(type: String, keys: [String])] = [
        ("constant", ["delay"]),
        ("lognormal", ["mean", "cv"]),
        ("regions", ["regions", "matrix", "jitter_cv"]),
    ]
    static let faultFields: [FieldSpec] = [
        .required("at"), .required("action"), .optional("validator"), .optional("groups"), .optional("duration"),
    ]
    static let faultKeysByAction: [(type: String, keys: [String])] = [
        ("crash", ["validator"]),
        ("restart", ["validator"]),
        ("partition", ["groups", "duration"]),
    ]
    static let membershipFields: [FieldSpec] = [.required("at"), .optional("add"), .optional("remove")]
    static let feesFields: [FieldSpec] = [.optional("min_fee"), .optional("per_byte")]
    static let synchronyFields: [FieldSpec] = [.optional("precision"), .optional("message_delay")]
    static let randomnessFields: [FieldSpec] = [.optional("epoch")]

    /// Each nested key list and the `$defs` entry of the JSON Schema that must list the same keys.
    static let marketDefinitions: [(definition: String, fields: [FieldSpec])] = [
        ("marketModel", marketFields),
        ("modalityNumbers", modalityFields),
        ("modalityProbabilities", modalityFields),
        ("modalityMoney", modalityFields),
        ("modalityReadingTimes", modalityFields),
        ("urgencyDurations", urgencyFields),
        ("credentialing", credentialingFields),
        ("client", clientFields),
        ("volume", volumeFields),
        ("arrivalProfile", arrivalProfileFields),
        ("cohort", cohortFields),
        ("shift", shiftFields),
        ("readingTime", readingTimeFields),
        ("accuracy", accuracyFields),
        ("fatigue", fatigueFields),
        ("burnout", burnoutFields),
        ("pace", paceFields),
        ("pricing", pricingFields),
        ("claiming", claimingFields),
        ("referrers", referrersFields),
        ("peerReview", peerReviewFields),
        ("aiSecondReader", aiFields),
        ("reportQuality", qualityFields),
        ("design", designFields),
        ("scoreWeights", weightsFields),
        ("valueBased", valueBasedFields),
        ("qualityWeights", qualityWeightsFields),
        ("escalation", escalationFields),
        ("escalationTerms", escalationTermsFields),
        ("speedPremium", speedPremiumFields),
        ("speedPremiumTerms", speedPremiumTermsFields),
        ("dataSharing", dataSharingFields),
        ("consults", consultsFields),
        ("chain", chainFields),
        ("validator", validatorFields),
        ("blockLimits", blockFields),
        ("timeouts", timeoutsFields),
        ("latency", latencyFields),
        ("fault", faultFields),
        ("membershipChange", membershipFields),
        ("fees", feesFields),
        ("synchrony", synchronyFields),
        ("randomness", randomnessFields),
    ]
}
