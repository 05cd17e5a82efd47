import MarketModel
import Yams

/// Reads the `market:` section into a ``MarketParameters``: every field with its default, every problem
/// recorded on the shared walker, then the cross-reference checks between clients, cohorts, designs and
/// the chain.
struct MarketReader {
    let walker: SchemaWalker
    private static let hour: Int64 = 3_600_000_000

    /// The market model, or `nil` if any part of it was bad (diagnosed).
    func read(_ top: MappingReader) -> MarketParameters? {
        guard
            let market = top.section(
                "market", fields: ScenarioSchema.marketFields, misplaced: ScenarioSchema.homeOfSectionKey)
        else { return nil }
        var ok = true
        var currency = Currency.usd
        if let code = market.optionalString("currency") {
            if let known = Currency.named(code.value) {
                currency = known
            } else {
                let codes = Currency.known.map(\.code)
                let hint = closestMatch(to: code.value, among: codes).map { " (did you mean '\($0)'?)" } ?? ""
                walker.error(
                    "unknown currency '\(code.value)'\(hint) (known: \(codes.joined(separator: ", ")))", at: code.mark)
                ok = false
            }
        }
        let wrvu = numberTable(market, "study_wrvu", defaults: MarketDefaults.studyWRVU, in: 0...1000, &ok)
        let credentialing = readCredentialing(market, &ok)
        let clients = readList(market, "clients", required: true, &ok) { node, index in
            var itemOK = true
            return readClient(node, index, currency, &itemOK)
        }
        let cohorts = readList(market, "cohorts", required: true, &ok) { node, index in
            var itemOK = true
            return readCohort(node, index, currency, &itemOK)
        }
        let referrers = readReferrers(market, &ok)
        let peerReview = readPeerReview(market, &ok)
        let ai = readAI(market, &ok)
        let designs = readList(market, "designs", required: true, &ok) { node, index in
            var itemOK = true
            return readDesign(node, index, currency, &itemOK)
        }
        let chain = readChain(market, currency, &ok)

        for (key, list) in [("clients", clients.count), ("cohorts", cohorts.count), ("designs", designs.count)]
        where market.contains(key) && list == 0 && ok {
            walker.error("'\(key)' must list at least one entry", at: market.keyMark(key))
            ok = false
        }
        unique(clients.map { Located(value: $0.value.model.name, mark: $0.mark) }, what: "client", &ok)
        unique(cohorts.map { Located(value: $0.value.model.name, mark: $0.mark) }, what: "cohort", &ok)
        unique(designs.map { Located(value: $0.value.name, mark: $0.mark) }, what: "design", &ok)
        crossCheck(clients: clients, cohorts: cohorts, &ok)
        crossCheckDesigns(designs, clients: clients.map(\.value), wrvu: wrvu, &ok)

        guard ok, let chain else { return nil }
        return MarketParameters(
            currency: currency, studyWRVU: wrvu, credentialing: credentialing, clients: clients.map(\.value.model),
            cohorts: cohorts.map(\.value.model), referrers: referrers, peerReview: peerReview, ai: ai,
            designs: designs.map(\.value), chain: chain)
    }

    // MARK: - Shared helpers

    /// Reads each item of the list under `key` with `item(node, 1-based index)`; an item that fails (`nil`,
    /// already diagnosed) is dropped and clears `ok`.
    private func readList<T>(
        _ reader: MappingReader, _ key: String, required: Bool, _ ok: inout Bool,
        _ item: (Node, Int) -> Located<T>?
    ) -> [Located<T>] {
        guard let nodes = reader.list(key, required: required) else {
            if reader.contains(key) || required { ok = false }
            return []
        }
        var items: [Located<T>] = []
        for (index, node) in nodes.enumerated() {
            if let read = item(node, index + 1) { items.append(read) } else { ok = false }
        }
        return items
    }

    /// Opens a list item as a mapping.
    private func item(_ node: Node, _ list: String, _ index: Int, _ fields: [FieldSpec]) -> MappingReader? {
        walker.mapping(node, label: "'\(list)' entry \(index)", fields: fields)
    }

    /// Errors on repeated names, at the second occurrence.
    private func unique(_ names: [Located<String>], what: String, _ ok: inout Bool) {
        var seen: [String] = []
        for name in names {
            if seen.contains(name.value) {
                walker.error("duplicate \(what) name '\(name.value)'", at: name.mark)
                ok = false
            }
            seen.append(name.value)
        }
    }

    /// A name that becomes part of file and account names: `[A-Za-z0-9._-]+`.
    private func name(_ reader: MappingReader, _ ok: inout Bool) -> Located<String>? {
        guard let name = reader.requireString("name") else {
            ok = false
            return nil
        }
        guard ScenarioSchema.isValidName(name.value) else {
            walker.error("'name' must match [A-Za-z0-9._-]+, got '\(name.value)'", at: name.mark)
            ok = false
            return nil
        }
        return name
    }

