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

/// CometBFT's `create_empty_blocks = false`: with nothing to propose the validators make no blocks and, once
/// waiting, no events at all (no timeouts, no re-broadcasts); a transaction wakes them, is committed, and the
/// chain goes quiet again. External events and the first-commit hook run on the same clock.
@Test("No empty blocks: an idle chain is quiet; a transaction wakes it")
func noEmptyBlocks() {
    var node = testNode
    node.createEmptyBlocks = false
    let c = logCluster(ClusterConfig(seed: 3, chainID: simChainID, powers: [1, 1, 1, 1], node: node))
    var commits: [(Height, SimTime, Int)] = []
    var fired: [SimTime] = []
    c.onCommit = { record, _ in commits.append((record.height, c.now, record.block.transactions.count)) }
    c.onExternal = { token in
        fired.append(c.now)
        c.inject(logTx(token, Workload.clientKey(token, seed: 3), 0), to: token % 4, at: c.now)
    }
    c.run(until: .seconds(10))
    #expect(c.height == 0)
    #expect(c.nodes.allSatisfy { $0.isWaitingForTransactions })
    let idleEvents = c.metrics.eventsHandled
    c.run(until: .seconds(20))
    // One event: `run(until:)`'s own marker that moves the clock to the end.
    #expect(c.metrics.eventsHandled == idleEvents + 1, "an idle chain must not make events")
    c.scheduleExternal(1, at: .seconds(30))
    c.scheduleExternal(2, at: .seconds(60))
    c.run(until: .seconds(90))
    #expect(fired == [.seconds(30), .seconds(60)])
    #expect(c.height == 2)
    #expect(commits.map(\.0) == [1, 2])
    #expect(commits.allSatisfy { $0.2 == 1 })
    #expect(commits[0].1 > .seconds(30) && commits[0].1 < .seconds(31))
    #expect(c.nodes.allSatisfy { $0.isWaitingForTransactions && $0.store.height == 2 })
    expectClean(c)
}
