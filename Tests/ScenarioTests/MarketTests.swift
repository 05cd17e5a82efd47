import Foundation
import MarketModel
import Testing

@testable import Scenario

/// Every `.yaml` under Scenarios/, relative to the repository, sorted.
func shippedScenarioFiles() -> [String] {
    let root = repoPath("Scenarios")
    let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
    // Scenarios/sweeps/ holds sweep files (a base scenario plus parameters), checked by the sweep tests.
    return files.filter { $0.hasSuffix(".yaml") && !$0.hasPrefix("sweeps/") }.sorted().map { "Scenarios/" + $0 }
}

/// A small valid market; tests edit one line of it to break it.
let validMarketYAML = """
    schema: readchain/v1
    kind: market
    name: m
    seed: 7
    replications: 2
    horizon: 10 d
    market:
      clients:
        - name: h
          type: hospital_system
          jurisdiction: A
          volumes:
            - { modality: ct, urgency: stat, volume: 20 /d }
      cohorts:
        - name: r
          count: 3
          licences: [A]
      designs:
        - name: p
          type: posted_price
    """

func market(_ text: String) throws -> MarketParameters {
    let scenario = try ScenarioLoader.parse(text: text, path: "t.yaml")
    guard case .market(let model) = scenario.model else {
        Issue.record("expected a market model")
        throw ScenarioLoadError.invalid([])
    }
    return model
}

@Suite struct ShippedMarketScenarios {
    @Test(arguments: shippedScenarioFiles().filter { !$0.contains("broken") })
    func validatesWithoutProblems(file: String) throws {
        let scenario: ScenarioFile
        do {
            scenario = try ScenarioLoader.load(path: repoPath(file))
        } catch {
            Issue.record("\(file):\n\(error.description)")
            return
        }
        #expect(scenario.warnings.isEmpty, "\(scenario.warnings.map(\.description).joined(separator: "\n"))")
    }

    @Test func theExpectedFilesAreShipped() {
        let files = shippedScenarioFiles()
        for expected in [
            "Scenarios/default.yaml", "Scenarios/national.yaml", "Scenarios/validation/market-mmc.yaml",
            "Scenarios/validation/market-tiny.yaml",
            "Scenarios/designs/intermediary.yaml", "Scenarios/designs/posted-price.yaml",
            "Scenarios/designs/sealed-bid-auction.yaml", "Scenarios/designs/posted-price-value-based.yaml",
        ] {
            #expect(files.contains(expected), "missing \(expected)")
        }
    }

    @Test func defaultRunsAllFourDesignsOnFourValidators() throws {
        let scenario = try ScenarioLoader.load(path: repoPath("Scenarios/default.yaml"))
        #expect(scenario.kind == .market)
        guard case .market(let m) = scenario.model else { return }
        #expect(m.designs.count == 4)
        let kinds = m.designs.map { d -> String in
            switch d.mechanism {
            case .intermediary: "intermediary"
            case .postedPrice: d.valueBased == nil ? "posted" : "posted+vb"
            case .sealedBidAuction: "auction"
            }
        }
        #expect(Set(kinds) == ["intermediary", "posted", "auction", "posted+vb"])
        #expect(m.chain.validators.count == 4)
        let radiologists = m.cohorts.reduce(0) { $0 + $1.count }
        #expect((8...40).contains(radiologists))
        #expect(Set(m.clients.map(\.type)) == Set(ClientGroup.ClientType.allCases))
        #expect(scenario.horizonTicks <= 31 * 86_400_000_000)
        #expect((2...5).contains(scenario.replications))
    }

    @Test func nationalIsNationalScale() throws {
        let scenario = try ScenarioLoader.load(path: repoPath("Scenarios/national.yaml"))
        guard case .market(let m) = scenario.model else { return }
        #expect(m.cohorts.reduce(0) { $0 + $1.count } >= 200)
        #expect(m.clients.reduce(0) { $0 + $1.count } >= 100)
        #expect(scenario.horizonTicks >= 365 * 86_400_000_000)
    }
}