    /// Errors on keys that do not apply to the chosen `type` (keys of other types in `table`).
    private func checkApplicable(
        _ reader: MappingReader, type: String, table: [(type: String, keys: [String])], what: String, _ ok: inout Bool
    ) {
        let allowed = table.first { $0.type == type }?.keys ?? []
        for (otherType, keys) in table where otherType != type {
            for key in keys where !allowed.contains(key) && reader.contains(key) {
                walker.error(
                    "'\(key)' does not apply to \(what) '\(type)' (it is for '\(otherType)')", at: reader.keyMark(key))
                ok = false
            }
        }
    }

    private func duration(
        _ reader: MappingReader, _ key: String, _ fallback: Int64, min: Int64 = 0, positive: Bool = false,
        _ ok: inout Bool
    ) -> Int64 {
        guard reader.contains(key) else { return fallback }
        let required = reader.fields.contains { $0.key == key && $0.required }
        guard let value = required ? reader.requireDuration(key) : reader.optionalDuration(key) else {
            ok = false
            return fallback
        }
        if positive ? value.value <= 0 : value.value < min {
            walker.error("'\(key)' must be \(positive ? "greater than zero" : "at least 0")", at: value.mark)
            ok = false
        }
        return value.value
    }

    private func number(
        _ reader: MappingReader, _ key: String, _ fallback: Double, in range: ClosedRange<Double>, _ ok: inout Bool
    ) -> Double {
        guard reader.contains(key) else { return fallback }
        guard let value = reader.optionalNumber(key, in: range) else {
            ok = false
            return fallback
        }
        return value.value
    }

    private func probability(_ reader: MappingReader, _ key: String, _ fallback: Double, _ ok: inout Bool) -> Double {
        number(reader, key, fallback, in: 0...1, &ok)
    }

    private func integer(
        _ reader: MappingReader, _ key: String, _ fallback: Int, in range: ClosedRange<Int>, _ ok: inout Bool
    ) -> Int {
        guard reader.contains(key) else { return fallback }
        guard let value = reader.optionalInt(key, in: range) else {
            ok = false
            return fallback
        }
        return value.value
    }

    private func percent(
        _ reader: MappingReader, _ key: String, _ fallback: Int, in range: ClosedRange<Int> = 0...10_000,
        _ ok: inout Bool
    ) -> Int {
        guard reader.contains(key) else { return fallback }
        guard let value = reader.optionalPercent(key, in: range) else {
            ok = false
            return fallback
        }
        return value.value
    }

    private func money(
        _ reader: MappingReader, _ key: String, _ fallback: UInt64, _ currency: Currency, _ ok: inout Bool
    ) -> UInt64 {
        guard reader.contains(key) else { return fallback }
        guard let value = reader.optionalMoney(key, currency: currency) else {
            ok = false
            return fallback
        }
        return value.value
    }

    private func bool(_ reader: MappingReader, _ key: String, _ fallback: Bool, _ ok: inout Bool) -> Bool {
        guard reader.contains(key) else { return fallback }
        guard let value = reader.optionalBool(key) else {
            ok = false
            return fallback
        }
        return value.value
    }

    private func choice<T: RawRepresentable & CaseIterable>(
        _ reader: MappingReader, _ key: String, _ fallback: T, _ ok: inout Bool
    ) -> T where T.RawValue == String {
        guard reader.contains(key) else { return fallback }
        guard let written = reader.optionalChoice(key, among: T.allCases.map(\.rawValue)),
            let value = T(rawValue: written.value)
        else {
            ok = false
            return fallback
        }
        return value
    }

    /// A nested mapping; `nil` when absent or not a mapping (then `ok` is cleared).
    private func section(_ reader: MappingReader, _ key: String, _ fields: [FieldSpec], _ ok: inout Bool)
        -> MappingReader?
    {
        guard reader.contains(key) else { return nil }
        guard let section = reader.section(key, fields: fields) else {
            ok = false
            return nil
        }
        return section
    }

    private func numberTable(
        _ reader: MappingReader, _ key: String, defaults: PerModality<Double>, in range: ClosedRange<Double>,
        _ ok: inout Bool
    ) -> PerModality<Double> {
        guard let table = section(reader, key, ScenarioSchema.modalityFields, &ok) else { return defaults }
        return PerModality { m in number(table, m.name, defaults[m], in: range, &ok) }
    }

    private func moneyTable(
        _ reader: MappingReader, _ key: String, defaults: PerModality<UInt64>, _ currency: Currency, _ ok: inout Bool
    ) -> PerModality<UInt64> {
        guard let table = section(reader, key, ScenarioSchema.modalityFields, &ok) else { return defaults }
        return PerModality { m in money(table, m.name, defaults[m], currency, &ok) }
    }

    // MARK: - Market-wide parts

    private func readCredentialing(_ market: MappingReader, _ ok: inout Bool) -> Credentialing {
        let d = Credentialing()
        guard let s = section(market, "credentialing", ScenarioSchema.credentialingFields, &ok) else { return d }
        return Credentialing(
            licenceTicks: duration(s, "licence_time", d.licenceTicks, &ok),
            clientTicks: duration(s, "client_time", d.clientTicks, &ok))
    }

