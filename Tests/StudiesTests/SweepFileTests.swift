import Foundation
import MarketModel
import Scenario
import Testing

/// Sweep files that behave (issue 15, item 5): loadable lhs values for percentages and money, every bad point at
/// the sweep file's own line and column, defaults that can be swept.
@Suite struct SweepFileTests {
    typealias Dir = ResumeSweepTests.Dir

    static func marketTiny() throws -> String {
        try String(contentsOfFile: ResumeSweepTests.path("Scenarios/validation/market-tiny.yaml"), encoding: .utf8)
    }

    /// An lhs range over a percentage and an amount draws values the loader accepts, rounded to whole basis points
    /// and cents.
    @Test func lhsOverPercentAndMoneyDrawsLoadableValues() throws {
        let dir = try Dir()
        let base = try Self.marketTiny()
            .replacingOccurrences(
                of: "      credentialed: true\n",
                with: "      credentialed: true\n      burnout: { annual_attrition: 2 % }\n"
            )
            .replacingOccurrences(
                of: "      arrival_profile: { shape: flat }\n",
                with: "      arrival_profile: { shape: flat }\n      stat_surcharge: 150 USD\n")
        try base.write(toFile: dir.path("base.yaml"), atomically: true, encoding: .utf8)
        try """
        schema: readchain-sweep/v1
        name: lhs-units
        scenario: base.yaml
        method: lhs
        points: 8
        seed: 3
        parameters:
          - path: market.cohorts[0].burnout.annual_attrition
            range: [1, 9]
            unit: "%"
          - path: market.clients[0].stat_surcharge
            range: [100, 300]
            unit: USD
        """.write(toFile: dir.path("s.yaml"), atomically: true, encoding: .utf8)
        let sweep = try SweepFile.load(path: dir.path("s.yaml"))
        #expect(sweep.points.count == 8)
        for p in sweep.points {
            guard case .market(let m) = p.scenario.model else {
                Issue.record("not a market")
                continue
            }
            let percent = try #require(Double(p.values[0].value.split(separator: " ")[0]))
            let amount = try #require(Double(p.values[1].value.split(separator: " ")[0]))
            #expect(p.values[0].value.split(separator: ".").last?.count == 4, "two decimals: \(p.values[0].value)")
            #expect(m.cohorts[0].burnout.annualAttritionBasisPoints == Int((percent * 100).rounded()))
            #expect(m.clients[0].statSurcharge == UInt64((amount * 100).rounded()))
            #expect((1...9).contains(percent) && (100...300).contains(amount))
        }
    }

    /// Sensitivity designs (issue 15, item 2): a sobol sweep has samples·(k + 2) points and a morris sweep
    /// trajectories·(k + 1), each coordinate mapped onto the parameter's range; a key of the other method, an odd
    /// number of levels or a missing size is refused at its line.
    @Test func morrisAndSobolSweepsAndTheirErrors() throws {
        let dir = try Dir()
        let base = ResumeSweepTests.path("Scenarios/validation/mmc.yaml")
        func write(_ head: String) throws -> String {
            let path = dir.path("s.yaml")
            try """
            schema: readchain-sweep/v1
            name: sens
            scenario: \(base)
            \(head)
            parameters:
              - path: queue.arrival_rate
                range: [6, 9.5]
                unit: /h
              - path: queue.servers
                range: [10, 14]
                integer: true
            """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let sobol = try SweepFile.load(path: try write("method: sobol\nsamples: 8"))
        #expect(sobol.points.count == 8 * 4)
        let morris = try SweepFile.load(path: try write("method: morris\ntrajectories: 3\nseed: 2"))
        #expect(morris.points.count == 3 * 3)
        for p in sobol.points + morris.points {
            let rate = try #require(Double(p.values[0].value.split(separator: " ")[0]))
            #expect((6...9.5).contains(rate) && (10...14).contains(Int(p.values[1].value)!))
        }
        for (head, message) in [
            ("method: sobol\nsamples: 8\nseed: 3", "'seed' is for morris"),
            ("method: sobol", "sobol needs 'samples: N'"),
            ("method: sobol\nsamples: 8\npoints: 4", "'points' is for lhs"),
            ("method: morris\ntrajectories: 3\nlevels: 5\nseed: 1", "'levels' must be even"),
            ("method: morris\ntrajectories: 3", "morris needs 'seed:'"),
            ("method: morris\nseed: 1", "morris needs 'trajectories: R'"),
            ("method: saltelli", "method must be grid, lhs, morris or sobol"),
        ] {
            let error = #expect(throws: SweepError.self) { try SweepFile.load(path: try write(head)) }
            #expect(error?.message.contains(message) == true, "\(head): \(String(describing: error))")
            #expect(error?.message.contains("s.yaml:") == true, "located: \(String(describing: error))")
        }
    }

    /// Every refused point is listed, each at the line and column of its value in the sweep file, with a count.
    @Test func everyBadPointIsReportedAtTheSweepFilesLine() throws {
        let dir = try Dir()
        let sweep = dir.path("bad.yaml")
        try """
        schema: readchain-sweep/v1
        name: bad
        scenario: \(ResumeSweepTests.path("Scenarios/validation/mmc.yaml"))
        method: grid
        parameters:
          - path: queue.servers
            values:
              - 10
              - -3
              - 0
        """.write(toFile: sweep, atomically: true, encoding: .utf8)
        let error = #expect(throws: SweepError.self) { try SweepFile.load(path: sweep) }
        let message = error?.message ?? ""
        #expect(message.contains("bad.yaml:9:9: error: point p1 (queue.servers=-3): 'servers'"), "\(message)")
        #expect(message.contains("bad.yaml:10:9: error: point p2 (queue.servers=0): 'servers'"), "\(message)")
        #expect(!message.contains("point p0") && message.hasPrefix("2 of 3 points are not valid scenarios:\n"))
    }

    /// A key the base scenario leaves at its default can be swept: the point gets it, with any mapping on the way.
    @Test func defaultsCanBeSwept() throws {
        let dir = try Dir()
        try """
        schema: readchain-sweep/v1
        name: defaults
        scenario: \(ResumeSweepTests.path("Scenarios/validation/market-tiny.yaml"))
        method: grid
        parameters:
          - path: market.cohorts[0].burnout.annual_attrition
            values: [1 %, 5 %]
          - path: market.clients[0].stat_surcharge
            values: [300 USD]
        """.write(toFile: dir.path("d.yaml"), atomically: true, encoding: .utf8)
        let sweep = try SweepFile.load(path: dir.path("d.yaml"))
        let found = sweep.points.compactMap { p -> (Int, UInt64)? in
            guard case .market(let m) = p.scenario.model else { return nil }
            return (m.cohorts[0].burnout.annualAttritionBasisPoints, m.clients[0].statSurcharge)
        }
        #expect(found.map(\.0) == [100, 500] && found.map(\.1) == [30_000, 30_000])
    }
}
