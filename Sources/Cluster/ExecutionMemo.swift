import Ledger

/// Executed blocks shared by the in-process nodes of a cluster (issue 16 item 2: execute each block once per
/// distinct parent state and block, the way the shared signature cache verifies each signature once).
///
/// Execution is a deterministic function of the application's state before the block and the block itself (its
/// header hash covers the transactions, the evidence and the time), so a correct node whose state root and block
/// equal an entry's takes the entry's application, receipts and outcome instead of executing again. It still runs
/// the envelope checks (`SingleNodeChain.verifyEnvelopes`): the same signature-cache calls, so the same simulated
/// CPU and the same cache statistics as an execution. A node whose state differs (a bug, a fault that corrupts
/// it) misses the memo and executes for itself. Only an `ExecutionShareable` application is shared (its value
/// after a commit is its state's); per-node execution (one memo per node) is kept for other applications and for
/// load tests that measure execution, `ClusterConfig.sharedExecution = false`.
public final class ExecutionMemo<App: ChainApplication> {
    struct Key: Equatable {
        var parentStateRoot: Hash
        var block: Hash
    }

    struct Entry {
        var key: Key
        var app: App
        var receipts: [Receipt]
        var outcome: BlockOutcome
        var stateRoot: Hash
        /// The Merkle root of the receipts' canonical bytes (computed once, not at every node).
        var resultsRoot: Hash
    }

    /// The most recent executions, oldest first. Nodes commit a height within a few rounds of each other; a node
    /// that falls further behind syncs and executes for itself.
    private var entries: [Entry] = []
    private let capacity: Int
    /// Executions taken from the memo and executions done.
    public private(set) var hits = 0
    public private(set) var misses = 0

    public init(capacity: Int = 16) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    func lookup(_ key: Key) -> Entry? {
        guard let e = entries.last(where: { $0.key == key }) else {
            misses += 1
            return nil
        }
        hits += 1
        return e
    }

    func record(_ entry: Entry) {
        if entries.count == capacity { entries.removeFirst() }
        entries.append(entry)
    }
}