    private func readReferrers(_ market: MappingReader, _ ok: inout Bool) -> Referrers {
        let d = Referrers()
        guard let s = section(market, "referrers", ScenarioSchema.referrersFields, &ok) else { return d }
        return Referrers(
            feedbackProbability: probability(s, "feedback_probability", d.feedbackProbability, &ok),
            feedbackNoise: number(s, "feedback_noise", d.feedbackNoise, in: 0...4, &ok),
            turnaroundWeight: probability(s, "turnaround_weight", d.turnaroundWeight, &ok))
    }

    private func readPeerReview(_ market: MappingReader, _ ok: inout Bool) -> PeerReview {
        let d = PeerReview()
        guard let s = section(market, "peer_review", ScenarioSchema.peerReviewFields, &ok) else { return d }
        return PeerReview(
            rateBasisPoints: percent(s, "rate", d.rateBasisPoints, &ok),
            detectionProbability: probability(s, "detection_probability", d.detectionProbability, &ok),
            falseDiscrepancyProbability: probability(
                s, "false_discrepancy_probability", d.falseDiscrepancyProbability, &ok),
            delayTicks: duration(s, "delay", d.delayTicks, &ok))
    }

    private func readAI(_ market: MappingReader, _ ok: inout Bool) -> AISecondReader {
        let d = AISecondReader()
        guard let s = section(market, "ai", ScenarioSchema.aiFields, &ok) else { return d }
        let ai = AISecondReader(
            enabled: bool(s, "enabled", d.enabled, &ok),
            initialDataset: integer(s, "initial_dataset", d.initialDataset, in: 0...Int.max, &ok),
            referenceDataset: integer(s, "reference_dataset", d.referenceDataset, in: 1...Int.max, &ok),
            sensitivityAtReference: probability(s, "sensitivity", d.sensitivityAtReference, &ok),
            specificityAtReference: probability(s, "specificity", d.specificityAtReference, &ok),
            exponent: number(s, "exponent", d.exponent, in: -2...0, &ok),
            irreducibleError: probability(s, "irreducible_error", d.irreducibleError, &ok),
            acceptanceProbability: probability(s, "acceptance_probability", d.acceptanceProbability, &ok),
            readingTimeEffectBasisPoints: percent(
                s, "reading_time_effect", d.readingTimeEffectBasisPoints, in: -10_000...10_000, &ok))
        let errors = [1 - ai.sensitivityAtReference, 1 - ai.specificityAtReference]
        if ok, errors.contains(where: { $0 < ai.irreducibleError }) {
            walker.error(
                "'irreducible_error' must not exceed the AI's error at the reference size (1 - sensitivity and 1 - specificity)",
                at: s.keyMark("irreducible_error"))
            ok = false
        }
        return ai
    }

    // MARK: - Clients

    /// A client group with the positions the cross-checks point at.
    struct ClientEntry {
        var model: ClientGroup
        var jurisdictionMark: SourcePosition
        var subspecialtyMarks: [Located<String>]
        var modalitiesUsed: [Modality]
    }

    private func readClient(_ node: Node, _ index: Int, _ currency: Currency, _ ok: inout Bool)
        -> Located<ClientEntry>?
    {
        guard let c = item(node, "clients", index, ScenarioSchema.clientFields) else {
            ok = false
            return nil
        }
        var good = true
        let name = name(c, &good)
        var type: ClientGroup.ClientType?
        if let written = c.requireChoice("type", among: ClientGroup.ClientType.allCases.map(\.rawValue)) {
            type = ClientGroup.ClientType(rawValue: written.value)
        } else {
            good = false
        }
        let count = integer(c, "count", 1, in: 1...1_000_000, &good)
        let jurisdiction = c.requireString("jurisdiction")
        if jurisdiction == nil { good = false }
        var subspecialties: [Located<String>] = []
        let volumes = readList(c, "volumes", required: true, &good) { node, i in
            var itemOK = true
            return readVolume(node, i, &subspecialties, &itemOK)
        }.map(\.value)
        if c.contains("volumes"), volumes.isEmpty, good {
            walker.error("'volumes' must list at least one entry", at: c.keyMark("volumes"))
            good = false
        }
        let profile = readArrivalProfile(c, &good)
        let quality = probability(c, "requisition_quality", 0.76, &good)
        let wtp = moneyTable(c, "willingness_to_pay", defaults: MarketDefaults.willingnessToPay, currency, &good)
        let surcharge = money(c, "stat_surcharge", 200, currency, &good)
        var turnaround = MarketDefaults.turnaroundTicks
        if let t = section(c, "turnaround", ScenarioSchema.urgencyFields, &good) {
            turnaround = PerUrgency { u in duration(t, u.name, turnaround[u], positive: true, &good) }
        }
        let credentialing = c.contains("requires_credentialing") ? bool(c, "requires_credentialing", true, &good) : nil
        // Partial entries still take part in the cross-checks; the load fails anyway on any error.
        if !good { ok = false }
        guard let name, let jurisdiction else { return nil }
        let model = ClientGroup(
            name: name.value, type: type ?? .hospitalSystem, count: count, jurisdiction: jurisdiction.value,
            volumes: volumes,
            arrivalProfile: profile, requisitionQuality: quality, willingnessToPay: wtp, statSurcharge: surcharge,
            turnaroundTicks: turnaround, requiresCredentialing: credentialing)
        let entry = ClientEntry(
            model: model, jurisdictionMark: jurisdiction.mark, subspecialtyMarks: subspecialties,
            modalitiesUsed: volumes.map(\.modality))
        return Located(value: entry, mark: name.mark)
    }

