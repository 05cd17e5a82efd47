import Foundation
import Testing

/// `readchain sweep` options (issue 15, item 5).
@Suite struct SweepCLITests {
    /// `--no-chain` keeps no chain for the sweep's market runs, as on `simulate`: replay finds none.
    @Test func sweepAcceptsNoChain() throws {
        let tmp = try TempDir()
        let sweep = try tmp.write(
            "s.yaml",
            """
            schema: readchain-sweep/v1
            name: no-chain-sweep
            scenario: \(CLI.path("Scenarios/validation/market-tiny.yaml"))
            method: grid
            replications: 1
            parameters:
              - path: market.cohorts[0].count
                values: [2]
            """)
        let db = tmp.path("s.sqlite")
        let s = try CLI.run(["sweep", sweep, "--out", db, "--jobs", "2", "--no-chain"])
        #expect(s.status == 0, "\(s.stderr)")
        let r = try CLI.run(["replay", db])
        #expect(r.status == 65 && (r.stdout + r.stderr).contains("no-chain"), "\(r.stdout)\(r.stderr)")
    }
}