@Suite struct MarketMMCReduction {
    @Test func reductionIsWhatItClaims() throws {
        let scenario = try ScenarioLoader.load(path: repoPath("Scenarios/validation/market-mmc.yaml"))
        guard case .market(let m) = scenario.model else {
            Issue.record("expected a market")
            return
        }
        // One client, one study stream, constant arrival rate: Poisson arrivals with lambda = 9/h.
        #expect(m.clients.count == 1 && m.clients[0].count == 1)
        #expect(m.clients[0].volumes.count == 1)
        let stream = m.clients[0].volumes[0]
        #expect(abs(stream.studiesPerDay - 216) < 1e-9)
        #expect(m.clients[0].arrivalProfile.multipliers.allSatisfy { $0 == 1 })
        #expect(m.clients[0].requiresCredentialing == false)
        // One cohort of c = 10 identical, always-on servers with exponential service, mean 1 h.
        #expect(m.cohorts.count == 1)
        let c = m.cohorts[0]
        #expect(c.count == 10)
        #expect(c.shift.lengthTicks == 24 * 3_600_000_000 && c.shift.daysPerWeek == 7 && c.shift.startHour == 0)
        #expect(c.credentialedAtStart)
        let read = c.readingTime[stream.modality]
        #expect(read.distribution == .exponential && read.cv == 1 && read.meanTicks == 3_600_000_000)
        #expect(c.speedCV == 0)
        #expect(c.pace.isFixedAtOne)
        // No fatigue, no burnout, no exits.
        #expect(c.fatigue.isNeutral && c.fatigue == .none)
        #expect(c.burnout.isNeutral && c.burnout == .none)
        // First-come dispatch, one study at a time, a fixed price every client accepts.
        #expect(c.claiming.strategy == .firstCome && c.claiming.maxQueue == 1)
        #expect(c.pricing.strategy == .fixedList)
        #expect(c.pricing.listPrices[stream.modality] <= m.clients[0].willingnessToPay[stream.modality])
        // Studies never expire during the run.
        #expect(m.clients[0].turnaroundTicks[stream.urgency] > scenario.horizonTicks)
        // No AI, no peer review, no feedback; a plain posted-price design.
        #expect(!m.ai.enabled)
        #expect(m.peerReview.rateBasisPoints == 0)
        #expect(m.referrers.feedbackProbability == 0)
        #expect(m.designs.count == 1 && m.designs[0].mechanism == .postedPrice && m.designs[0].valueBased == nil)
        // Negligible chain latency: every delay is microseconds against a 1 h mean service time.
        #expect(m.chain.latency == .constant(ticks: 1))
        #expect(m.chain.verificationCostTicks == 0)
        #expect(m.chain.block.intervalTicks == 0)
        #expect(m.chain.faults.isEmpty)
        // Same queue as Scenarios/validation/mmc.yaml.
        let queue = try ScenarioLoader.load(path: repoPath("Scenarios/validation/mmc.yaml"))
        guard case .queue(let q) = queue.model else { return }
        #expect(abs(stream.studiesPerDay / 86_400 - q.arrivalRatePerSecond) < 1e-15)
        #expect(1 / (Double(read.meanTicks) / 1e6) == q.serviceRatePerSecond)
        #expect(c.count == q.servers)
    }
}

