import DiscreteEvent
import Market
import MarketModel
import Stochastic

let minuteTicks = SimTime.ticksPerMinute
let hourTicks = SimTime.ticksPerHour
let dayTicks: Int64 = 24 * hourTicks
let weekTicks: Int64 = 7 * dayTicks

/// An emergency department sending CT STAT, XR urgent and MR routine studies.
func edGroup(name: String = "ed") -> ClientGroup {
    ClientGroup(
        name: name, type: .emergencyDepartment, jurisdiction: "US-CA",
        volumes: [
            StudyVolume(modality: .ct, urgency: .stat, studiesPerDay: 20),
            StudyVolume(modality: .xr, urgency: .urgent, studiesPerDay: 30, findingPrevalence: 0.2),
            StudyVolume(modality: .mr, urgency: .routine, studiesPerDay: 4, subspecialty: "neuro"),
        ])
}

/// Rate of Bernoulli successes over `n` draws with probability `p` from `stream`.
func simulatedRate(_ p: Double, n: Int, _ stream: RandomStream) -> Double {
    var hits = 0
    for _ in 0..<n where stream.uniform() < p { hits += 1 }
    return Double(hits) / Double(n)
}
