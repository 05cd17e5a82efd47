import MarketModel
import Yams

extension MarketReader {
    // MARK: - Designs

    func readDesign(_ node: Node, _ index: Int, _ currency: Currency, _ ok: inout Bool)
        -> Located<MarketDesignSpec>?
    {
        guard let s = item(node, "designs", index, ScenarioSchema.designFields) else {
            ok = false
            return nil
        }
        var good = true
        let name = name(s, &good)
        if let name, name.value.utf8.count > MarketDesignSpec.maxNameBytes {
            walker.error(
                "a design's 'name' has at most \(MarketDesignSpec.maxNameBytes) characters (it names the design's chain)",
                at: name.mark)
            good = false
        }
        let types = ScenarioSchema.designKeysByType.map(\.type)
        let type = s.requireChoice("type", among: types)
        if let type {
            checkApplicable(s, type: type.value, table: ScenarioSchema.designKeysByType, what: "type", &good)
        } else {
            good = false
        }
        var mechanism: MarketDesignSpec.Mechanism = .postedPrice
        switch type?.value {
        case "intermediary":
            let d = MarketDesignSpec.Intermediary()
            var operatorName = d.operatorName
            if s.contains("operator") {
                if let written = s.optionalString("operator"), ScenarioSchema.isValidName(written.value) {
                    operatorName = written.value
                } else {
                    if let written = s.optionalString("operator") {
                        walker.error("'operator' must match [A-Za-z0-9._-]+, got '\(written.value)'", at: written.mark)
                    }
                    good = false
                }
            }
            mechanism = .intermediary(
                MarketDesignSpec.Intermediary(
                    operatorName: operatorName, marginBasisPoints: percent(s, "margin", d.marginBasisPoints, &good),
                    payPerWRVU: s.contains("pay_per_wrvu") ? money(s, "pay_per_wrvu", 0, currency, &good) : nil,
                    clientPrices: moneyTable(s, "client_prices", defaults: d.clientPrices, currency, &good)))
            if s.contains("value_based") {
                walker.error(
                    "'value_based' combines with posted_price or sealed_bid_auction only, not with the intermediary",
                    at: s.keyMark("value_based"))
                good = false
            }
        case "sealed_bid_auction":
            let d = MarketDesignSpec.Auction()
            var auction = MarketDesignSpec.Auction(
                biddingWindowTicks: duration(s, "bidding_window", d.biddingWindowTicks, positive: true, &good),
                revealWindowTicks: duration(s, "reveal_window", d.revealWindowTicks, positive: true, &good),
                pricing: choice(s, "pricing", d.pricing, &good))
            if let w = section(s, "weights", ScenarioSchema.weightsFields, &good) {
                let price = w.optionalPercentRequired("price")
                let quality = w.optionalPercentRequired("quality")
                let turnaround = w.optionalPercentRequired("turnaround")
                if let price, let quality, let turnaround {
                    let sum = price.value + quality.value + turnaround.value
                    if sum != 10_000 {
                        walker.error(
                            "auction 'weights' must sum to 100 %, got \(Units.percentText(sum)) (price \(Units.percentText(price.value)) + quality \(Units.percentText(quality.value)) + turnaround \(Units.percentText(turnaround.value)))",
                            at: s.keyMark("weights"))
                        good = false
                    }
                    auction.priceWeightBasisPoints = price.value
                    auction.qualityWeightBasisPoints = quality.value
                    auction.turnaroundWeightBasisPoints = turnaround.value
                } else {
                    good = false
                }
            }
            mechanism = .sealedBidAuction(auction)
        default:
            break
        }
        var valueBased: MarketDesignSpec.ValueBased?
        if type?.value != "intermediary", let v = section(s, "value_based", ScenarioSchema.valueBasedFields, &good) {
            valueBased = readValueBased(v, &good)
        }
        var escalation: [ClientGroup.ClientType: MarketDesignSpec.Escalation] = [:]
        if type?.value == "posted_price", let e = section(s, "escalation", ScenarioSchema.escalationFields, &good) {
            for t in ClientGroup.ClientType.allCases {
                guard let terms = section(e, t.rawValue, ScenarioSchema.escalationTermsFields, &good) else { continue }
                guard let perHour = terms.optionalPercentRequired("per_hour") else {
                    good = false
                    continue
                }
                if perHour.value <= 0 {
                    walker.error("an escalation's 'per_hour' must be above 0 %", at: perHour.mark)
                    good = false
                }
                let cap = percent(terms, "cap", 10_000, in: 1...100_000, &good)
                escalation[t] = MarketDesignSpec.Escalation(perHourBasisPoints: perHour.value, capBasisPoints: cap)
            }
        }
        var speedPremium: [ClientGroup.ClientType: MarketDesignSpec.SpeedPremium] = [:]
        if type?.value == "posted_price",
            let p = section(s, "speed_premium", ScenarioSchema.speedPremiumFields, &good)
        {
            for t in ClientGroup.ClientType.allCases {
                guard let terms = section(p, t.rawValue, ScenarioSchema.speedPremiumTermsFields, &good) else {
                    continue
                }
                if escalation[t] != nil {
                    walker.error(
                        "client type '\(t.rawValue)' has both an escalation and a speed premium; a design gives it one",
                        at: p.keyMark(t.rawValue))
                    good = false
                }
                let within = duration(terms, "within", 0, positive: true, &good)
                guard let premium = terms.optionalPercentRequired("premium") else {
                    good = false
                    continue
                }
                if premium.value <= 0 {
                    walker.error("a speed premium's 'premium' must be above 0 %", at: premium.mark)
                    good = false
                }
                speedPremium[t] = MarketDesignSpec.SpeedPremium(withinTicks: within, premiumBasisPoints: premium.value)
            }
        }
        var dataSharing: MarketDesignSpec.DataSharing?
        if let d = section(s, "data_sharing", ScenarioSchema.dataSharingFields, &good) {
            let share = percent(d, "clinical_question", 8_800, in: 1...10_000, &good)
            dataSharing = MarketDesignSpec.DataSharing(clinicalQuestionShare: Double(share) / 10_000)
        }
        var consults: MarketDesignSpec.Consults?
        if let c = section(s, "consults", ScenarioSchema.consultsFields, &good) { consults = readConsults(c, &good) }
        if !good { ok = false }
        guard let name, type != nil else { return nil }
        return Located(
            value: MarketDesignSpec(
                name: name.value, mechanism: mechanism, valueBased: valueBased, escalation: escalation,
                speedPremium: speedPremium, dataSharing: dataSharing, consults: consults),
            mark: name.mark)
    }