@Suite struct MarketDefaultsApplied {
    @Test func omittedFieldsTakeTheDocumentedDefaults() throws {
        let m = try market(validMarketYAML)
        #expect(m.currency == .usd)
        #expect(m.studyWRVU == MarketDefaults.studyWRVU)
        let client = m.clients[0]
        #expect(client.count == 1)
        #expect(client.requisitionQuality == 0.76)
        #expect(client.willingnessToPay[.ct] == 9200)
        #expect(client.statSurcharge == 200)
        #expect(client.turnaroundTicks[.stat] == 3_600_000_000)
        #expect(client.turnaroundTicks[.routine] == 4 * 86_400_000_000)
        #expect(client.requiresCredentialing)
        #expect(client.arrivalProfile == .sinusoidal(peakHour: 13, amplitude: 0.5, weekendFactor: 0.6))
        #expect(client.volumes[0].findingPrevalence == 0.3)
        let cohort = m.cohorts[0]
        #expect(cohort.subspecialties.isEmpty)
        #expect(cohort.shift == ShiftPattern(startHour: 8, lengthTicks: 10 * 3_600_000_000, daysPerWeek: 5))
        #expect(cohort.readingTime[.ct] == ReadingTime(distribution: .lognormal, meanTicks: 12 * 60_000_000, cv: 0.6))
        #expect(cohort.readingTime[.mr].meanTicks == 11 * 60_000_000)
        #expect(cohort.accuracy.missProbability == 0.04 && cohort.accuracy.overcallProbability == 0.02)
        #expect(cohort.fatigue.onsetTicks == 8 * 3_600_000_000 && cohort.fatigue.volumeThreshold == 26)
        #expect(!cohort.fatigue.isNeutral)
        #expect(cohort.burnout.errorOddsRatio == 2.0 && cohort.burnout.exitHazardMultiplier == 2.1)
        #expect(cohort.burnout.annualAttritionBasisPoints == 250 && cohort.burnout.hoursCutOddsRatioPerPoint == 1.43)
        #expect(cohort.pace.elasticity == 1.4)
        #expect(cohort.pricing.strategy == .queueResponsive && cohort.pricing.listPrices[.xr] == 850)
        #expect(cohort.claiming == Claiming(strategy: .earliestDeadline, maxQueue: 3))
        #expect(m.peerReview.rateBasisPoints == 500)
        #expect(m.ai.enabled && m.ai.exponent == -0.3)
        #expect(m.designs == [MarketDesignSpec(name: "p", mechanism: .postedPrice)])
        #expect(m.chain == ChainParameters())
        #expect(m.chain.validators.map(\.operatorName) == ["op1", "op2", "op3", "op4"])
        #expect(m.chain.verificationCostTicks == 77)
        #expect(m.chain.timeouts.proposeTicks == 3_000_000)
    }

