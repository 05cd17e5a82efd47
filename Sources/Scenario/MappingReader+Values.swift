import MarketModel
import Yams

/// Readers for the value shapes the market section adds: booleans, plain numbers in a range,
/// percentages (`10 %`), money (`12.50 USD`), volumes (`40 /d`, `12000 /y`), lists and string lists.
extension MappingReader {
    // MARK: Booleans

    func optionalBool(_ key: String) -> Located<Bool>? {
        guard let (node, mark) = value(key, required: false) else { return nil }
        guard case .scalar(let scalar) = node, node.tag.rawValue == Tag.Name.bool.rawValue else {
            walker.error("'\(key)' must be true or false, got \(describe(node))", at: mark)
            return nil
        }
        return Located(value: ["true", "yes", "on"].contains(scalar.string.lowercased()), mark: mark)
    }

    // MARK: Plain numbers

    /// A finite number (integer or decimal) in `range`; a string with a unit is refused.
    func requireNumber(_ key: String, in range: ClosedRange<Double>) -> Located<Double>? {
        number(key, in: range, required: true)
    }
    func optionalNumber(_ key: String, in range: ClosedRange<Double>) -> Located<Double>? {
        number(key, in: range, required: false)
    }

    /// A probability: a plain number between 0 and 1.
    func optionalProbability(_ key: String) -> Located<Double>? { number(key, in: 0...1, required: false) }

    private func number(_ key: String, in range: ClosedRange<Double>, required: Bool) -> Located<Double>? {
        guard let (node, mark) = value(key, required: required) else { return nil }
        return numberValue(node, mark: mark, name: "'\(key)'", in: range)
    }

    /// Reads a node as a finite number in `range`, or diagnoses it.
    func numberValue(_ node: Node, mark: SourcePosition, name: String, in range: ClosedRange<Double>)
        -> Located<Double>?
    {
        let tag = node.tag.rawValue
        guard case .scalar(let scalar) = node, tag == Tag.Name.int.rawValue || tag == Tag.Name.float.rawValue,
            let value = Double(scalar.string.replacingOccurrences(of: "_", with: "")), value.isFinite
        else {
            var hint = ""
            if case .scalar(let scalar) = node, scalar.string.contains("%") {
                hint = " (a probability is written as a plain number such as 0.05, not a percentage)"
            }
            walker.error("\(name) must be a number, got \(describe(node))\(hint)", at: mark)
            return nil
        }
        guard range.contains(value) else {
            walker.error("\(name) must be \(describeRange(range)), got \(scalar.string)", at: mark)
            return nil
        }
        return Located(value: value, mark: mark)
    }

    // MARK: Percentages

    /// A percentage written `<number> %`, converted exactly to basis points (1 % = 100).
    func optionalPercent(_ key: String, in range: ClosedRange<Int> = 0...10_000) -> Located<Int>? {
        guard let (node, mark) = value(key, required: false) else { return nil }
        return percentValue(node, mark: mark, name: "'\(key)'", in: range)
    }

    func percentValue(_ node: Node, mark: SourcePosition, name: String, in range: ClosedRange<Int>)
        -> Located<Int>?
    {
        guard case .scalar(let scalar) = node else {
            walker.error("\(name) must be a percentage like '10 %', got \(describe(node))", at: mark)
            return nil
        }
        if isNumberTag(node) {
            if let percent = Units.fractionAsPercent(scalar.string) {
                walker.error(
                    "\(name): a percentage needs '%': write '\(percent) %' (\(scalar.string) reads as a fraction)",
                    at: mark)
            } else {
                walker.error("\(name): a percentage needs '%', e.g. '\(scalar.string) %'", at: mark)
            }
            return nil
        }
        do {
            let bp = try Units.basisPoints(scalar.string)
            guard range.contains(bp) else {
                let low = Units.percentText(range.lowerBound)
                let high = Units.percentText(range.upperBound)
                walker.error("\(name) must be between \(low) and \(high), got '\(scalar.string)'", at: mark)
                return nil
            }
            return Located(value: bp, mark: mark)
        } catch {
            switch error {
            case .notWholeTicks:
                walker.error(
                    "\(name): '\(scalar.string)' has more than two decimal places (percentages are kept as whole basis points)",
                    at: mark)
            default:
                walker.error("\(name) must be a percentage like '10 %', got \(describe(node))", at: mark)
            }
            return nil
        }
    }

    // MARK: Money

    /// An amount `<number> <CUR>` in `currency`, converted exactly to minor units.
    func requireMoney(_ key: String, currency: Currency) -> Located<UInt64>? {
        money(key, currency: currency, required: true)
    }
    func optionalMoney(_ key: String, currency: Currency) -> Located<UInt64>? {
        money(key, currency: currency, required: false)
    }

    private func money(_ key: String, currency: Currency, required: Bool) -> Located<UInt64>? {
        guard let (node, mark) = value(key, required: required) else { return nil }
        return moneyValue(node, mark: mark, name: "'\(key)'", currency: currency)
    }