    private func readVolume(
        _ node: Node, _ index: Int, _ subspecialties: inout [Located<String>], _ ok: inout Bool
    ) -> Located<StudyVolume>? {
        guard let v = item(node, "volumes", index, ScenarioSchema.volumeFields) else {
            ok = false
            return nil
        }
        var good = true
        let modality = v.requireChoice("modality", among: Modality.allCases.map(\.name))
        let urgency = v.requireChoice("urgency", among: Urgency.allCases.map(\.name))
        let volume = v.requireVolume("volume")
        let subspecialty = v.optionalString("subspecialty")
        if v.contains("subspecialty"), subspecialty == nil { good = false }
        if let subspecialty { subspecialties.append(subspecialty) }
        let prevalence = probability(v, "prevalence", 0.3, &good)
        if !good || volume == nil { ok = false }
        guard let modality, let urgency, let m = Modality(name: modality.value),
            let u = Urgency(name: urgency.value)
        else { return nil }
        return Located(
            value: StudyVolume(
                modality: m, urgency: u, studiesPerDay: volume?.value ?? 0, subspecialty: subspecialty?.value,
                findingPrevalence: prevalence),
            mark: v.mark)
    }

    /// `nil` means "the type's default".
    private func readArrivalProfile(_ c: MappingReader, _ ok: inout Bool) -> ArrivalProfile? {
        guard let p = section(c, "arrival_profile", ScenarioSchema.arrivalProfileFields, &ok) else { return nil }
        let shapes = ["flat", "sinusoidal", "explicit"]
        guard let shape = p.requireChoice("shape", among: shapes) else {
            ok = false
            return nil
        }
        checkApplicable(
            p, type: shape.value,
            table: [
                ("flat", []), ("sinusoidal", ["peak_hour", "amplitude", "weekend_factor"]),
                ("explicit", ["multipliers"]),
            ],
            what: "shape", &ok)
        switch shape.value {
        case "flat":
            return .flat
        case "sinusoidal":
            return .sinusoidal(
                peakHour: number(p, "peak_hour", 12, in: 0...23.999, &ok),
                amplitude: number(p, "amplitude", 0.5, in: 0...1, &ok),
                weekendFactor: number(p, "weekend_factor", 1, in: 0...10, &ok))
        default:
            guard let items = p.list("multipliers", required: false) else {
                if !p.contains("multipliers") {
                    walker.error("shape 'explicit' needs 'multipliers': 168 numbers, Monday 00:00 first", at: p.mark)
                }
                ok = false
                return nil
            }
            var values: [Double] = []
            for (i, node) in items.enumerated() {
                let mark = node.position ?? p.keyMark("multipliers")
                if let x = p.numberValue(node, mark: mark, name: "multiplier \(i + 1)", in: 0...1e6) {
                    values.append(x.value)
                } else {
                    ok = false
                }
            }
            if items.count != 168 {
                walker.error(
                    "'multipliers' must have 168 entries (one per hour of the week, Monday 00:00 first), got \(items.count)",
                    at: p.keyMark("multipliers"))
                ok = false
            } else if values.count == 168, values.allSatisfy({ $0 == 0 }) {
                walker.error("'multipliers' must not all be zero", at: p.keyMark("multipliers"))
                ok = false
            }
            return .explicit(values)
        }
    }

    // MARK: - Cohorts

    struct CohortEntry {
        var model: RadiologistCohort
        var licences: [Located<String>]
        var subspecialties: [Located<String>]
    }

    private func readCohort(_ node: Node, _ index: Int, _ currency: Currency, _ ok: inout Bool)
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