    /// Issue 17: the proposer-based timestamp bounds are chain keys, defaulting to CometBFT's.
    @Test func chainSynchronyKeys() throws {
        #expect(try market(validMarketYAML).chain.synchrony == ChainParameters.Synchrony())
        #expect(
            ChainParameters.Synchrony()
                == ChainParameters.Synchrony(precisionTicks: 505_000, messageDelayTicks: 15_000_000))
        let m = try market(
            replacing(
                "type: posted_price",
                with: "type: posted_price\n  chain:\n    synchrony: { precision: 50 ms, message_delay: 2 s }",
                in: validMarketYAML))
        #expect(m.chain.synchrony == ChainParameters.Synchrony(precisionTicks: 50_000, messageDelayTicks: 2_000_000))
    }

    /// Issue 17 item 2: `chain.randomness.epoch`, heights per beacon epoch (default 10, at least 2).
    @Test func chainRandomnessEpoch() throws {
        #expect(try market(validMarketYAML).chain.randomnessEpochHeights == 10)
        #expect(
            try market(validMarketYAML + "\n  chain:\n    randomness: { epoch: 12 }\n").chain.randomnessEpochHeights
                == 12)
        let bad = brief(validMarketYAML + "\n  chain:\n    randomness: { epoch: 1 }\n")
        #expect(bad.count == 1 && bad[0].contains("epoch"), "\(bad)")
    }

    /// A design's name becomes its chain's id, "readchain-market-" + name, at most 64 ASCII bytes (issue 17).
    @Test func aDesignNameFitsItsChainID() throws {
        let longest = String(repeating: "d", count: MarketDesignSpec.maxNameBytes)
        let m = try market(replacing("- name: p", with: "- name: \(longest)", in: validMarketYAML))
        #expect(m.designs[0].chainID.utf8.count == 64)
        #expect(throws: (any Error).self) {
            try market(replacing("- name: p", with: "- name: \(longest)d", in: validMarketYAML))
        }
    }

    /// `chain.signatures`: ed25519 unless the file says simulated; `with(signatures:)` is the `--signatures`
    /// override (same text and hash); another name is refused with the choices.
    @Test func signatureSchemeIsReadAndOverridden() throws {
        #expect(try market(validMarketYAML).chain.signatures == .ed25519)
        let text = validMarketYAML + "\n  chain:\n    signatures: simulated\n"
        #expect(try market(text).chain.signatures == .simulated)
        let file = try ScenarioLoader.parse(text: validMarketYAML, path: "t.yaml")
        let overridden = file.with(signatures: .simulated)
        guard case .market(let m) = overridden.model else { throw ScenarioLoadError.invalid([]) }
        #expect(m.chain.signatures == .simulated && overridden.sha256 == file.sha256)
        let bad = brief(validMarketYAML + "\n  chain:\n    signatures: rsa\n")
        #expect(bad.count == 1 && bad[0].contains("ed25519") && bad[0].contains("simulated"), "\(bad)")
    }

    @Test func clientTypeDefaults() throws {
        let ed = try market(replacing("type: hospital_system", with: "type: emergency_department", in: validMarketYAML))
        #expect(ed.clients[0].arrivalProfile == .sinusoidal(peakHour: 17, amplitude: 0.6, weekendFactor: 1))
        #expect(ed.clients[0].requiresCredentialing)
        let ic = try market(replacing("type: hospital_system", with: "type: imaging_centre", in: validMarketYAML))
        #expect(!ic.clients[0].requiresCredentialing)
    }

    @Test func edProfileTroughIsEarlyMorningAndPeakMiddayToEvening() {
        let m = MarketDefaults.arrivalProfile(for: .emergencyDepartment).multipliers
        #expect(m.count == 168)
        #expect(abs(m.reduce(0, +) / 168 - 1) < 1e-12)
        let monday = Array(m[0..<24])
        let trough = monday.firstIndex(of: monday.min()!)!
        let peak = monday.firstIndex(of: monday.max()!)!
        #expect((4...5).contains(trough))
        #expect((12...20).contains(peak))
    }

    @Test func disabledModulesAreNeutralAndWarnAboutIgnoredKeys() throws {
        let text = validMarketYAML.replacingOccurrences(
            of: "      licences: [A]",
            with: """
                      licences: [A]
                      fatigue: { enabled: false }
                      burnout: { enabled: false, error_odds_ratio: 3 }
                """)
        let scenario = try ScenarioLoader.parse(text: text, path: "t.yaml")
        guard case .market(let m) = scenario.model else { return }
        #expect(m.cohorts[0].fatigue.isNeutral && m.cohorts[0].burnout.isNeutral)
        #expect(scenario.warnings.map(\.message) == ["'error_odds_ratio' has no effect with 'enabled: false'"])
    }
}

@Suite struct MoneyAndPercentages {
    @Test(
        arguments: [
            ("12.50 USD", 1250, "USD"), ("12.5 USD", 1250, "USD"), ("0.01 USD", 1, "USD"), ("0 USD", 0, "USD"),
            ("1e2 USD", 10_000, "USD"), ("100 JPY", 100, "JPY"), ("  7 EUR ", 700, "EUR"),
            ("92233720368547758.07 USD", 9_223_372_036_854_775_807, "USD"),
            ("0.29 USD", 29, "USD"), ("1.10 USD", 110, "USD"), ("184467440737095516.15 USD", UInt64.max, "USD"),
        ] as [(String, UInt64, String)])
    func exactConversion(text: String, minor: UInt64, code: String) throws {
        let (value, currency) = try Units.money(text)
        #expect(value == minor)
        #expect(currency == code)
    }

