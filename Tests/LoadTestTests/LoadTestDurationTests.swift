// Load-test durations are written as in scenario files (issue 15, item 7).

import DiscreteEvent
import LoadTest
import Testing

@Suite("Load test durations")
struct LoadTestDurationTests {
    /// `60 s` and `60s` (and every scenario unit) mean the same; `µs` is `us`; an unknown unit is named.
    @Test func scenarioSyntaxWithOrWithoutSpace() throws {
        let d = { (s: String) throws(LoadTestSpecError) -> SimTime in try LoadTestSpec.duration(s, option: "--duration")
        }
        #expect(try d("60 s") == SimTime(ticks: 60_000_000))
        #expect(try d("60s") == SimTime(ticks: 60_000_000))
        #expect(try d("1.5 min") == SimTime(ticks: 90_000_000))
        #expect(try d("250 µs") == SimTime(ticks: 250))
        #expect(try d("500ms") == SimTime(ticks: 500_000))
        let e = #expect(throws: LoadTestSpecError.self) { try d("5 parsecs") }
        #expect(e?.reason.contains("unknown time unit 'parsecs'") == true, "\(String(describing: e))")
        #expect(throws: LoadTestSpecError.self) { try d("-5 s") }
    }
}