    private func readShift(_ c: MappingReader, _ ok: inout Bool) -> ShiftPattern {
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

    private func readReadingTimes(_ c: MappingReader, _ ok: inout Bool) -> PerModality<ReadingTime> {
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

    private func readAccuracy(_ c: MappingReader, _ ok: inout Bool) -> Accuracy {
        let d = Accuracy()
        guard let s = section(c, "accuracy", ScenarioSchema.accuracyFields, &ok) else { return d }
        return Accuracy(
            missProbability: probability(s, "miss_probability", d.missProbability, &ok),
            overcallProbability: probability(s, "overcall_probability", d.overcallProbability, &ok),
            poorRequisitionOddsRatio: number(
                s, "poor_requisition_odds_ratio", d.poorRequisitionOddsRatio, in: 0.01...100, &ok))
    }

    private func readFatigue(_ c: MappingReader, _ ok: inout Bool) -> Fatigue {
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

    private func readBurnout(_ c: MappingReader, _ ok: inout Bool) -> Burnout {
        let d = Burnout()
        guard let s = section(c, "burnout", ScenarioSchema.burnoutFields, &ok) else { return d }
        if !bool(s, "enabled", true, &ok) {
            ignoredWhenDisabled(s, ScenarioSchema.burnoutFields)
            return .none
        }
        return Burnout(
            sustainableWRVUPerDay: number(
                s, "sustainable_wrvu_per_day", d.sustainableWRVUPerDay, in: 0.001...10_000, &ok),
            accumulationPerDay: number(s, "accumulation_per_day", d.accumulationPerDay, in: 0...1, &ok),
            recoveryPerDay: number(s, "recovery_per_day", d.recoveryPerDay, in: 0...1, &ok),
            threshold: probability(s, "threshold", d.threshold, &ok),
            initialBurnedOutFraction: probability(s, "initial_burned_out_fraction", d.initialBurnedOutFraction, &ok),
            errorOddsRatio: number(s, "error_odds_ratio", d.errorOddsRatio, in: 0.01...100, &ok),
            hoursCutOddsRatioPerPoint: number(
                s, "hours_cut_odds_ratio_per_point", d.hoursCutOddsRatioPerPoint, in: 0.01...100, &ok),
            hoursCutBasisPoints: percent(s, "hours_cut", d.hoursCutBasisPoints, &ok),
            annualAttritionBasisPoints: percent(s, "annual_attrition", d.annualAttritionBasisPoints, &ok),
            exitHazardMultiplier: number(s, "exit_hazard_multiplier", d.exitHazardMultiplier, in: 0...100, &ok))
    }

    /// Warns about parameters written under `enabled: false` (they have no effect).
    private func ignoredWhenDisabled(_ s: MappingReader, _ fields: [FieldSpec]) {
        for field in fields where field.key != "enabled" && s.contains(field.key) {
            walker.warning("'\(field.key)' has no effect with 'enabled: false'", at: s.keyMark(field.key))
        }
    }

    private func readPace(_ c: MappingReader, _ ok: inout Bool) -> Pace {
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

    private func readPricing(_ c: MappingReader, _ currency: Currency, _ ok: inout Bool) -> Pricing {
        let d = Pricing()
        guard let s = section(c, "pricing", ScenarioSchema.pricingFields, &ok) else { return d }
        return Pricing(
            strategy: choice(s, "strategy", d.strategy, &ok),
            listPrices: moneyTable(s, "list_prices", defaults: d.listPrices, currency, &ok),
            statSurcharge: money(s, "stat_surcharge", d.statSurcharge, currency, &ok),
            queueStepBasisPoints: percent(s, "queue_step", d.queueStepBasisPoints, &ok),
            maxChangeBasisPoints: percent(s, "max_change", d.maxChangeBasisPoints, &ok),
            incomeTargetPerHour: money(s, "income_target_per_hour", d.incomeTargetPerHour, currency, &ok),
            adjustmentBasisPoints: percent(s, "adjustment", d.adjustmentBasisPoints, &ok))
    }

    private func readClaiming(_ c: MappingReader, _ ok: inout Bool) -> Claiming {
        let d = Claiming()
        guard let s = section(c, "claiming", ScenarioSchema.claimingFields, &ok) else { return d }
        return Claiming(
            strategy: choice(s, "strategy", d.strategy, &ok),
            maxQueue: integer(s, "max_queue", d.maxQueue, in: 1...1000, &ok),
            crowdedBids: integer(s, "crowded_bids", d.crowdedBids, in: 1...1000, &ok))
    }

    // MARK: - Designs

    private func readDesign(_ node: Node, _ index: Int, _ currency: Currency, _ ok: inout Bool)
        -> Located<MarketDesignSpec>?
    {
        guard let s = item(node, "designs", index, ScenarioSchema.designFields) else {
            ok = false
            return nil
        }
        var good = true
        let name = name(s, &good)
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
                    payPerWRVU: money(s, "pay_per_wrvu", d.payPerWRVU, currency, &good),
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
        if !good { ok = false }
        guard let name, type != nil else { return nil }
        return Located(
            value: MarketDesignSpec(name: name.value, mechanism: mechanism, valueBased: valueBased), mark: name.mark)
    }

    private func readValueBased(_ v: MappingReader, _ ok: inout Bool) -> MarketDesignSpec.ValueBased {
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
            feedbackThreshold: integer(v, "feedback_threshold", d.feedbackThreshold, in: 1...5, &ok))
    }

    // MARK: - Chain

    private func readChain(_ market: MappingReader, _ currency: Currency, _ ok: inout Bool) -> ChainParameters? {
        let d = ChainParameters()
        guard market.contains("chain") else { return d }
        guard let s = section(market, "chain", ScenarioSchema.chainFields, &ok) else { return nil }
        var good = true

        var operatorNames: [Located<String>] = []
        if s.contains("operators") {
            if let names = s.stringList("operators", required: false) {
                operatorNames = names
            } else {
                good = false
            }
            unique(operatorNames, what: "operator", &good)
        }
        var validators:
            [(
                model: ChainParameters.Validator, mark: SourcePosition, operatorMark: SourcePosition,
                regionMark: SourcePosition?
            )] = []
        if s.contains("validators") {
            for (i, node) in (s.list("validators", required: false) ?? []).enumerated() {
                guard let v = item(node, "validators", i + 1, ScenarioSchema.validatorFields) else {
                    good = false
                    continue
                }
                let name = name(v, &good)
                let op = v.requireString("operator")
                let power = integer(v, "power", 1, in: 1...1_000_000, &good)
                let region = v.optionalString("region")
                if v.contains("region"), region == nil { good = false }
                guard let name, let op else {
                    good = false
                    continue
                }
                validators.append(
                    (
                        ChainParameters.Validator(
                            name: name.value, operatorName: op.value, power: power, region: region?.value),
                        name.mark, op.mark, region?.mark
                    ))
            }
            if s.list("validators", required: false) == nil { good = false }
            if validators.isEmpty, good {
                walker.error("'validators' must list at least one validator", at: s.keyMark("validators"))
                good = false
            }
            unique(validators.map { Located(value: $0.model.name, mark: $0.mark) }, what: "validator", &good)
        }
        // Operators: when validators are given, their operators must be listed (unless no list is given at all,
        // in which case the validators' operators define it).
        if s.contains("validators") {
            if s.contains("operators") {
                let known = operatorNames.map(\.value)
                for v in validators where !known.contains(v.model.operatorName) {
                    let hint =
                        closestMatch(to: v.model.operatorName, among: known).map { " (did you mean '\($0)'?)" } ?? ""
                    walker.error(
                        "validator '\(v.model.name)' names operator '\(v.model.operatorName)', which is not in 'operators'\(hint)",
                        at: v.operatorMark)
                    good = false
                }
                for op in operatorNames where !validators.contains(where: { $0.model.operatorName == op.value }) {
                    walker.warning("operator '\(op.value)' runs no validator", at: op.mark)
                }
            } else {
                var names: [String] = []
                for v in validators where !names.contains(v.model.operatorName) { names.append(v.model.operatorName) }
                operatorNames = names.map { Located(value: $0, mark: s.mark) }
            }
        } else if s.contains("operators") {
            walker.error("'operators' is given without 'validators'", at: s.keyMark("operators"))
            good = false
        }

        var block = d.block
        if let b = section(s, "block", ScenarioSchema.blockFields, &good) {
            block = ChainParameters.BlockLimits(
                maxTransactions: integer(b, "max_transactions", block.maxTransactions, in: 1...10_000_000, &good),
                maxBytes: integer(b, "max_bytes", block.maxBytes, in: 1024...(1 << 30), &good),
                intervalTicks: duration(b, "interval", block.intervalTicks, &good))
        }
        var timeouts = d.timeouts
        if let t = section(s, "timeouts", ScenarioSchema.timeoutsFields, &good) {
            timeouts = ChainParameters.Timeouts(
                proposeTicks: duration(t, "propose", timeouts.proposeTicks, positive: true, &good),
                proposeDeltaTicks: duration(t, "propose_delta", timeouts.proposeDeltaTicks, &good),
                prevoteTicks: duration(t, "prevote", timeouts.prevoteTicks, positive: true, &good),
                prevoteDeltaTicks: duration(t, "prevote_delta", timeouts.prevoteDeltaTicks, &good),
                precommitTicks: duration(t, "precommit", timeouts.precommitTicks, positive: true, &good),
                precommitDeltaTicks: duration(t, "precommit_delta", timeouts.precommitDeltaTicks, &good))
        }
        let latency = readLatency(s, d.latency, &good)
        if case .regions(let names, _, _) = latency, s.contains("validators") {
            for v in validators {
                guard let region = v.model.region, let mark = v.regionMark else {
                    walker.error(
                        "validator '\(v.model.name)' needs a 'region' (the latency profile is 'regions')", at: v.mark)
                    good = false
                    continue
                }
                if !names.contains(region) {
                    let hint = closestMatch(to: region, among: names).map { " (did you mean '\($0)'?)" } ?? ""
                    walker.error(
                        "region '\(region)' is not one of the latency profile's regions\(hint) (\(names.joined(separator: ", ")))",
                        at: mark)
                    good = false
                }
            }
        } else if case .regions = latency {
            walker.error(
                "the 'regions' latency profile needs 'validators' with a 'region' each", at: s.keyMark("latency"))
            good = false
        }
        let validatorNames = s.contains("validators") ? validators.map(\.model.name) : d.validators.map(\.name)
        let faults = readFaults(s, validatorNames: validatorNames, &good)
        var fees = d.fees
        if let f = section(s, "fees", ScenarioSchema.feesFields, &good) {
            fees = ChainParameters.Fees(
                minFee: money(f, "min_fee", fees.minFee, currency, &good),
                perByte: money(f, "per_byte", fees.perByte, currency, &good))
        }
        let verification = duration(s, "verification_cost", d.verificationCostTicks, &good)
        guard good else {
            ok = false
            return nil
        }
        return ChainParameters(
            operators: s.contains("validators")
                ? operatorNames.map { ChainParameters.Operator(name: $0.value) } : d.operators,
            validators: s.contains("validators") ? validators.map(\.model) : d.validators, block: block,
            timeouts: timeouts, latency: latency, faults: faults, verificationCostTicks: verification, fees: fees)
    }

    private func readLatency(_ chain: MappingReader, _ fallback: ChainParameters.Latency, _ ok: inout Bool)
        -> ChainParameters.Latency
    {
        guard let l = section(chain, "latency", ScenarioSchema.latencyFields, &ok) else { return fallback }
        guard let profile = l.requireChoice("profile", among: ScenarioSchema.latencyKeysByProfile.map(\.type)) else {
            ok = false
            return fallback
        }
        checkApplicable(l, type: profile.value, table: ScenarioSchema.latencyKeysByProfile, what: "profile", &ok)
        switch profile.value {
        case "constant":
            return .constant(ticks: duration(l, "delay", 200, &ok))
        case "lognormal":
            if !l.contains("mean") {
                walker.error("profile 'lognormal' needs 'mean' (a duration)", at: l.mark)
                ok = false
            }
            return .lognormal(
                meanTicks: duration(l, "mean", 1000, positive: true, &ok), cv: number(l, "cv", 0.5, in: 0...10, &ok))
        default:
            if !l.contains("regions") || !l.contains("matrix") {
                walker.error("profile 'regions' needs 'regions' (names) and 'matrix' (delays)", at: l.mark)
                ok = false
                return fallback
            }
            guard let names = l.stringList("regions", required: false) else {
                ok = false
                return fallback
            }
            unique(names, what: "region", &ok)
            var matrix: [[Int64]] = []
            let rows = l.list("matrix", required: false) ?? []
            if rows.count != names.count {
                walker.error(
                    "'matrix' must have one row per region (\(names.count)), got \(rows.count)", at: l.keyMark("matrix")
                )
                ok = false
            }
            for (i, row) in rows.enumerated() {
                let rowMark = row.position ?? l.keyMark("matrix")
                guard case .sequence(let cells) = row, cells.count == names.count else {
                    walker.error("'matrix' row \(i + 1) must be a list of \(names.count) durations", at: rowMark)
                    ok = false
                    continue
                }
                var values: [Int64] = []
                for cell in cells {
                    let mark = cell.position ?? rowMark
                    guard case .scalar(let scalar) = cell, let ticks = try? Units.duration(scalar.string), ticks >= 0
                    else {
                        walker.error("'matrix' entries must be durations like '40 ms', got \(describe(cell))", at: mark)
                        ok = false
                        values.append(0)
                        continue
                    }
                    values.append(ticks)
                }
                matrix.append(values)
            }
            return .regions(
                names: names.map(\.value), matrixTicks: matrix, jitterCV: number(l, "jitter_cv", 0, in: 0...10, &ok))
        }
    }

    private func readFaults(_ chain: MappingReader, validatorNames: [String], _ ok: inout Bool)
        -> [ChainParameters.Fault]
    {
        guard chain.contains("faults") else { return [] }
        guard let items = chain.list("faults", required: false) else {
            ok = false
            return []
        }
        var faults: [ChainParameters.Fault] = []
        for (i, node) in items.enumerated() {
            guard let f = item(node, "faults", i + 1, ScenarioSchema.faultFields) else {
                ok = false
                continue
            }
            let at = f.requireDuration("at")
            if let at, at.value < 0 {
                walker.error("'at' must not be negative", at: at.mark)
                ok = false
            }
            if at == nil { ok = false }
            guard let action = f.requireChoice("action", among: ScenarioSchema.faultKeysByAction.map(\.type)) else {
                ok = false
                continue
            }
            checkApplicable(f, type: action.value, table: ScenarioSchema.faultKeysByAction, what: "action", &ok)
            func known(_ name: Located<String>) -> Bool {
                guard validatorNames.contains(name.value) else {
                    let hint =
                        closestMatch(to: name.value, among: validatorNames).map { " (did you mean '\($0)'?)" } ?? ""
                    walker.error("unknown validator '\(name.value)'\(hint)", at: name.mark)
                    return false
                }
                return true
            }
            switch action.value {
            case "crash", "restart":
                guard let v = f.optionalString("validator") else {
                    if !f.contains("validator") {
                        walker.error("action '\(action.value)' needs 'validator'", at: f.mark)
                    }
                    ok = false
                    continue
                }
                if !known(v) { ok = false }
                faults.append(
                    ChainParameters.Fault(
                        atTicks: at?.value ?? 0,
                        action: action.value == "crash" ? .crash(validator: v.value) : .restart(validator: v.value)))
            default:
                guard let groupNodes = f.list("groups", required: false), f.contains("duration") else {
                    if !f.contains("groups") || !f.contains("duration") {
                        walker.error(
                            "action 'partition' needs 'groups' (lists of validators) and 'duration'", at: f.mark)
                    }
                    ok = false
                    continue
                }
                var groups: [[String]] = []
                var seen: [String] = []
                for group in groupNodes {
                    guard case .sequence(let members) = group else {
                        walker.error(
                            "each of 'groups' must be a list of validator names, got \(describe(group))",
                            at: group.position ?? f.mark)
                        ok = false
                        continue
                    }
                    var names: [String] = []
                    for member in members {
                        let mark = member.position ?? f.mark
                        guard case .scalar(let scalar) = member else {
                            walker.error("validator names must be strings, got \(describe(member))", at: mark)
                            ok = false
                            continue
                        }
                        let name = Located(value: scalar.string, mark: mark)
                        if !known(name) { ok = false }
                        if seen.contains(name.value) {
                            walker.error("validator '\(name.value)' is in two partition groups", at: mark)
                            ok = false
                        }
                        seen.append(name.value)
                        names.append(name.value)
                    }
                    groups.append(names)
                }
                if groupNodes.count < 2 {
                    walker.error("a partition needs at least two groups", at: f.keyMark("groups"))
                    ok = false
                }
                let length = duration(f, "duration", 0, positive: true, &ok)
                faults.append(
                    ChainParameters.Fault(
                        atTicks: at?.value ?? 0, action: .partition(groups: groups, durationTicks: length))
                )
            }
        }
        return faults
    }

    // MARK: - Cross-references

    private func crossCheck(clients: [Located<ClientEntry>], cohorts: [Located<CohortEntry>], _ ok: inout Bool) {
        guard !clients.isEmpty, !cohorts.isEmpty else { return }
        let licensed = cohorts.flatMap(\.value.model.licences)
        let used = clients.map(\.value.model.jurisdiction)
        for client in clients.map(\.value) where !licensed.contains(client.model.jurisdiction) {
            walker.error(
                "no cohort is licensed for jurisdiction '\(client.model.jurisdiction)' of client '\(client.model.name)': nobody could read its studies",
                at: client.jurisdictionMark)
            ok = false
        }
        for cohort in cohorts.map(\.value) {
            for licence in cohort.licences where !used.contains(licence.value) {
                let hint = closestMatch(to: licence.value, among: used).map { " (did you mean '\($0)'?)" } ?? ""
                walker.warning(
                    "cohort '\(cohort.model.name)' holds a licence for '\(licence.value)', which no client uses\(hint)",
                    at: licence.mark)
            }
        }
        let subspecialties = cohorts.flatMap(\.value.model.subspecialties)
        for client in clients.map(\.value) {
            for needed in client.subspecialtyMarks {
                if !subspecialties.contains(needed.value) {
                    let hint =
                        closestMatch(to: needed.value, among: subspecialties).map { " (did you mean '\($0)'?)" } ?? ""
                    walker.error(
                        "no cohort reads subspecialty '\(needed.value)'\(hint), which client '\(client.model.name)' requires",
                        at: needed.mark)
                    ok = false
                } else if !cohorts.contains(where: {
                    $0.value.model.subspecialties.contains(needed.value)
                        && $0.value.model.licences.contains(client.model.jurisdiction)
                }) {
                    walker.error(
                        "no cohort both reads subspecialty '\(needed.value)' and is licensed for '\(client.model.jurisdiction)' (client '\(client.model.name)')",
                        at: needed.mark)
                    ok = false
                }
            }
        }
    }

    private func crossCheckDesigns(
        _ designs: [Located<MarketDesignSpec>], clients: [ClientEntry], wrvu: PerModality<Double>, _ ok: inout Bool
    ) {
        var used: [Modality] = []
        for m in clients.flatMap(\.modalitiesUsed) where !used.contains(m) { used.append(m) }
        for design in designs {
            guard case .intermediary(let i) = design.value.mechanism else { continue }
            for m in used {
                let price = Double(i.clientPrices[m])
                let pay = Double(i.payPerWRVU) * wrvu[m]
                if price - pay < price * Double(i.marginBasisPoints) / 10_000 {
                    walker.warning(
                        "design '\(design.value.name)': for \(m.name), pay per wRVU × \(wrvu[m]) wRVU leaves less than the \(Units.percentText(i.marginBasisPoints)) margin of the client price (the operator will pay less than pay_per_wrvu)",
                        at: design.mark)
                }
            }
        }
    }
}

extension MappingReader {
    /// The node under `key`, whatever its declared requiredness.
    fileprivate func optionalNodeAnyRequiredness(_ key: String) -> (Node, SourcePosition)? {
        guard let entry = entry(key) else { return nil }
        return (entry.value, entry.value.position ?? entry.keyMark)
    }

    /// A required percentage (used where the key list marks it required).
    fileprivate func optionalPercentRequired(_ key: String) -> Located<Int>? {
        guard let (node, mark) = value(key, required: true) else { return nil }
        return percentValue(node, mark: mark, name: "'\(key)'", in: 0...10_000)
    }
}