    @Test(arguments: [
        ("0.005 USD", MoneyProblem.tooPrecise(code: "USD", digits: 2)),
        ("1.5 JPY", .tooPrecise(code: "JPY", digits: 0)),
        ("12", .missingCurrency), ("12 usd", .unknownCurrency("usd")), ("-1 USD", .negative),
        ("184467440737095516.16 USD", .overflow), ("USD 12", .notANumber),
    ])
    func refusals(text: String, problem: MoneyProblem) {
        #expect(throws: problem) { try Units.money(text) }
    }

    @Test func percentagesAreExactBasisPoints() throws {
        #expect(try Units.basisPoints("10 %") == 1000)
        #expect(try Units.basisPoints("2.5%") == 250)
        #expect(try Units.basisPoints("0.01 %") == 1)
        #expect(try Units.basisPoints("-10 %") == -1000)
        #expect(throws: UnitProblem.notWholeTicks) { try Units.basisPoints("0.005 %") }
        #expect(throws: UnitProblem.missingUnit) { try Units.basisPoints("10") }
        #expect(Units.percentText(1250) == "12.5 %")
        #expect(Units.percentText(1205) == "12.05 %")
        #expect(Units.percentText(-1000) == "-10 %")
    }

    @Test func volumesPerDayWeekAndYear() throws {
        #expect(try Units.volumePerDay("40 /d") == 40)
        #expect(abs(try Units.volumePerDay("70 per w") - 10) < 1e-12)
        #expect(try Units.volumePerDay("3650 /y") == 10)
        #expect(try Units.volumePerDay("9 /h") == 216)
    }

    @Test func amountsMustBeInTheFilesCurrency() {
        let text = validMarketYAML.replacingOccurrences(
            of: "      jurisdiction: A\n", with: "      jurisdiction: A\n      stat_surcharge: 2 EUR\n")
        #expect(
            brief(text) == [
                "12:23: error: 'stat_surcharge': '2 EUR' is in EUR but this scenario's currency is USD (set by 'currency:'; amounts are not converted between currencies)"
            ])
    }
}

