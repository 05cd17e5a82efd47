// The currency every amount of a market is counted in (minor units).

/// A currency a market may price in, with the number of decimal places of its minor unit.
///
/// Money in a scenario is always written `<number> <CODE>` (for example `12.50 USD`) and converted
/// exactly to an integer count of minor units (cents for USD): `12.5 USD` is 1250, `0.005 USD` is an
/// error, never rounded. Every amount in one file must be in the file's single currency.
public struct Currency: Sendable, Equatable, Hashable {
    /// ISO 4217 code, e.g. `USD`.
    public let code: String
    /// Decimal places of the minor unit (2 for USD: 1 USD = 100 minor units; 0 for JPY).
    public let minorDigits: Int

    public init(code: String, minorDigits: Int) {
        self.code = code
        self.minorDigits = minorDigits
    }

    /// Minor units in one major unit (100 for USD).
    public var minorPerMajor: UInt64 {
        var x: UInt64 = 1
        for _ in 0..<minorDigits { x *= 10 }
        return x
    }

    /// Currencies the loader accepts.
    public static let known: [Currency] = [
        Currency(code: "USD", minorDigits: 2), Currency(code: "EUR", minorDigits: 2),
        Currency(code: "GBP", minorDigits: 2), Currency(code: "CHF", minorDigits: 2),
        Currency(code: "CAD", minorDigits: 2), Currency(code: "AUD", minorDigits: 2),
        Currency(code: "INR", minorDigits: 2), Currency(code: "SEK", minorDigits: 2),
        Currency(code: "NOK", minorDigits: 2), Currency(code: "DKK", minorDigits: 2),
        Currency(code: "JPY", minorDigits: 0), Currency(code: "KRW", minorDigits: 0),
    ]

    /// The default scenario currency.
    public static let usd = Currency(code: "USD", minorDigits: 2)

    /// The known currency with this ISO 4217 code, or nil.
    public static func named(_ code: String) -> Currency? { known.first { $0.code == code } }
}
