import MarketModel
import Scenario
import Testing

/// A posted-price design's `speed_premium` (issue 18 item 2) and `escalation` per client type: read into the design,
/// and every bad value refused at its line.
@Suite struct SpeedPremiumScenarioTests {
    /// `validMarketYAML` with the design's `type: posted_price` line followed by `extra` (indented as design keys).
    func withDesignKeys(_ extra: [String], type: String = "posted_price") -> String {
        let keys = extra.map { "      " + $0 }.joined(separator: "\n")
        return replacing("type: posted_price", with: "type: \(type)\n" + keys, in: validMarketYAML)
    }

    @Test func premiumsAndEscalationsAreReadPerClientType() throws {
        let model = try market(
            withDesignKeys([
                "speed_premium:",
                "  hospital_system: { within: 90 min, premium: 12.5 % }",
                "escalation:",
                "  imaging_centre: { per_hour: 10 % }",
            ]))
        let design = try #require(model.designs.first)
        #expect(
            design.speedPremium == [
                .hospitalSystem: MarketDesignSpec.SpeedPremium(withinTicks: 90 * 60_000_000, premiumBasisPoints: 1_250)
            ])
        #expect(design.escalation == [.imagingCentre: MarketDesignSpec.Escalation(perHourBasisPoints: 1_000)])
    }

    @Test(arguments: [
        (
            ["speed_premium:", "  hospital_system: { within: 0 h, premium: 10 % }"],
            "22:36: error: 'within' must be greater than zero"
        ),
        (
            ["speed_premium:", "  hospital_system: { within: 1 h, premium: 0 % }"],
            "22:50: error: a speed premium's 'premium' must be above 0 %"
        ),
        (
            ["speed_premium:", "  hospital_system: { premium: 10 % }"],
            "22:26: error: missing required key 'within' in 'hospital_system'"
        ),
        (
            [
                "speed_premium:", "  hospital_system: { within: 1 h, premium: 10 % }", "escalation:",
                "  hospital_system: { per_hour: 10 % }",
            ],
            "22:9: error: client type 'hospital_system' has both an escalation and a speed premium; a design gives it one"
        ),
    ])
    func badTermsAreRefusedAtTheirLine(keys: [String], expected: String) {
        let found = brief(withDesignKeys(keys))
        #expect(found == [expected], "\(found)")
    }

    @Test func aPremiumIsForPostedPricesOnly() {
        let found = brief(
            withDesignKeys(
                ["bidding_window: 10 min", "speed_premium:", "  hospital_system: { within: 1 h, premium: 10 % }"],
                type: "sealed_bid_auction"))
        #expect(found.contains { $0.contains("'speed_premium' does not apply to") }, "\(found)")
    }
}
