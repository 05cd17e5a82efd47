import Consensus
import DiscreteEvent
import Ledger
import Testing

@testable import Cluster
@testable import Network

@Test("Smoke: 4 validators on a LAN make blocks and commit the workload")
func smoke() {
    let c = logCluster(
        ClusterConfig(
            seed: 1, chainID: simChainID, powers: [1, 1, 1, 1], node: testNode, workload: logWorkload(),
            termination: bound(n: 4)))
    c.run(until: .seconds(2))
    expectClean(c)
    #expect(c.height > 20)
    #expect(c.metrics.committed > 100)
    print(
        "height", c.height, "committed", c.metrics.committed, "rounds", c.metrics.roundsPerHeight, "events",
        c.metrics.eventsHandled, "p50", c.metrics.latency.value(atPercentile: 50))
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

/// `NodeConfig.retainBlocks`: each node keeps only its newest blocks (between K and 2K of them), the oracle drops
/// old certificates and signed votes alike, and nothing else changes: the same events, blocks, state roots and
/// run digest as with every block kept; a node that crashes and restarts within the window catches up by block
/// sync from the retained blocks; the oracle stays clean.
@Test("Block retention: bounded history, identical run, catch-up within the window")
func blockRetention() {
    func run(retain: Int?) -> ChainCluster<LogApplication, Int> {
        var node = NodeConfig(chainID: simChainID, commitTimeout: 1_000)
        node.retainBlocks = retain
        let c = logCluster(
            ClusterConfig(
                seed: 11, chainID: simChainID, powers: [1, 1, 1, 1], node: node,
                faults: [
                    ScheduledFault(at: .seconds(20), .crash(3)),
                    ScheduledFault(at: .seconds(24), .restart(3)),
                ], workload: logWorkload()))
        c.run(until: .seconds(60))
        return c
    }
    let kept = run(retain: nil)
    let pruned = run(retain: 1_001)
    #expect(kept.height > 2_500, "the run must pass twice the retention, got \(kept.height)")
    #expect(pruned.digest == kept.digest)
    #expect(pruned.metrics.eventsHandled == kept.metrics.eventsHandled)
    for (p, k) in zip(pruned.nodes, kept.nodes) {
        #expect(p.store.height == k.store.height)
        #expect(p.store.stateRoots == k.store.stateRoots)
        #expect(p.store.blockHashes == k.store.blocks.map(\.hash))
        #expect(p.store.firstRetainedHeight > 1)
        #expect(p.store.blocks.count >= 1_001 && p.store.blocks.count < 2 * 1_001)
        #expect(p.store.blocks.first?.header.height == p.store.firstRetainedHeight)
        #expect(p.store.range(from: 1, limit: 10).isEmpty, "dropped blocks cannot be served")
        let h = p.store.height
        #expect(p.store.block(at: h).hash == k.store.block(at: h).hash)
        #expect(p.store.selector(at: h + 1).proposer == k.store.selector(at: h + 1).proposer)
    }
    #expect(pruned.nodes[3].syncedBlocks > 0, "the restarted node caught up by block sync")
    #expect(pruned.nodes[3].store.height + 2 >= pruned.nodes[0].store.height)
    expectClean(pruned)
    expectClean(kept)
}

/// Issue 16 item 2: shared execution (each block executed once per distinct parent state, `ExecutionMemo`)
/// changes the real work, not the run: the same digest, events, blocks and state roots as every node executing
/// every block, also for a node that crashes, restarts and catches up by sync. The shared memo is used (the other
/// nodes take the first executor's result) and the per-node mode executes every block at every node.
@Test("Shared execution: identical run, one execution per block and state")
func sharedExecutionKeepsTheRun() {
    func run(shared: Bool) -> ChainCluster<LogApplication, Int> {
        var config = ClusterConfig(
            seed: 12, chainID: simChainID, powers: [1, 1, 1, 1],
            node: NodeConfig(chainID: simChainID, commitTimeout: 1_000),
            faults: [ScheduledFault(at: .seconds(3), .crash(2)), ScheduledFault(at: .seconds(5), .restart(2))],
            workload: logWorkload())
        config.sharedExecution = shared
        let c = logCluster(config)
        c.run(until: .seconds(10))
        return c
    }
    let shared = run(shared: true)
    let perNode = run(shared: false)
    #expect(shared.height > 100)
    #expect(shared.digest == perNode.digest)
    #expect(shared.metrics.eventsHandled == perNode.metrics.eventsHandled)
    for (s, p) in zip(shared.nodes, perNode.nodes) {
        #expect(s.store.stateRoots == p.store.stateRoots)
        #expect(s.store.blockHashes == p.store.blockHashes)
        #expect(s.app.stateRoot == p.app.stateRoot)
    }
    let memo = shared.nodes[0].executions
    #expect(shared.nodes.allSatisfy { $0.executions === memo }, "one memo for the cluster")
    let commits = shared.nodes.reduce(0) { $0 + $1.store.height }
    // Every commit looked the memo up; most heights were executed once, by the first node to commit them.
    #expect(memo.hits + memo.misses >= commits)
    #expect(memo.hits >= 2 * memo.misses, "hits \(memo.hits), misses \(memo.misses)")
    #expect(perNode.nodes.allSatisfy { $0.executions.hits == 0 }, "per node: every block executed at every node")
    expectClean(shared)
    expectClean(perNode)
}
