import Testing

@testable import Scenario

@Suite struct UnitConversion {
    static let durationCases: [(String, Int64)] = [
        ("1 us", 1),
        ("1 ms", 1_000),
        ("1 s", 1_000_000),
        ("1 min", 60_000_000),
        ("1 h", 3_600_000_000),
        ("1 d", 86_400_000_000),
        ("1 w", 604_800_000_000),
        ("20000 h", 72_000_000_000_000),
        ("2000 h", 7_200_000_000_000),
        ("0.5 min", 30_000_000),
        ("1.5 ms", 1_500),
        ("0.000001 s", 1),
        ("2.5e3 s", 2_500_000_000),
        ("1e-3 ms", 1),
        ("0 h", 0),
        ("0.0 us", 0),
        ("-2 s", -2_000_000),
        ("10h", 36_000_000_000),
        ("  7   d ", 604_800_000_000),
        ("9223372036854775807 us", Int64.max),
        ("9223372036854.775807 s", Int64.max),
        ("1.00000000000000000000 s", 1_000_000),
        ("15250284 w", 9_223_371_763_200_000_000),
    ]

    @Test(arguments: durationCases)
    func durations(text: String, ticks: Int64) throws {
        #expect(try Units.duration(text) == ticks)
    }

    static let badDurationCases: [(String, UnitProblem)] = [
        ("2000", .missingUnit),
        ("h", .notANumber),
        ("", .notANumber),
        ("1 hr", .unknownUnit("hr")),
        ("1 H", .unknownUnit("H")),
        ("1 /h", .wrongShape),
        ("1 per h", .wrongShape),
        ("0.5 us", .notWholeTicks),
        ("0.0000001 s", .notWholeTicks),
        ("1e-40 w", .notWholeTicks),
        ("9223372036854775808 us", .overflow),
        ("15250285 w", .overflow),
        ("1e30 s", .overflow),
        ("123456789012345678901234 us", .overflow),
        ("1.23456789012345678901 us", .notWholeTicks),
    ]

    @Test(arguments: badDurationCases)
    func badDurations(text: String, problem: UnitProblem) {
        #expect(throws: problem) { try Units.duration(text) }
    }

    static let rateCases: [(String, Double)] = [
        ("9 /h", 0.0025),
        ("1 /h", 1.0 / 3600),
        ("0.5 per min", 0.5 / 60),
        ("3/s", 3),
        ("3 / s", 3),
        ("2 per ms", 2000),
        ("2 /us", 2_000_000),
        ("7 /d", 7.0 / 86_400),
        ("1 /w", 1.0 / 604_800),
    ]

    @Test(arguments: rateCases)
    func rates(text: String, perSecond: Double) throws {
        #expect(try Units.ratePerSecond(text) == perSecond)
    }

    static let badRateCases: [(String, UnitProblem)] = [
        ("9", .missingUnit),
        ("9 h", .wrongShape),
        ("9 /hr", .unknownUnit("hr")),
        ("9 per", .unknownUnit("per")),
        ("fast", .notANumber),
    ]

    @Test(arguments: badRateCases)
    func badRates(text: String, problem: UnitProblem) {
        #expect(throws: problem) { try Units.ratePerSecond(text) }
    }

    @Test func suggestions() {
        #expect(closestMatch(to: "servres", among: ["arrival_rate", "service_rate", "servers"]) == "servers")
        #expect(closestMatch(to: "Seed", among: ["seed", "name"]) == "seed")
        #expect(closestMatch(to: "colour", among: ["seed", "name"]) == nil)
        #expect(editDistance("ab", "ba") == 1)
        #expect(editDistance("kitten", "sitting") == 3)
    }
}
