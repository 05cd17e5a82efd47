import Testing

@testable import Reporting

/// The fault windows `loadtest-blocks` shades, read from a load test's stored command line.
@Suite struct LoadTestPlotTests {
    static func windows(_ commandLine: String, end: Double = 60) -> [String]? {
        guard let faults = LoadTestPlotData.options(commandLine).faults else { return nil }
        return LoadTestPlotData.windows(faults, end: end).map { "\($0.label) \($0.from)-\($0.to)" }
    }

    @Test(
        arguments: [
            ("readchain loadtest --validators 4 --seed 1", []),
            ("readchain loadtest --fault 'crash:1@10s' --fault 'restart:1@20s'", ["crash:1 10.0-20.0"]),
            ("readchain loadtest --fault 'crash:1@10s' --fault 'restart:2@20s'", ["crash:1 10.0-60.0"]),
            (
                "readchain loadtest --fault 'partition:0,1|2,3@30s' --fault 'crash:2@5s' --fault 'heal@40s'",
                ["crash:2 5.0-60.0", "partition:0,1|2,3 30.0-40.0"]
            ),
            (
                "readchain loadtest --fault 'isolate:2@5s' --fault 'heal@8s' --fault 'isolate:3@9s' --cooldown 6s",
                ["isolate:2 5.0-8.0", "isolate:3 9.0-60.0"]
            ),
        ] as [(String, [String])])
    func windowsFollowTheSchedule(commandLine: String, expected: [String]) {
        #expect(Self.windows(commandLine) == expected)
    }

    @Test func anUnreadableCommandLineHasNoSchedule() {
        #expect(Self.windows("kind: market\n") == nil)
        #expect(Self.windows("readchain loadtest --fault 'bogus@1s'") == nil)
        #expect(LoadTestPlotData.options("readchain loadtest --cooldown 6s --seed 1").cooldown == "6s")
    }
}
