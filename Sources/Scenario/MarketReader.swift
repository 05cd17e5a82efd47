import MarketModel
import Yams

/// Reads the `market:` section into a ``MarketParameters``: every field with its default, every problem
/// recorded on the shared walker, then the cross-reference checks between clients, cohorts, designs and
/// the chain.
struct MarketReader {
    let walker: SchemaWalker
    static let hour: Int64 = 3_600_000_000

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
        let quality = readQuality(market, &ok)
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
        if quality == nil {
            for d in designs where !(d.value.valueBased?.weights.isDefault ?? true) {
                walker.error(
                    "design '\(d.value.name)': value_based 'weights' other than the defaults need the market's "
                        + "'quality' section (structured reports and the follow-up guideline)",
                    at: d.mark)
                ok = false
            }
        }

        guard ok, let chain else { return nil }
        return MarketParameters(
            currency: currency, studyWRVU: wrvu, credentialing: credentialing, clients: clients.map(\.value.model),
            cohorts: cohorts.map(\.value.model), referrers: referrers, peerReview: peerReview, ai: ai,
            quality: quality, designs: designs.map(\.value), chain: chain)
    }

    // MARK: - Shared helpers

    /// Reads each item of the list under `key` with `item(node, 1-based index)`; an item that fails (`nil`,
    /// already diagnosed) is dropped and clears `ok`.
    func readList<T>(
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
    func item(_ node: Node, _ list: String, _ index: Int, _ fields: [FieldSpec]) -> MappingReader? {
        walker.mapping(node, label: "'\(list)' entry \(index)", fields: fields)
    }

    /// Errors on repeated names, at the second occurrence.
    func unique(_ names: [Located<String>], what: String, _ ok: inout Bool) {
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
    func name(_ reader: MappingReader, _ ok: inout Bool) -> Located<String>? {
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
    func checkApplicable(
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

    func duration(
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

    func number(
        _ reader: MappingReader, _ key: String, _ fallback: Double, in range: ClosedRange<Double>, _ ok: inout Bool
    ) -> Double {
        guard reader.contains(key) else { return fallback }
        guard let value = reader.optionalNumber(key, in: range) else {
            ok = false
            return fallback
        }
        return value.value
    }

    func probability(_ reader: MappingReader, _ key: String, _ fallback: Double, _ ok: inout Bool) -> Double {
        number(reader, key, fallback, in: 0...1, &ok)
    }

    func integer(
        _ reader: MappingReader, _ key: String, _ fallback: Int, in range: ClosedRange<Int>, _ ok: inout Bool
    ) -> Int {
        guard reader.contains(key) else { return fallback }
        guard let value = reader.optionalInt(key, in: range) else {
            ok = false
            return fallback
        }
        return value.value
    }

    func percent(
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

    func money(
        _ reader: MappingReader, _ key: String, _ fallback: UInt64, _ currency: Currency, _ ok: inout Bool
    ) -> UInt64 {
        guard reader.contains(key) else { return fallback }
        guard let value = reader.optionalMoney(key, currency: currency) else {
            ok = false
            return fallback
        }
        return value.value
    }

    func bool(_ reader: MappingReader, _ key: String, _ fallback: Bool, _ ok: inout Bool) -> Bool {
        guard reader.contains(key) else { return fallback }
        guard let value = reader.optionalBool(key) else {
            ok = false
            return fallback
        }
        return value.value
    }

    func choice<T: RawRepresentable & CaseIterable>(
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
    func section(_ reader: MappingReader, _ key: String, _ fields: [FieldSpec], _ ok: inout Bool)
        -> MappingReader?
    {
        guard reader.contains(key) else { return nil }
        guard let section = reader.section(key, fields: fields) else {
            ok = false
            return nil
        }
        return section
    }

    func numberTable(
        _ reader: MappingReader, _ key: String, defaults: PerModality<Double>, in range: ClosedRange<Double>,
        _ ok: inout Bool
    ) -> PerModality<Double> {
        guard let table = section(reader, key, ScenarioSchema.modalityFields, &ok) else { return defaults }
        return PerModality { m in number(table, m.name, defaults[m], in: range, &ok) }
    }

    func moneyTable(
        _ reader: MappingReader, _ key: String, defaults: PerModality<UInt64>, _ currency: Currency, _ ok: inout Bool
    ) -> PerModality<UInt64> {
        guard let table = section(reader, key, ScenarioSchema.modalityFields, &ok) else { return defaults }
        return PerModality { m in money(table, m.name, defaults[m], currency, &ok) }
    }

    // MARK: - Market-wide parts

    func readCredentialing(_ market: MappingReader, _ ok: inout Bool) -> Credentialing {
        let d = Credentialing()
        guard let s = section(market, "credentialing", ScenarioSchema.credentialingFields, &ok) else { return d }
        return Credentialing(
            licenceTicks: duration(s, "licence_time", d.licenceTicks, &ok),
            clientTicks: duration(s, "client_time", d.clientTicks, &ok))
    }

    func readReferrers(_ market: MappingReader, _ ok: inout Bool) -> Referrers {
        let d = Referrers()
        guard let s = section(market, "referrers", ScenarioSchema.referrersFields, &ok) else { return d }
        return Referrers(
            feedbackProbability: probability(s, "feedback_probability", d.feedbackProbability, &ok),
            feedbackNoise: number(s, "feedback_noise", d.feedbackNoise, in: 0...4, &ok),
            turnaroundWeight: probability(s, "turnaround_weight", d.turnaroundWeight, &ok))
    }

    func readPeerReview(_ market: MappingReader, _ ok: inout Bool) -> PeerReview {
        let d = PeerReview()
        guard let s = section(market, "peer_review", ScenarioSchema.peerReviewFields, &ok) else { return d }
        return PeerReview(
            rateBasisPoints: percent(s, "rate", d.rateBasisPoints, &ok),
            detectionProbability: probability(s, "detection_probability", d.detectionProbability, &ok),
            falseDiscrepancyProbability: probability(
                s, "false_discrepancy_probability", d.falseDiscrepancyProbability, &ok),
            delayTicks: duration(s, "delay", d.delayTicks, &ok))
    }

    func readAI(_ market: MappingReader, _ ok: inout Bool) -> AISecondReader {
        let d = AISecondReader()
        guard let s = section(market, "ai", ScenarioSchema.aiFields, &ok) else { return d }
        let ai = AISecondReader(
            enabled: bool(s, "enabled", d.enabled, &ok),
            datasetSharing: bool(s, "dataset_sharing", d.datasetSharing, &ok),
            initialDataset: integer(s, "initial_dataset", d.initialDataset, in: 0...Int.max, &ok),
            referenceDataset: integer(s, "reference_dataset", d.referenceDataset, in: 1...Int.max, &ok),
            sensitivityAtReference: probabilityTable(s, "sensitivity", defaults: d.sensitivityAtReference, &ok),
            specificityAtReference: probabilityTable(s, "specificity", defaults: d.specificityAtReference, &ok),
            exponent: number(s, "exponent", d.exponent, in: -2...0, &ok),
            irreducibleError: probability(s, "irreducible_error", d.irreducibleError, &ok),
            acceptanceProbability: probability(s, "acceptance_probability", d.acceptanceProbability, &ok),
            readingTimeEffectBasisPoints: percent(
                s, "reading_time_effect", d.readingTimeEffectBasisPoints, in: -10_000...10_000, &ok))
        let errors = (ai.sensitivityAtReference.values + ai.specificityAtReference.values).map { 1 - $0 }
        if ok, errors.contains(where: { $0 < ai.irreducibleError }) {
            walker.error(
                "'irreducible_error' must not exceed the AI's error at the reference size (1 - sensitivity and 1 - specificity, every modality)",
                at: s.keyMark("irreducible_error"))
            ok = false
        }
        return ai
    }

    /// The `quality` section, or nil when absent (report quality off).
    func readQuality(_ market: MappingReader, _ ok: inout Bool) -> ReportQuality? {
        guard market.contains("quality") else { return nil }
        let d = ReportQuality()
        guard let s = section(market, "quality", ScenarioSchema.qualityFields, &ok) else { return nil }
        return ReportQuality(
            inappropriateFollowUp: probability(s, "inappropriate_follow_up", d.inappropriateFollowUp, &ok),
            structuredShare: probability(s, "structured_share", d.structuredShare, &ok),
            structuredTimeCostBasisPoints: percent(
                s, "structured_time_cost", d.structuredTimeCostBasisPoints, in: 0...100_000, &ok),
            structuredSatisfactionGain: number(
                s, "structured_satisfaction_gain", d.structuredSatisfactionGain, in: 0...4, &ok),
            incentiveResponse: number(s, "incentive_response", d.incentiveResponse, in: 0...100, &ok),
            recommendedWithinTicks: duration(s, "follow_up_within", d.recommendedWithinTicks, positive: true, &ok),
            guidelineWithinTicks: duration(s, "guideline_within", d.guidelineWithinTicks, positive: true, &ok))
    }

    /// One probability for every modality (`sensitivity: 0.9`), or a mapping of modality to probability
    /// (`sensitivity: { ct: 0.9, xr: 0.8 }`) where a modality not written keeps its default.
    func probabilityTable(
        _ reader: MappingReader, _ key: String, defaults: PerModality<Double>, _ ok: inout Bool
    ) -> PerModality<Double> {
        guard let (node, _) = reader.optionalNode(key) else { return defaults }
        if case .mapping = node { return numberTable(reader, key, defaults: defaults, in: 0...1, &ok) }
        let one = probability(reader, key, .nan, &ok)
        return one.isNaN ? defaults : PerModality { _ in one }
    }

    // MARK: - Cross-references

    func crossCheck(clients: [Located<ClientEntry>], cohorts: [Located<CohortEntry>], _ ok: inout Bool) {
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

    func crossCheckDesigns(
        _ designs: [Located<MarketDesignSpec>], clients: [ClientEntry], wrvu: PerModality<Double>, _ ok: inout Bool
    ) {
        var used: [Modality] = []
        for m in clients.flatMap(\.modalitiesUsed) where !used.contains(m) { used.append(m) }
        for design in designs {
            guard case .intermediary(let i) = design.value.mechanism, let perWRVU = i.payPerWRVU else { continue }
            for m in used {
                let price = Double(i.clientPrices[m])
                let pay = Double(perWRVU) * wrvu[m]
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
    func optionalNodeAnyRequiredness(_ key: String) -> (Node, SourcePosition)? {
        guard let entry = entry(key) else { return nil }
        return (entry.value, entry.value.position ?? entry.keyMark)
    }

    /// A required percentage (used where the key list marks it required).
    func optionalPercentRequired(_ key: String) -> Located<Int>? {
        guard let (node, mark) = value(key, required: true) else { return nil }
        return percentValue(node, mark: mark, name: "'\(key)'", in: 0...10_000)
    }
}
