import MarketModel

/// Why a written amount could not be converted.
enum MoneyProblem: Error, Equatable {
    case notANumber
    case missingCurrency
    case unknownCurrency(String)
    case tooPrecise(code: String, digits: Int)
    case negative
    case overflow
}

extension Units {
    /// Converts `"<number> <CODE>"` into minor units of `CODE`, exactly.
    ///
    /// - Returns: The amount in minor units and the currency code.
    /// - Throws: ``MoneyProblem`` if malformed, negative, finer than a minor unit, or too large.
    static func money(_ text: String) throws(MoneyProblem) -> (UInt64, String) {
        let trimmed = Substring(text).trimmedSpaces()
        guard let (number, rest) = DecimalLiteral.prefix(of: trimmed) else { throw .notANumber }
        let code = String(rest.trimmedSpaces())
        guard !code.isEmpty else { throw .missingCurrency }
        guard let currency = Currency.named(code) else { throw .unknownCurrency(code) }
        if number.isZero { return (0, code) }
        if number.negative { throw .negative }
        guard let value = try? exactScaled(number, by: currency.minorDigits) else {
            throw number.digits.count + number.scale + currency.minorDigits > 19
                ? .overflow : .tooPrecise(code: code, digits: currency.minorDigits)
        }
        return (value, code)
    }

    /// Converts `"<number> %"` (or `"<number>%"`) into basis points, exactly; may be negative.
    static func basisPoints(_ text: String) throws(UnitProblem) -> Int {
        let trimmed = Substring(text).trimmedSpaces()
        guard let (number, rest) = DecimalLiteral.prefix(of: trimmed) else { throw .notANumber }
        let unit = rest.trimmedSpaces()
        guard !unit.isEmpty else { throw .missingUnit }
        guard unit == "%" else { throw .unknownUnit(String(unit)) }
        if number.isZero { return 0 }
        guard let magnitude = try? exactScaled(number, by: 2), magnitude <= UInt64(Int32.max) else {
            throw number.digits.count + number.scale > 9 ? .overflow : .notWholeTicks
        }
        return number.negative ? -Int(magnitude) : Int(magnitude)
    }

    /// A bare fraction strictly between -1 and 1 (`0.05`) written as per cent, exactly (`5`); `nil` otherwise.
    static func fractionAsPercent(_ text: String) -> String? {
        let trimmed = Substring(text).trimmedSpaces()
        guard let (number, rest) = DecimalLiteral.prefix(of: trimmed), rest.isEmpty, !number.isZero,
            number.digits.count + number.scale <= 0
        else { return nil }
        let scale = number.scale + 2
        let digits = number.digits
        let body: String
        if scale >= 0 {
            body = digits + String(repeating: "0", count: scale)
        } else if digits.count > -scale {
            body = digits.dropLast(-scale) + "." + digits.suffix(-scale)
        } else {
            body = "0." + String(repeating: "0", count: -scale - digits.count) + digits
        }
        return (number.negative ? "-" : "") + body
    }

    /// `"12.5 %"` for 1250 basis points.
    static func percentText(_ basisPoints: Int) -> String {
        let sign = basisPoints < 0 ? "-" : ""
        let m = abs(basisPoints)
        let fraction = m % 100
        let whole = "\(sign)\(m / 100)"
        if fraction == 0 { return "\(whole) %" }
        return fraction % 10 == 0 ? "\(whole).\(fraction / 10) %" : "\(whole).\(fraction < 10 ? "0" : "")\(fraction) %"
    }

    /// Converts a volume `"<number> /<unit>"` or `"<number> per <unit>"` into events per day.
    /// Units are those of ``TimeUnit`` plus `y`, a year of 365 days.
    static func volumePerDay(_ text: String) throws(UnitProblem) -> Double {
        let (body, isYear) = Substring(text).trimmingSpacesAndYear()
        if isYear {
            guard let (number, _) = DecimalLiteral.prefix(of: body), let value = Double(String(number.text))
            else { throw .notANumber }
            return value / 365
        }
        return try ratePerSecond(text) * 86_400
    }

    /// `number × 10^digits` as an exact integer, or `nil` if fractional or too large.
    private static func exactScaled(_ number: DecimalLiteral, by digits: Int) throws -> UInt64 {
        struct NotExact: Error {}
        let power = number.scale + digits
        guard power >= 0, let mantissa = UInt64(number.digits) else { throw NotExact() }
        var value = mantissa
        for _ in 0..<power {
            let (next, overflow) = value.multipliedReportingOverflow(by: 10)
            if overflow { throw NotExact() }
            value = next
        }
        return value
    }
}

extension Substring {
    fileprivate func trimmedSpaces() -> Substring {
        var s = self
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return s
    }

    /// Whether the text is `<number> /y` or `<number> per y` (a per-year volume).
    fileprivate func trimmingSpacesAndYear() -> (text: Substring, isYear: Bool) {
        let s = trimmedSpaces()
        guard let (_, rest) = DecimalLiteral.prefix(of: s) else { return (s, false) }
        var unit = rest.trimmedSpaces()
        if unit.hasPrefix("/") {
            unit = unit.dropFirst().trimmedSpaces()
        } else if unit.hasPrefix("per ") {
            unit = unit.dropFirst(4).trimmedSpaces()
        } else {
            return (s, false)
        }
        return (s, unit == "y")
    }
}
