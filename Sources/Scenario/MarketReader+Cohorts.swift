import MarketModel
import Yams

extension MarketReader {
    // MARK: - Cohorts

    struct CohortEntry {
        var model: RadiologistCohort
        var licences: [Located<String>]
        var subspecialties: [Located<String>]
    }

    func readCohort(_ node: Node, _ index: Int, _ currency: Currency, _ ok: inout Bool)
        -> Located<CohortEntry>?
    {
        guard let c = item(node, "cohorts", index, ScenarioSchema.cohortFields) else {
            ok = false
            return nil
        }
        var good = true
        let name = name(c, &good)
        let count = c.requireInt("count", in: 1...1_000_000)
        if count == nil { good = false }
        let subspecialtyList = c.stringList("subspecialties", required: false)
        if c.contains("subspecialties"), subspecialtyList == nil { good = false }
        let subspecialties = subspecialtyList ?? []
        let licences = c.stringList("licences", required: true) ?? []
        if !c.contains("licences") {
            good = false
        } else if licences.isEmpty {
            if case .sequence(let items)? = c.optionalNodeAnyRequiredness("licences")?.0, items.isEmpty {
                walker.error("'licences' must list at least one jurisdiction", at: c.keyMark("licences"))
            }
            good = false
        }
        let shift = readShift(c, &good)
        let reading = readReadingTimes(c, &good)
        let speedCV = number(c, "speed_cv", 0.25, in: 0...5, &good)
        let accuracy = readAccuracy(c, &good)
        let fatigue = readFatigue(c, &good)
        let burnout = readBurnout(c, &good)
        let pace = readPace(c, &good)
        let pricing = readPricing(c, currency, &good)
        let claiming = readClaiming(c, &good)
        let credentialed = bool(c, "credentialed", true, &good)
        if !good { ok = false }
        guard let name else { return nil }
        let model = RadiologistCohort(
            name: name.value, count: count?.value ?? 1, subspecialties: subspecialties.map(\.value),
            licences: licences.map(\.value), credentialedAtStart: credentialed, shift: shift, readingTime: reading,
            speedCV: speedCV, accuracy: accuracy, fatigue: fatigue, burnout: burnout, pace: pace, pricing: pricing,
            claiming: claiming)
        return Located(
            value: CohortEntry(model: model, licences: licences, subspecialties: subspecialties), mark: name.mark)
    }

    func readShift(_ c: MappingReader, _ ok: inout Bool) -> ShiftPattern {
        let d = ShiftPattern()
        guard let s = section(c, "shift", ScenarioSchema.shiftFields, &ok) else { return d }
        let length = duration(s, "length", d.lengthTicks, positive: true, &ok)
        if length > 24 * Self.hour {
            walker.error("'length' must be at most 24 h (one shift a day)", at: s.keyMark("length"))
            ok = false
        }
        return ShiftPattern(
            startHour: integer(s, "start_hour", d.startHour, in: 0...23, &ok), lengthTicks: length,
            daysPerWeek: integer(s, "days_per_week", d.daysPerWeek, in: 1...7, &ok))
    }

    func readReadingTimes(_ c: MappingReader, _ ok: inout Bool) -> PerModality<ReadingTime> {
        let defaults = MarketDefaults.readingTime
        guard let table = section(c, "reading_time", ScenarioSchema.modalityFields, &ok) else { return defaults }
        return PerModality { m in
            guard table.contains(m.name) else { return defaults[m] }
            guard let r = table.section(m.name, fields: ScenarioSchema.readingTimeFields) else {
                ok = false
                return defaults[m]
            }
            let distribution: ReadingTime.Distribution = choice(r, "distribution", .lognormal, &ok)
            let mean = duration(r, "mean", defaults[m].meanTicks, positive: true, &ok)
            if !r.contains("mean") { ok = false }
            if distribution == .exponential, r.contains("cv") {
                if let cv = r.optionalNumber("cv", in: 0...100), cv.value != 1 {
                    walker.error("'cv' of an exponential reading time is always 1; remove it", at: cv.mark)
                }
                ok = false
            }
            let cv = number(r, "cv", defaults[m].cv, in: 0.001...10, &ok)
            return ReadingTime(distribution: distribution, meanTicks: mean, cv: cv)
        }
    }

    func readAccuracy(_ c: MappingReader, _ ok: inout Bool) -> Accuracy {
        let d = Accuracy()
        guard let s = section(c, "accuracy", ScenarioSchema.accuracyFields, &ok) else { return d }
        return Accuracy(
            missProbability: probability(s, "miss_probability", d.missProbability, &ok),
            overcallProbability: probability(s, "overcall_probability", d.overcallProbability, &ok),
            poorRequisitionOddsRatio: number(
                s, "poor_requisition_odds_ratio", d.poorRequisitionOddsRatio, in: 0.01...100, &ok))
    }

