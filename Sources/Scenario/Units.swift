/// Time units accepted in scenario files, and exact conversion of written values into ticks.
///
/// Durations are `<number> <unit>` and rates `<number> /<unit>` or `<number> per <unit>`, with
/// unit one of `us`, `ms`, `s`, `min`, `h`, `d`, `w`. 1 tick = 1 microsecond.
enum TimeUnit: String, CaseIterable, Sendable {
    case us, ms, s, min, h, d, w

    /// The unit written as `10^exponent × factor` microseconds, so conversion can stay exact.
    var microseconds: (exponent: Int, factor: UInt64) {
        switch self {
        case .us: (0, 1)
        case .ms: (3, 1)
        case .s: (6, 1)
        case .min: (6, 60)
        case .h: (6, 3_600)
        case .d: (6, 86_400)
        case .w: (6, 604_800)
        }
    }

    /// Length of the unit in seconds (exact for every unit of a second or longer).
    var seconds: Double {
        let (exponent, factor) = microseconds
        return Double(factor) * [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1][exponent]
    }

    /// "us, ms, s, min, h, d, w".
    static let list = allCases.map(\.rawValue).joined(separator: ", ")
}

/// A decimal number as written: `sign × digits × 10^scale`, kept exact.
struct DecimalLiteral: Equatable {
    var negative: Bool
    /// Significant digits without leading zeros or trailing zeros ("" for zero).
    var digits: String
    var scale: Int
    /// The number as written, for `Double(_:)` and messages.
    var text: Substring

    var isZero: Bool { digits.isEmpty }

    /// Reads a decimal number (`[+-]digits[.digits][e[+-]digits]`) at the start of `s`.
    ///
    /// - Returns: The number and the rest of `s`, or `nil` if `s` does not start with one.
    static func prefix(of s: Substring) -> (DecimalLiteral, Substring)? {
        var i = s.startIndex
        var negative = false
        if i < s.endIndex, s[i] == "+" || s[i] == "-" {
            negative = s[i] == "-"
            i = s.index(after: i)
        }
        var intDigits = ""
        while i < s.endIndex, let c = s[i].asciiDigit {
            intDigits.append(c)
            i = s.index(after: i)
        }
        var fracDigits = ""
        if i < s.endIndex, s[i] == "." {
            var j = s.index(after: i)
            while j < s.endIndex, let c = s[j].asciiDigit {
                fracDigits.append(c)
                j = s.index(after: j)
            }
            if !(intDigits.isEmpty && fracDigits.isEmpty) { i = j }
        }
        guard !(intDigits.isEmpty && fracDigits.isEmpty) else { return nil }
        var exponent = 0
        if i < s.endIndex, s[i] == "e" || s[i] == "E" {
            var j = s.index(after: i)
            var expNegative = false
            if j < s.endIndex, s[j] == "+" || s[j] == "-" {
                expNegative = s[j] == "-"
                j = s.index(after: j)
            }
            var expDigits = ""
            while j < s.endIndex, let c = s[j].asciiDigit {
                expDigits.append(c)
                j = s.index(after: j)
            }
            if !expDigits.isEmpty {
                // Clamp absurd exponents; they overflow or underflow either way.
                let magnitude = Int(expDigits.prefix(6)) ?? 0
                exponent = expNegative ? -magnitude : magnitude
                i = j
            }
        }
        var all = Substring(intDigits + fracDigits)
        var scale = exponent - fracDigits.count
        while all.first == "0" { all.removeFirst() }
        while all.last == "0" {
            all.removeLast()
            scale += 1
        }
        let literal = DecimalLiteral(
            negative: negative, digits: String(all), scale: all.isEmpty ? 0 : scale, text: s[s.startIndex..<i])
        return (literal, s[i...])
    }
}

extension Character {
    fileprivate var asciiDigit: Character? { isASCII && isNumber ? self : nil }
}

/// Why a written duration or rate could not be converted.
enum UnitProblem: Equatable, Error {
    /// No number at the start.
    case notANumber
    /// A number with nothing after it.
    case missingUnit
    /// The text after the number is not a known unit.
    case unknownUnit(String)
    /// A rate where a duration was expected, or the other way round.
    case wrongShape
    /// The value does not fit in Int64 ticks.
    case overflow
    /// The value is not a whole number of microseconds.
    case notWholeTicks
}

enum Units {
    /// Converts `"<number> <unit>"` into ticks (microseconds), exactly.
    ///
    /// - Throws: ``UnitProblem`` when the text is malformed, overflows `Int64`, or is not a whole
    ///   number of microseconds.
    static func duration(_ text: String) throws(UnitProblem) -> Int64 {
        let trimmed = Substring(text).trimmingWhitespace()
        guard let (number, rest) = DecimalLiteral.prefix(of: trimmed) else { throw .notANumber }
        let unitText = rest.trimmingWhitespace()
        guard !unitText.isEmpty else { throw .missingUnit }
        if unitText.hasPrefix("/") || unitText.hasPrefix("per ") { throw .wrongShape }
        guard let unit = TimeUnit(rawValue: String(unitText)) else { throw .unknownUnit(String(unitText)) }
        return try ticks(number, unit)
    }