    func readConsults(_ c: MappingReader, _ ok: inout Bool) -> MarketDesignSpec.Consults {
        let d = MarketDesignSpec.Consults()
        let second = 1_000_000.0  // ticks are microseconds
        func seconds(_ key: String, _ fallback: Double) -> Double {
            Double(duration(c, key, Int64(fallback * second), positive: true, &ok)) / second
        }
        return MarketDesignSpec.Consults(
            hardMissProbability: Double(
                percent(c, "hard_miss_probability", Int((d.hardMissProbability * 10_000).rounded()), &ok)) / 10_000,
            replyMedianSeconds: seconds("reply_median", d.replyMedianSeconds),
            replySigma: number(c, "reply_sigma", d.replySigma, in: 0.01...5, &ok),
            talkMedianSeconds: seconds("talk_median", d.talkMedianSeconds),
            talkSigma: number(c, "talk_sigma", d.talkSigma, in: 0.01...5, &ok),
            answerProbability: Double(
                percent(c, "answer_probability", Int((d.answerProbability * 10_000).rounded()), &ok)) / 10_000,
            halfLoad: number(c, "half_load", d.halfLoad, in: 0.01...1_000, &ok),
            missOddsRatio: number(c, "miss_odds_ratio", d.missOddsRatio, in: 0.01...1, &ok))
    }

    func readValueBased(_ v: MappingReader, _ ok: inout Bool) -> MarketDesignSpec.ValueBased {
        let d = MarketDesignSpec.ValueBased()
        let holdback = percent(v, "holdback", d.holdbackBasisPoints, &ok)
        let levy = percent(v, "levy", d.levyBasisPoints, &ok)
        if holdback + levy > 10_000 {
            walker.error(
                "'holdback' plus 'levy' must not exceed 100 %, got \(Units.percentText(holdback + levy))",
                at: v.keyMark("holdback"))
            ok = false
        }
        let payoutName =
            v.contains("payout")
            ? v.optionalChoice("payout", among: ["proportional", "equal_among_qualified"])?.value : "proportional"
        if payoutName == nil { ok = false }
        var payout = MarketDesignSpec.ValueBased.Payout.proportionalToQualityPoints
        if payoutName == "equal_among_qualified" {
            payout = .equalAmongQualified(minPoints: integer(v, "min_points", 1, in: 0...Int.max, &ok))
        } else if v.contains("min_points") {
            walker.error("'min_points' applies only to 'payout: equal_among_qualified'", at: v.keyMark("min_points"))
            ok = false
        }
        return MarketDesignSpec.ValueBased(
            holdbackBasisPoints: holdback, levyBasisPoints: levy,
            bonusPeriodTicks: duration(v, "bonus_period", d.bonusPeriodTicks, positive: true, &ok), payout: payout,
            holdbackTimeoutTicks: duration(v, "holdback_timeout", d.holdbackTimeoutTicks, positive: true, &ok),
            feedbackThreshold: integer(v, "feedback_threshold", d.feedbackThreshold, in: 1...5, &ok),
            weights: readQualityWeights(v, &ok))
    }

    /// A value-based design's quality-score weights (`weights: { discrepancy: 1, structured: 0.1 }`), each in
    /// 0...10; absent: the defaults.
    func readQualityWeights(_ v: MappingReader, _ ok: inout Bool) -> QualityScoreWeights {
        let d = QualityScoreWeights()
        guard let w = section(v, "weights", ScenarioSchema.qualityWeightsFields, &ok) else { return d }
        let range = 0...QualityScoreWeights.maxWeight
        return QualityScoreWeights(
            discrepancy: number(w, "discrepancy", d.discrepancy, in: range, &ok),
            followUpAppropriate: number(w, "follow_up_appropriate", d.followUpAppropriate, in: range, &ok),
            satisfaction: number(w, "satisfaction", d.satisfaction, in: range, &ok),
            structured: number(w, "structured", d.structured, in: range, &ok))
    }
}