@Suite struct BrokenMarket {
    @Test func everyProblemIsReportedWithItsPosition() {
        let path = repoPath("Scenarios/validation/market-broken-example.yaml")
        let found: [Diagnostic]
        do {
            _ = try ScenarioLoader.load(path: path)
            Issue.record("broken market loaded")
            return
        } catch {
            found = error.diagnostics
        }
        let lines = found.map { "\($0.line):\($0.column): \($0.severity.rawValue): \($0.message)" }
        #expect(found.allSatisfy { $0.path == path })
        #expect(
            lines == [
                "12:13: error: 'type' must be one of hospital_system, imaging_centre, emergency_department, got 'hospital_sytem' (did you mean 'hospital_system'?)",
                "15:50: error: 'volume': a volume needs a unit, e.g. '20 /d' or '20 /y'",
                "15:68: error: no cohort reads subspecialty 'neurology', which client 'hosp' requires",
                "16:33: error: 'ct': '40.005 USD' is not a whole number of minor units (USD has 2 decimal places)",
                "17:28: error: 'requisition_quality' must be a number, got string '76 %' (a probability is written as a plain number such as 0.05, not a percentage)",
                "20:21: error: no cohort is licensed for jurisdiction 'US-VT' of client 'clinic': nobody could read its studies",
                "26:25: warning: cohort 'general' holds a licence for 'US-NY', which no client uses",
                "28:31: error: 'length' must be at most 24 h (one shift a day)",
                "29:18: error: unknown key 'anual_attrition' (did you mean 'annual_attrition'?)",
                "33:7: error: auction 'weights' must sum to 100 %, got 110 % (price 50 % + quality 30 % + turnaround 30 %)",
                "36:15: error: 'margin' must be between 0 % and 100 %, got '150 %'",
                "37:7: error: 'value_based' combines with posted_price or sealed_bid_auction only, not with the intermediary",
                "42:31: error: validator 'v2' names operator 'consortum', which is not in 'operators' (did you mean 'consortium'?)",
                "43:24: error: 'verification_cost': duration needs a unit, e.g. '77 h' (units: us, ms, s, min, h, d, w)",
            ])
    }

    /// One edit of `validMarketYAML` (the line starting with `prefix` replaced) and the diagnostics it must give.
    static let cases: [(String, String, [String])] = [
        (
            "licences:", "licences: [A, B]",
            ["17:21: warning: cohort 'r' holds a licence for 'B', which no client uses (did you mean 'A'?)"]
        ),
        (
            "- { modality", "- { modality: ct, urgency: stat, volume: 20 /d, subspecialty: neuro }",
            ["13:71: error: no cohort reads subspecialty 'neuro', which client 'h' requires"]
        ),
        (
            "- { modality", "- { modality: cr, urgency: now, volume: 20 per hr }",
            [
                "13:23: error: 'modality' must be one of xr, ct, mr, us, mg, nm, pet, got 'cr' (did you mean 'xr'?)",
                "13:36: error: 'urgency' must be one of routine, urgent, stat, got 'now'",
                "13:49: error: 'volume': unknown time unit 'hr' (did you mean 'h'?) (units: us, ms, s, min, h, d, w, y)",
            ]
        ),
        (
            "count: 3", "count: 0",
            ["16:14: error: 'count' must be between 1 and 1000000, got 0"]
        ),
        (
            "licences:", "licences: [A]\n      claiming: { max_queue: 2, crowded_bids: 0 }",
            ["18:47: error: 'crowded_bids' must be between 1 and 1000, got 0"]
        ),
        (
            "licences:", "licences: [A]\n      reading_time: { ct: { distribution: exponential, mean: 1 h, cv: 0.5 } }",
            ["18:71: error: 'cv' of an exponential reading time is always 1; remove it"]
        ),
        (
            "licences:",
            "licences: [A]\n      pace: { min: 1.2, max: 1.0 }\n      shift: { start_hour: 24, lenght: 8 h }",
            [
                "18:15: error: pace 'min' (1.2) must not exceed 'max' (1.0)",
                "19:28: error: 'start_hour' must be between 0 and 23, got 24",
                "19:32: error: unknown key 'lenght' (did you mean 'length'?)",
            ]
        ),
        (
            "licences:",
            "licences: [A]\n      accuracy: { miss_probability: 1.5 }\n      burnout: { hours_cut: 120 %, annual_attrition: 2 }",
            [
                "18:37: error: 'miss_probability' must be between 0 and 1, got 1.5",
                "19:29: error: 'hours_cut' must be between 0 % and 100 %, got '120 %'",
                "19:54: error: 'annual_attrition': a percentage needs '%', e.g. '2 %'",
            ]
        ),
        (
            // A bare fraction is read as one: the hint multiplies by 100 rather than appending '%' (issue 15).
            "licences:", "licences: [A]\n      burnout: { annual_attrition: 0.05 }",
            ["18:36: error: 'annual_attrition': a percentage needs '%': write '5 %' (0.05 reads as a fraction)"]
        ),
        (
            "type: posted_price",
            "type: posted_price\n      margin: 30 %\n      value_based: { holdback: 90 %, levy: 20 %, payout: equal }",
            [
                "6:10: warning: horizon is shorter than the holdback_timeout of design 'p': hold-backs still waiting for an outcome at the end are reported unsettled",
                "6:10: warning: horizon is shorter than the bonus_period of design 'p': no bonus is paid within the run",
                "21:7: error: 'margin' does not apply to type 'posted_price' (it is for 'intermediary')",
                "22:22: error: 'holdback' plus 'levy' must not exceed 100 %, got 110 %",
                "22:58: error: 'payout' must be one of proportional, equal_among_qualified, got 'equal'",
            ]
        ),
        (
            "type: posted_price",
            "type: posted_price\n  chain:\n    latency: { profile: regions, regions: [east, west], matrix: [[1 ms, 9 ms], [9 ms]] }\n    validators:\n      - { name: v1, operator: o, region: est }\n      - { name: v2, operator: o }\n    faults:\n      - { at: 1 d, action: crash, validator: v3 }\n      - { at: 2 d, action: partition, groups: [[v1], [v1, v2]], duration: 5 min }",
            [
                "22:80: error: 'matrix' row 2 must be a list of 2 durations",
                "24:42: error: region 'est' is not one of the latency profile's regions (did you mean 'east'?) (east, west)",
                "25:17: error: validator 'v2' needs a 'region' (the latency profile is 'regions')",
                "27:46: error: unknown validator 'v3' (did you mean 'v1'?)",
                "28:55: error: validator 'v1' is in two partition groups",
            ]
        ),
        (
            "jurisdiction:",
            "jurisdiction: A\n      arrival_profile: { shape: explicit, multipliers: [1, 2, 3], peak_hour: 3 }",
            [
                "12:43: error: 'multipliers' must have 168 entries (one per hour of the week, Monday 00:00 first), got 3",
                "12:67: error: 'peak_hour' does not apply to shape 'explicit' (it is for 'sinusoidal')",
            ]
        ),
        (
            "clients:", "client:",
            [
                "8:3: error: unknown key 'client' (did you mean 'clients'?)",
                "8:3: error: missing required key 'clients' in 'market'",
            ]
        ),
        (
            // Shared clinical context and consults (issue 18 item 1): out-of-range values and unknown keys.
            "type: posted_price",
            "type: posted_price\n      data_sharing: { clinical_question: 0 % }\n      consults: { reply_sigma: 9, miss_odds_ratio: 2, reply_median: 0 s, answers: 1 }",
            [
                "21:42: error: 'clinical_question' must be between 0.01 % and 100 %, got '0 %'",
                "22:32: error: 'reply_sigma' must be between 0.01 and 5, got 9",
                "22:52: error: 'miss_odds_ratio' must be between 0.01 and 1, got 2",
                "22:69: error: 'reply_median' must be greater than zero",
                "22:74: error: unknown key 'answers' in 'consults' (known keys: hard_miss_probability, reply_median, reply_sigma, talk_median, talk_sigma, answer_probability, half_load, miss_odds_ratio)",
            ]
        ),
    ]

    @Test(arguments: cases)
    func singleEdits(prefix: String, line: String, expected: [String]) {
        let text = replacing(prefix, with: line.replacingOccurrences(of: "\\n", with: "\n"), in: validMarketYAML)
        #expect(brief(text) == expected, "\(text)")
    }
}