    /// Converts `"<number> /<unit>"` or `"<number> per <unit>"` into events per second.
    ///
    /// - Throws: ``UnitProblem`` when the text is malformed.
    static func ratePerSecond(_ text: String) throws(UnitProblem) -> Double {
        let trimmed = Substring(text).trimmingWhitespace()
        guard let (number, rest) = DecimalLiteral.prefix(of: trimmed) else { throw .notANumber }
        var unitText = rest.trimmingWhitespace()
        guard !unitText.isEmpty else { throw .missingUnit }
        if unitText.hasPrefix("/") {
            unitText = unitText.dropFirst().trimmingWhitespace()
        } else if unitText.hasPrefix("per "), unitText.count > 4 {
            unitText = unitText.dropFirst(4).trimmingWhitespace()
        } else if TimeUnit(rawValue: String(unitText)) != nil {
            throw .wrongShape
        } else {
            throw .unknownUnit(String(unitText))
        }
        guard let unit = TimeUnit(rawValue: String(unitText)) else { throw .unknownUnit(String(unitText)) }
        guard let value = Double(String(number.text)) else { throw .notANumber }
        return value / unit.seconds
    }

    /// `number × unit` in microseconds, exactly, or a problem.
    static func ticks(_ number: DecimalLiteral, _ unit: TimeUnit) throws(UnitProblem) -> Int64 {
        if number.isZero { return 0 }
        guard let mantissa = UInt64(number.digits) else {
            // 20 or more significant digits: either huge or finer than a microsecond.
            throw number.digits.count + number.scale > 19 ? .overflow : .notWholeTicks
        }
        let (exponent, factor) = unit.microseconds
        let power = number.scale + exponent
        var magnitude: UInt64
        if power >= 0 {
            var (value, overflow) = mantissa.multipliedReportingOverflow(by: factor)
            var remaining = power
            while !overflow, remaining > 0 {
                (value, overflow) = value.multipliedReportingOverflow(by: 10)
                remaining -= 1
            }
            guard !overflow else { throw .overflow }
            magnitude = value
        } else {
            // Exact 128-bit product, then divide by 10^-power, requiring no remainder.
            var (high, low) = mantissa.multipliedFullWidth(by: factor)
            guard -power <= 40 else { throw .notWholeTicks }
            for _ in 0..<(-power) {
                let highRemainder = high % 10
                high /= 10
                let (quotient, remainder) = UInt64(10).dividingFullWidth((highRemainder, low))
                guard remainder == 0 else { throw .notWholeTicks }
                low = quotient
            }
            guard high == 0 else { throw .overflow }
            magnitude = low
        }
        guard magnitude <= UInt64(Int64.max) else { throw .overflow }
        return number.negative ? -Int64(magnitude) : Int64(magnitude)
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var s = self
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return s
    }
}

/// Durations written as in scenario files, for other inputs that take one (`readchain loadtest --duration`).
public enum DurationText {
    /// `"<number> <unit>"` or `"<number><unit>"` (`60 s`, `60s`, `1.5 min`, `250 us`) as microsecond ticks,
    /// exactly; the unit one of `us`, `ms`, `s`, `min`, `h`, `d`, `w`.
    ///
    /// - Returns: The ticks, or why the text is not a duration (for a message).
    public static func ticks(_ text: String) -> Result<Int64, DurationTextError> {
        do {
            return .success(try Units.duration(text))
        } catch {
            let units = "units: \(TimeUnit.list)"
            switch error {
            case .notANumber: return .failure(DurationTextError("expected a number and a unit, e.g. '60 s' (\(units))"))
            case .missingUnit:
                return .failure(DurationTextError("a duration needs a unit, e.g. '\(text) s' (\(units))"))
            case .unknownUnit(let u):
                let hint = closestMatch(to: u, among: TimeUnit.allCases.map(\.rawValue)).map {
                    " (did you mean '\($0)'?)"
                }
                return .failure(DurationTextError("unknown time unit '\(u)'\(hint ?? "") (\(units))"))
            case .wrongShape: return .failure(DurationTextError("a rate where a duration was expected (\(units))"))
            case .overflow: return .failure(DurationTextError("too long"))
            case .notWholeTicks: return .failure(DurationTextError("finer than a microsecond"))
            }
        }
    }
}

/// Why a written duration was refused: the reason, for a message.
public struct DurationTextError: Error, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}
