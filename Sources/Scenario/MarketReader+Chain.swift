import MarketModel
import Yams

extension MarketReader {
    // MARK: - Chain

    /// A validator as read, with the positions the later checks point at.
    typealias ValidatorEntry = (
        model: ChainParameters.Validator, mark: SourcePosition, operatorMark: SourcePosition,
        regionMark: SourcePosition?
    )

    func readChain(_ market: MappingReader, _ currency: Currency, _ ok: inout Bool) -> ChainParameters? {
        let d = ChainParameters()
        guard market.contains("chain") else { return d }
        guard let s = section(market, "chain", ScenarioSchema.chainFields, &ok) else { return nil }
        var good = true

        var operatorNames = readOperatorNames(s, &good)
        let validators = readValidators(s, &good)
        checkOperators(s, validators: validators, operatorNames: &operatorNames, &good)

        let block = readBlock(s, d.block, &good)
        let timeouts = readTimeouts(s, d.timeouts, &good)
        let latency = readLatency(s, d.latency, &good)
        checkRegions(s, latency: latency, validators: validators, &good)
        let validatorNames = s.contains("validators") ? validators.map(\.model.name) : d.validators.map(\.name)
        let faults = readFaults(s, validatorNames: validatorNames, &good)
        let membership = readMembership(
            s, validators: s.contains("validators") ? validators.map(\.model) : d.validators, &good)
        var fees = d.fees
        if let f = section(s, "fees", ScenarioSchema.feesFields, &good) {
            fees = ChainParameters.Fees(
                minFee: money(f, "min_fee", fees.minFee, currency, &good),
                perByte: money(f, "per_byte", fees.perByte, currency, &good))
        }
        let verification = duration(s, "verification_cost", d.verificationCostTicks, &good)
        var synchrony = d.synchrony
        if let y = section(s, "synchrony", ScenarioSchema.synchronyFields, &good) {
            synchrony = ChainParameters.Synchrony(
                precisionTicks: duration(y, "precision", synchrony.precisionTicks, &good),
                messageDelayTicks: duration(y, "message_delay", synchrony.messageDelayTicks, &good))
        }
        let signatures = choice(s, "signatures", d.signatures, &good)
        var epochHeights = d.randomnessEpochHeights
        if let r = section(s, "randomness", ScenarioSchema.randomnessFields, &good) {
            epochHeights = integer(r, "epoch", epochHeights, in: 2...1_000_000, &good)
        }
        guard good else {
            ok = false
            return nil
        }
        var chain = ChainParameters(
            operators: s.contains("validators")
                ? operatorNames.map { ChainParameters.Operator(name: $0.value) } : d.operators,
            validators: s.contains("validators") ? validators.map(\.model) : d.validators, block: block,
            timeouts: timeouts, latency: latency, faults: faults, verificationCostTicks: verification, fees: fees,
            synchrony: synchrony)
        chain.signatures = signatures
        chain.membership = membership
        chain.randomnessEpochHeights = epochHeights
        return chain
    }

    /// The `operators:` list (empty if absent), checked for duplicates.
    func readOperatorNames(_ s: MappingReader, _ good: inout Bool) -> [Located<String>] {
        var operatorNames: [Located<String>] = []
        if s.contains("operators") {
            if let names = s.stringList("operators", required: false) {
                operatorNames = names
            } else {
                good = false
            }
            unique(operatorNames, what: "operator", &good)
        }
        return operatorNames
    }

    /// The `validators:` list (empty if absent); at least one entry and unique names when given.
    func readValidators(_ s: MappingReader, _ good: inout Bool) -> [ValidatorEntry] {
        var validators: [ValidatorEntry] = []
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
        return validators
    }

    /// Operators: when validators are given, their operators must be listed (unless no list is given at all,
    /// in which case the validators' operators define it).
    func checkOperators(
        _ s: MappingReader, validators: [ValidatorEntry], operatorNames: inout [Located<String>], _ good: inout Bool
    ) {
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
    }

    func readBlock(_ s: MappingReader, _ fallback: ChainParameters.BlockLimits, _ good: inout Bool)
        -> ChainParameters.BlockLimits
    {
        var block = fallback
        if let b = section(s, "block", ScenarioSchema.blockFields, &good) {
            block = ChainParameters.BlockLimits(
                maxTransactions: integer(b, "max_transactions", block.maxTransactions, in: 1...10_000_000, &good),
                maxBytes: integer(b, "max_bytes", block.maxBytes, in: 1024...(1 << 30), &good),
                intervalTicks: duration(b, "interval", block.intervalTicks, &good))
        }
        return block
    }

    func readTimeouts(_ s: MappingReader, _ fallback: ChainParameters.Timeouts, _ good: inout Bool)
        -> ChainParameters.Timeouts
    {
        var timeouts = fallback
        if let t = section(s, "timeouts", ScenarioSchema.timeoutsFields, &good) {
            timeouts = ChainParameters.Timeouts(
                proposeTicks: duration(t, "propose", timeouts.proposeTicks, positive: true, &good),
                proposeDeltaTicks: duration(t, "propose_delta", timeouts.proposeDeltaTicks, &good),
                prevoteTicks: duration(t, "prevote", timeouts.prevoteTicks, positive: true, &good),
                prevoteDeltaTicks: duration(t, "prevote_delta", timeouts.prevoteDeltaTicks, &good),
                precommitTicks: duration(t, "precommit", timeouts.precommitTicks, positive: true, &good),
                precommitDeltaTicks: duration(t, "precommit_delta", timeouts.precommitDeltaTicks, &good))
        }
        return timeouts
    }

    /// With the `regions` latency profile every validator needs a region the profile names.
    func checkRegions(
        _ s: MappingReader, latency: ChainParameters.Latency, validators: [ValidatorEntry], _ good: inout Bool
    ) {
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
    }

    func readLatency(_ chain: MappingReader, _ fallback: ChainParameters.Latency, _ ok: inout Bool)
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
}