/// The AI second reader's per-modality figures and dataset sharing: omitted, one probability for every
/// modality (the old form), or a mapping per modality where unnamed modalities keep their defaults.
@Suite struct AISecondReaderSection {
    func withAI(_ line: String) -> String { validMarketYAML + "\n  ai: " + line }

    @Test func defaultsArePerModalityWithSharingOn() throws {
        let ai = try market(validMarketYAML).ai
        #expect(ai.datasetSharing)
        #expect(ai.sensitivityAtReference == AISecondReader.defaultSensitivity)
        #expect(ai.specificityAtReference == AISecondReader.defaultSpecificity)
        #expect(ai.sensitivityAtReference[.ct] == 0.90 && ai.specificityAtReference[.ct] == 0.95)
    }

    @Test func oneProbabilityAppliesToEveryModality() throws {
        let ai = try market(withAI("{ sensitivity: 0.85, dataset_sharing: false }")).ai
        #expect(ai.sensitivityAtReference.values.allSatisfy { $0 == 0.85 })
        #expect(ai.specificityAtReference == AISecondReader.defaultSpecificity)
        #expect(!ai.datasetSharing)
    }

    @Test func aMappingSetsTheModalitiesItNames() throws {
        let ai = try market(withAI("{ sensitivity: { ct: 0.93 }, specificity: { xr: 0.97, mg: 0.9 } }")).ai
        var sensitivity = AISecondReader.defaultSensitivity
        sensitivity[.ct] = 0.93
        var specificity = AISecondReader.defaultSpecificity
        specificity[.xr] = 0.97
        specificity[.mg] = 0.9
        #expect(ai.sensitivityAtReference == sensitivity && ai.specificityAtReference == specificity)
    }

