import MarketModel
import Yams

extension MarketReader {
    func readFaults(_ chain: MappingReader, validatorNames: [String], _ ok: inout Bool)
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
            let fault: ChainParameters.FaultAction?
            switch action.value {
            case "crash", "restart":
                fault = readCrashOrRestart(f, action: action.value, validatorNames: validatorNames, &ok)
            default:
                fault = readPartition(f, validatorNames: validatorNames, &ok)
            }
            if let fault {
                faults.append(ChainParameters.Fault(atTicks: at?.value ?? 0, action: fault))
            }
        }
        return faults
    }

    /// Whether `name` is one of `validatorNames`; diagnoses it (with a suggestion) if not.
    func knownValidator(_ name: Located<String>, among validatorNames: [String]) -> Bool {
        guard validatorNames.contains(name.value) else {
            let hint =
                closestMatch(to: name.value, among: validatorNames).map { " (did you mean '\($0)'?)" } ?? ""
            walker.error("unknown validator '\(name.value)'\(hint)", at: name.mark)
            return false
        }
        return true
    }

    /// A `crash` or `restart` fault's action, or `nil` (diagnosed) if it names no validator.
    func readCrashOrRestart(_ f: MappingReader, action: String, validatorNames: [String], _ ok: inout Bool)
        -> ChainParameters.FaultAction?
    {
        guard let v = f.optionalString("validator") else {
            if !f.contains("validator") {
                walker.error("action '\(action)' needs 'validator'", at: f.mark)
            }
            ok = false
            return nil
        }
        if !knownValidator(v, among: validatorNames) { ok = false }
        return action == "crash" ? .crash(validator: v.value) : .restart(validator: v.value)
    }

    /// A `partition` fault's action, or `nil` (diagnosed) if it lacks `groups` or `duration`.
    func readPartition(_ f: MappingReader, validatorNames: [String], _ ok: inout Bool)
        -> ChainParameters.FaultAction?
    {
        guard let groupNodes = f.list("groups", required: false), f.contains("duration") else {
            if !f.contains("groups") || !f.contains("duration") {
                walker.error(
                    "action 'partition' needs 'groups' (lists of validators) and 'duration'", at: f.mark)
            }
            ok = false
            return nil
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
                if !knownValidator(name, among: validatorNames) { ok = false }
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
        return .partition(groups: groups, durationTicks: length)
    }
}
