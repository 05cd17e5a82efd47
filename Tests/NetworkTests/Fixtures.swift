// Shared builders for the multi-node scenarios.

import Cluster
import Consensus
import DiscreteEvent
import Ledger
import Network
import Testing

let simChainID = "readchain-sim"

/// A unique, signed log transaction of `client` with `nonce`.
func logTx(_ client: Int, _ key: SigningKey, _ nonce: UInt64) -> Transaction {
    var w = CanonicalWriter()
    w.write(UInt8(0x01))
    w.write(UInt64(client))
    w.write(nonce)
    return Transaction.signed(by: key, chainID: simChainID, nonce: nonce, fee: Amount(minorUnits: 0), message: w.bytes)
}

func logWorkload(rate: Double = 200, clients: Int = 16, stop: SimTime = .distantFuture) -> Workload {
    Workload(clients: clients, ratePerSecond: rate, stop: stop) { c, k, n in logTx(c, k, n) }
}

/// Termination bound for the test timeouts: f+1 rounds of slack, Δ for the given latency.
func bound(n: Int, delta: SimTime = .milliseconds(5), extra: SimTime = .milliseconds(120), drift: Double = 1)
    -> TerminationBound
{
    TerminationBound(delta: delta, slackRounds: (n - 1) / 3 + 1, extra: extra, drift: drift)
}

/// The node configuration of the scenarios: test timeouts and a 20 ms commit timeout.
let testNode = NodeConfig(chainID: simChainID, commitTimeout: 20_000)

/// A cluster of `LogApplication`s whose external events are plain tokens.
func logCluster(_ config: ClusterConfig) -> ChainCluster<LogApplication, Int> {
    ChainCluster(config: config, makeApp: { LogApplication() })
}

/// Fails the test with the oracle's findings.
func expectClean<App, External>(_ c: ChainCluster<App, External>, sourceLocation: SourceLocation = #_sourceLocation) {
    c.finish()
    #expect(c.oracle.violations.isEmpty, "\(c.oracle.violations.prefix(5))", sourceLocation: sourceLocation)
}