    @Test func badFiguresAreRefused() {
        let unknown = brief(withAI("{ sensitivity: { cat: 0.9 } }"))
        #expect(unknown.contains { $0.contains("cat") }, "\(unknown)")
        let outOfRange = brief(withAI("{ specificity: { ct: 1.5 } }"))
        #expect(outOfRange.contains { $0.contains("'ct'") }, "\(outOfRange)")
        // The irreducible error may not exceed any modality's error at the reference size (CT specificity 0.95).
        let floor = brief(withAI("{ irreducible_error: 0.06 }"))
        #expect(floor.contains { $0.contains("irreducible_error") }, "\(floor)")
        #expect(brief(withAI("{ irreducible_error: 0.04 }")).isEmpty)
    }
}

/// Report quality (issue 18 item 3): the `quality` section and a value-based design's `weights`.
@Suite struct QualitySection {
    static let weighted =
        validMarketYAML + "\n      value_based: { weights: { follow_up_appropriate: 0.2, structured: 0.1 } }"

    @Test func absentByDefaultAndDefaultsWhenWritten() throws {
        #expect(try market(validMarketYAML).quality == nil)
        #expect(try market(validMarketYAML + "\n  quality: {}").quality == ReportQuality())
        let m = try market(Self.weighted + "\n  quality: { structured_time_cost: 5 %, guideline_within: 60 d }")
        #expect(m.quality?.structuredTimeCostBasisPoints == 500)
        let sixtyDays: Int64 = 60 * 86_400_000_000
        #expect(try #require(m.quality).guidelineWithinTicks == sixtyDays)
        #expect(
            m.designs[0].valueBased?.weights
                == QualityScoreWeights(discrepancy: 1, followUpAppropriate: 0.2, satisfaction: 0, structured: 0.1))
    }

    /// Bad weights name their line: out of range, unknown, or other than the defaults without `quality`.
    @Test func badWeightsNameTheLine() {
        func errors(_ text: String) -> [String] { brief(text).filter { $0.contains(": error: ") } }
        let outOfRange = errors(
            validMarketYAML + "\n      value_based: { weights: { structured: 12 } }\n  quality: {}")
        #expect(
            outOfRange.count == 1 && outOfRange[0].hasPrefix("21:")
                && outOfRange[0].contains("error: 'structured' must be between 0 and 10, got 12"), "\(outOfRange)")
        let unknown = errors(validMarketYAML + "\n      value_based: { weights: { structure: 1 } }\n  quality: {}")
        #expect(
            unknown.count == 1 && unknown[0].hasPrefix("21:")
                && unknown[0].contains("unknown key 'structure' (did you mean 'structured'?)"), "\(unknown)")
        let noQuality = errors(Self.weighted)
        #expect(
            noQuality.count == 1 && noQuality[0].hasPrefix("19:")
                && noQuality[0].contains(
                    "design 'p': value_based 'weights' other than the defaults need the market's 'quality' section"),
            "\(noQuality)")
    }
}

/// Shared clinical context and consults (issue 18 item 1): off unless a design names them; `{}` takes the
/// defaults.
@Suite struct ClinicalContextDesignKeys {
    @Test func offByDefaultAndDefaultsWhenNamed() throws {
        let plain = try market(validMarketYAML).designs[0]
        #expect(plain.dataSharing == nil && plain.consults == nil)
        let text = validMarketYAML.replacingOccurrences(
            of: "type: posted_price",
            with:
                "type: posted_price\n      data_sharing: {}\n      consults: { reply_median: 5 min, answer_probability: 80 % }"
        )
        let d = try market(text).designs[0]
        #expect(d.dataSharing == MarketDesignSpec.DataSharing())
        #expect(d.dataSharing?.clinicalQuestionShare == 0.88)
        #expect(d.consults?.replyMedianSeconds == 300 && d.consults?.answerProbability == 0.8)
        #expect(d.consults?.talkMedianSeconds == 57 && d.consults?.hardMissProbability == 0.15)
    }
}