    func moneyValue(_ node: Node, mark: SourcePosition, name: String, currency: Currency) -> Located<UInt64>? {
        let example = "'12.50 \(currency.code)'"
        guard case .scalar(let scalar) = node else {
            walker.error("\(name) must be an amount like \(example), got \(describe(node))", at: mark)
            return nil
        }
        let text = scalar.string
        if isNumberTag(node) {
            walker.error(
                "\(name): an amount needs its currency, e.g. '\(text) \(currency.code)' (amounts convert exactly to minor units)",
                at: mark)
            return nil
        }
        do {
            let (minor, code) = try Units.money(text)
            guard code == currency.code else {
                walker.error(
                    "\(name): '\(text)' is in \(code) but this scenario's currency is \(currency.code) (set by 'currency:'; amounts are not converted between currencies)",
                    at: mark)
                return nil
            }
            return Located(value: minor, mark: mark)
        } catch {
            switch error {
            case .missingCurrency:
                walker.error(
                    "\(name): an amount needs its currency, e.g. '\(text) \(currency.code)' (amounts convert exactly to minor units)",
                    at: mark)
            case .unknownCurrency(let code):
                let hint = closestMatch(to: code, among: Currency.known.map(\.code)).map { " (did you mean '\($0)'?)" }
                walker.error(
                    "\(name): unknown currency '\(code)'\(hint ?? "") (known: \(Currency.known.map(\.code).joined(separator: ", ")))",
                    at: mark)
            case .tooPrecise(let code, let digits):
                walker.error(
                    "\(name): '\(text)' is not a whole number of minor units (\(code) has \(digits) decimal place\(digits == 1 ? "" : "s"))",
                    at: mark)
            case .negative:
                walker.error("\(name) must not be negative, got '\(text)'", at: mark)
            case .overflow:
                walker.error("\(name): '\(text)' is too large (minor units must fit in 64 bits)", at: mark)
            case .notANumber:
                walker.error("\(name) must be an amount like \(example), got \(describe(node))", at: mark)
            }
            return nil
        }
    }

    // MARK: Volumes

    /// A volume `<number> /<unit>` (units as for rates, plus `y` = 365 d), in studies per day; at least 0.
    func requireVolume(_ key: String) -> Located<Double>? {
        guard let (node, mark) = value(key, required: true) else { return nil }
        let example = "'40 /d' or '12000 /y'"
        guard case .scalar(let scalar) = node else {
            walker.error("'\(key)' must be a volume like \(example), got \(describe(node))", at: mark)
            return nil
        }
        let text = scalar.string
        if isNumberTag(node) {
            walker.error("'\(key)': a volume needs a unit, e.g. '\(text) /d' or '\(text) /y'", at: mark)
            return nil
        }
        do {
            let perDay = try Units.volumePerDay(text)
            guard perDay.isFinite, perDay >= 0 else {
                walker.error("'\(key)' must be finite and not negative, got '\(text)'", at: mark)
                return nil
            }
            return Located(value: perDay, mark: mark)
        } catch {
            switch error {
            case .unknownUnit(let unit):
                let units = TimeUnit.allCases.map(\.rawValue) + ["y"]
                let hint = closestMatch(to: unit, among: units).map { " (did you mean '\($0)'?)" } ?? ""
                walker.error(
                    "'\(key)': unknown time unit '\(unit)'\(hint) (units: \(TimeUnit.list), y)", at: mark)
            case .missingUnit, .wrongShape:
                walker.error(
                    "'\(key)' must be a volume like \(example) (studies per unit of time), got '\(text)'", at: mark)
            default:
                walker.error("'\(key)' must be a volume like \(example), got \(describe(node))", at: mark)
            }
            return nil
        }
    }

    // MARK: Strings from a closed set

    /// A string that must be one of `choices`; suggests the closest on a typo.
    func optionalChoice(_ key: String, among choices: [String]) -> Located<String>? {
        choice(key, among: choices, required: false)
    }
    func requireChoice(_ key: String, among choices: [String]) -> Located<String>? {
        choice(key, among: choices, required: true)
    }

    private func choice(_ key: String, among choices: [String], required: Bool) -> Located<String>? {
        guard let written = required ? requireString(key) : optionalString(key) else { return nil }
        guard choices.contains(written.value) else {
            let hint = closestMatch(to: written.value, among: choices).map { " (did you mean '\($0)'?)" } ?? ""
            walker.error(
                "'\(key)' must be one of \(choices.joined(separator: ", ")), got '\(written.value)'\(hint)",
                at: written.mark)
            return nil
        }
        return written
    }

    // MARK: Lists

    /// The items of the list under `key`; `nil` if absent, or not a list (diagnosed).
    func list(_ key: String, required: Bool) -> [Node]? {
        guard let (node, mark) = value(key, required: required) else { return nil }
        guard case .sequence(let sequence) = node else {
            walker.error("'\(key)' must be a list, got \(describe(node))", at: mark)
            return nil
        }
        return Array(sequence)
    }

    /// A list of non-empty strings, each with its position; `nil` if absent, not a list, or any entry is
    /// not a name (each diagnosed once).
    func stringList(_ key: String, required: Bool) -> [Located<String>]? {
        guard let items = list(key, required: required) else { return nil }
        var out: [Located<String>] = []
        var good = true
        for item in items {
            let mark = item.position ?? keyMark(key)
            guard case .scalar(let scalar) = item, item.tag.rawValue == Tag.Name.str.rawValue, !scalar.string.isEmpty
            else {
                walker.error("entries of '\(key)' must be names, got \(describe(item))", at: mark)
                good = false
                continue
            }
            out.append(Located(value: scalar.string, mark: mark))
        }
        return good ? out : nil
    }

    /// The raw node under an optional `key`, with its position.
    func optionalNode(_ key: String) -> (Node, SourcePosition)? { value(key, required: false) }
    func requireNode(_ key: String) -> (Node, SourcePosition)? { value(key, required: true) }

    private func isNumberTag(_ node: Node) -> Bool {
        let tag = node.tag.rawValue
        return tag == Tag.Name.int.rawValue || tag == Tag.Name.float.rawValue
    }
}

/// "between 0 and 1", "at least 0", "at most 24".
func describeRange(_ range: ClosedRange<Double>) -> String {
    func text(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x) }
    if range.upperBound == .greatestFiniteMagnitude || range.upperBound == .infinity {
        return "at least \(text(range.lowerBound))"
    }
    return "between \(text(range.lowerBound)) and \(text(range.upperBound))"
}
