import Consensus
import DiscreteEvent
import Ledger
@testable import Network
import Testing

@Test("Smoke: 4 validators on a LAN make blocks and commit the workload")
func smoke() {
    let c = logCluster(ClusterConfig(seed: 1, chainID: simChainID, powers: [1, 1, 1, 1], node: testNode, workload: logWorkload(), termination: bound(n: 4)))
    c.run(until: .seconds(2))
    expectClean(c)
    #expect(c.height > 20)
    #expect(c.metrics.committed > 100)
    print("height", c.height, "committed", c.metrics.committed, "rounds", c.metrics.roundsPerHeight, "events", c.metrics.eventsHandled, "p50", c.metrics.latency.value(atPercentile: 50))
}
