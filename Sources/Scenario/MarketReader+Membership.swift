import MarketModel
import Yams

extension MarketReader {
    /// `chain.membership`: scheduled validator-set changes, `{ at: 3 d, add: v5 }` or `{ at: 5 d, remove: v2 }`
    /// (issue 17 item 4). Each names a validator of `validators`; replayed in time order, an `add` must name a
    /// validator outside the set, a `remove` one inside it whose power is less than 1/3 of the set's (the contracts'
    /// removal budget), and the set never empties.
    func readMembership(_ chain: MappingReader, validators: [ChainParameters.Validator], _ ok: inout Bool)
        -> [ChainParameters.MembershipChange]
    {
        guard chain.contains("membership") else { return [] }
        guard let items = chain.list("membership", required: false) else {
            ok = false
            return []
        }
        let names = validators.map(\.name)
        var changes: [(change: ChainParameters.MembershipChange, mark: SourcePosition)] = []
        for (i, node) in items.enumerated() {
            guard let m = item(node, "membership", i + 1, ScenarioSchema.membershipFields) else {
                ok = false
                continue
            }
            let at = m.requireDuration("at")
            if let at, at.value < 0 {
                walker.error("'at' must not be negative", at: at.mark)
                ok = false
            }
            if at == nil { ok = false }
            guard m.contains("add") != m.contains("remove") else {
                walker.error(
                    "a membership change needs exactly one of 'add' or 'remove' (a validator name)", at: m.mark)
                ok = false
                continue
            }
            let action: ChainParameters.MembershipChange.Action = m.contains("add") ? .add : .remove
            guard let v = m.optionalString(action.rawValue) else {
                ok = false
                continue
            }
            guard knownValidator(v, among: names) else {
                ok = false
                continue
            }
            changes.append(
                (ChainParameters.MembershipChange(atTicks: at?.value ?? 0, action: action, validator: v.value), v.mark))
        }
        guard ok else { return [] }
        let ordered = changes.enumerated().sorted {
            ($0.element.change.atTicks, $0.offset) < ($1.element.change.atTicks, $1.offset)
        }
        .map(\.element)
        // Replay the schedule: the genesis set is every validator whose first change is not an `add`.
        var members = validators.filter { v in ordered.first { $0.change.validator == v.name }?.change.action != .add }
        for (c, mark) in ordered {
            guard let validator = validators.first(where: { $0.name == c.validator }) else { continue }
            let power = validator.power
            let isMember = members.contains { $0.name == c.validator }
            switch c.action {
            case .add where isMember:
                walker.error("validator '\(c.validator)' is already in the set when it is added", at: mark)
                ok = false
            case .add:
                members.append(validator)
            case .remove where !isMember:
                walker.error("validator '\(c.validator)' is not in the set when it is removed", at: mark)
                ok = false
            case .remove:
                let total = members.reduce(0) { $0 + $1.power }
                if 3 * power >= total {
                    walker.error(
                        "removing '\(c.validator)' (power \(power) of \(total)) would remove 1/3 or more of the power at once",
                        at: mark)
                    ok = false
                }
                members.removeAll { $0.name == c.validator }
            }
        }
        return ordered.map(\.change)
    }
}