    func readFatigue(_ c: MappingReader, _ ok: inout Bool) -> Fatigue {
        let d = Fatigue()
        guard let s = section(c, "fatigue", ScenarioSchema.fatigueFields, &ok) else { return d }
        if !bool(s, "enabled", true, &ok) {
            ignoredWhenDisabled(s, ScenarioSchema.fatigueFields)
            return .none
        }
        return Fatigue(
            onsetTicks: duration(s, "onset", d.onsetTicks, &ok),
            oddsRatioPerHour: number(s, "odds_ratio_per_hour", d.oddsRatioPerHour, in: 0.01...100, &ok),
            volumeThreshold: integer(s, "volume_threshold", d.volumeThreshold, in: 0...10_000, &ok),
            oddsRatioPer10Studies: number(s, "odds_ratio_per_10_studies", d.oddsRatioPer10Studies, in: 0.01...100, &ok))
    }

    func readBurnout(_ c: MappingReader, _ ok: inout Bool) -> Burnout {
        let d = Burnout()
        guard let s = section(c, "burnout", ScenarioSchema.burnoutFields, &ok) else { return d }
        if !bool(s, "enabled", true, &ok) {
            ignoredWhenDisabled(s, ScenarioSchema.burnoutFields)
            return .none
        }
        return Burnout(
            sustainableAnnualWRVU: number(
                s, "sustainable_annual_wrvu", d.sustainableAnnualWRVU, in: 1...1_000_000, &ok),
            sustainableSpread: number(s, "sustainable_spread", d.sustainableSpread, in: 0...5, &ok),
            adjustmentPerDay: number(s, "adjustment_per_day", d.adjustmentPerDay, in: 0...1, &ok),
            threshold: number(s, "threshold", d.threshold, in: 0.001...1, &ok),
            errorOddsRatio: number(s, "error_odds_ratio", d.errorOddsRatio, in: 0.01...100, &ok),
            hoursCutOddsRatioPerPoint: number(
                s, "hours_cut_odds_ratio_per_point", d.hoursCutOddsRatioPerPoint, in: 0.01...100, &ok),
            hoursCutBasisPoints: percent(s, "hours_cut", d.hoursCutBasisPoints, &ok),
            annualAttritionBasisPoints: percent(s, "annual_attrition", d.annualAttritionBasisPoints, &ok),
            annualTurnoverBasisPoints: percent(s, "annual_turnover", d.annualTurnoverBasisPoints, &ok),
            exitHazardMultiplier: number(s, "exit_hazard_multiplier", d.exitHazardMultiplier, in: 0...100, &ok))
    }

    /// Warns about parameters written under `enabled: false` (they have no effect).
    func ignoredWhenDisabled(_ s: MappingReader, _ fields: [FieldSpec]) {
        for field in fields where field.key != "enabled" && s.contains(field.key) {
            walker.warning("'\(field.key)' has no effect with 'enabled: false'", at: s.keyMark(field.key))
        }
    }

    func readPace(_ c: MappingReader, _ ok: inout Bool) -> Pace {
        let d = Pace()
        guard let s = section(c, "pace", ScenarioSchema.paceFields, &ok) else { return d }
        let pace = Pace(
            elasticity: number(s, "elasticity", d.elasticity, in: 0...10, &ok),
            minimum: number(s, "min", d.minimum, in: 0.1...10, &ok),
            maximum: number(s, "max", d.maximum, in: 0.1...10, &ok))
        if pace.minimum > pace.maximum {
            walker.error("pace 'min' (\(pace.minimum)) must not exceed 'max' (\(pace.maximum))", at: s.keyMark("min"))
            ok = false
        }
        return pace
    }

    func readPricing(_ c: MappingReader, _ currency: Currency, _ ok: inout Bool) -> Pricing {
        let d = Pricing()
        guard let s = section(c, "pricing", ScenarioSchema.pricingFields, &ok) else { return d }
        return Pricing(
            strategy: choice(s, "strategy", d.strategy, &ok),
            listPrices: moneyTable(s, "list_prices", defaults: d.listPrices, currency, &ok),
            statSurcharge: money(s, "stat_surcharge", d.statSurcharge, currency, &ok),
            queueStepBasisPoints: percent(s, "queue_step", d.queueStepBasisPoints, &ok),
            maxChangeBasisPoints: percent(s, "max_change", d.maxChangeBasisPoints, &ok),
            incomeTargetPerHour: money(s, "income_target_per_hour", d.incomeTargetPerHour, currency, &ok),
            adjustmentBasisPoints: percent(s, "adjustment", d.adjustmentBasisPoints, &ok),
            personalSpread: number(s, "personal_spread", d.personalSpread, in: 0...2, &ok))
    }

    func readClaiming(_ c: MappingReader, _ ok: inout Bool) -> Claiming {
        let d = Claiming()
        guard let s = section(c, "claiming", ScenarioSchema.claimingFields, &ok) else { return d }
        return Claiming(
            strategy: choice(s, "strategy", d.strategy, &ok),
            maxQueue: integer(s, "max_queue", d.maxQueue, in: 1...1000, &ok),
            crowdedBids: integer(s, "crowded_bids", d.crowdedBids, in: 1...1000, &ok))
    }
}
