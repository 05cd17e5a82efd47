import MarketModel
import Yams

extension MarketReader {
    // MARK: - Clients

    /// A client group with the positions the cross-checks point at.
    struct ClientEntry {
        var model: ClientGroup
        var jurisdictionMark: SourcePosition
        var subspecialtyMarks: [Located<String>]
        var modalitiesUsed: [Modality]
    }

    func readClient(_ node: Node, _ index: Int, _ currency: Currency, _ ok: inout Bool)
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

    func readVolume(
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
    func readArrivalProfile(_ c: MappingReader, _ ok: inout Bool) -> ArrivalProfile? {
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
}
