import Foundation
import MarketModel
import Scenario
import Testing

/// `chain.membership` (issue 17 item 4): scheduled validator-set changes, checked against the schedule they make.
@Suite struct MembershipTests {
    /// market-tiny with five validators and `membership` lines (each already indented as a list item).
    func scenario(_ lines: [String]) throws -> String {
        let text = try String(contentsOfFile: repoPath("Scenarios/validation/market-tiny.yaml"), encoding: .utf8)
        let chain = """
              chain:
                validators:
                  - { name: v1, operator: op1 }
                  - { name: v2, operator: op2 }
                  - { name: v3, operator: op3 }
                  - { name: v4, operator: op4 }
                  - { name: v5, operator: op1 }
                membership:

            """ + lines.map { "      \($0)\n" }.joined()
        let range = try #require(text.range(of: "  designs:"))
        return text.replacingCharacters(in: range, with: chain + "  designs:")
    }

    func errors(_ lines: [String]) throws -> [String] {
        ScenarioLoader.check(text: try scenario(lines), path: "m.yaml").filter { $0.severity == .error }.map(\.message)
    }

    @Test func aScheduleIsReadInTimeOrder() throws {
        let file = try ScenarioLoader.parse(
            text: try scenario(["- { at: 5 d, remove: v2 }", "- { at: 3 d, add: v5 }"]), path: "m.yaml")
        guard case .market(let m) = file.model else { throw ScenarioLoadError.invalid([]) }
        let day: Int64 = 86_400_000_000
        let expected: [ChainParameters.MembershipChange] = [
            ChainParameters.MembershipChange(atTicks: 3 * day, action: .add, validator: "v5"),
            ChainParameters.MembershipChange(atTicks: 5 * day, action: .remove, validator: "v2"),
        ]
        #expect(m.chain.membership == expected)
        #expect(!m.chain.startsInSet("v5"))
        #expect(m.chain.startsInSet("v1") && m.chain.startsInSet("v2"))
    }

    @Test func withoutMembershipNothingChanges() throws {
        let text = try String(contentsOfFile: repoPath("Scenarios/validation/market-tiny.yaml"), encoding: .utf8)
        guard case .market(let m) = try ScenarioLoader.parse(text: text, path: "t.yaml").model else {
            throw ScenarioLoadError.invalid([])
        }
        #expect(m.chain.membership.isEmpty)
        #expect(m.chain.validators.allSatisfy { m.chain.startsInSet($0.name) })
    }

    @Test func badSchedulesAreDiagnosed() throws {
        #expect(
            try errors(["- { at: 1 d, add: v5 }", "- { at: 2 d, add: v5 }"]).contains {
                $0.contains("already in the set")
            })
        #expect(
            try errors(["- { at: 1 d, add: v5 }", "- { at: 2 d, remove: v5 }", "- { at: 3 d, remove: v5 }"]).contains {
                $0.contains("not in the set")
            })
        #expect(try errors(["- { at: 1 d, add: v9 }"]).contains { $0.contains("unknown validator 'v9'") })
        #expect(try errors(["- { at: 1 d, add: v5, remove: v1 }"]).contains { $0.contains("exactly one of") })
        #expect(try errors(["- { at: 1 d }"]).contains { $0.contains("exactly one of") })
        // Four of five remain after v1 goes; then v2 leaves 3, v3 would be 1/3 of those.
        #expect(
            try errors(["- { at: 1 d, remove: v1 }", "- { at: 2 d, remove: v2 }", "- { at: 3 d, remove: v3 }"])
                .contains { $0.contains("1/3 or more") })
        #expect(try errors(["- { at: 1 d, remove: v1 }", "- { at: 2 d, remove: v2 }"]).isEmpty)
    }
}
