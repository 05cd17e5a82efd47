// The mempool: admission, de-duplication, per-sender nonce order, limits and replay protection.

import DequeModule

/// Mempool limits.
public struct MempoolLimits: Equatable, Sendable {
    public var maxTxs: Int
    public var maxBytes: Int
    public var maxTxBytes: Int
    /// How many committed transaction hashes are remembered for replay protection (FIFO).
    public var rememberedCommitted: Int

    public init(
        maxTxs: Int = 5_000, maxBytes: Int = 1 << 26, maxTxBytes: Int = 1 << 16, rememberedCommitted: Int = 1 << 18
    ) {
        self.maxTxs = maxTxs
        self.maxBytes = maxBytes
        self.maxTxBytes = maxTxBytes
        self.rememberedCommitted = rememberedCommitted
    }
}

/// Pending transactions, in arrival order, with deterministic reaping.
public struct Mempool: Sendable {
    struct Entry: Sendable {
        let tx: Transaction
        let hash: Hash
        let size: Int
    }

    public let limits: MempoolLimits
    private var entries: [Entry] = []
    private var pending: Set<Hash> = []
    private var pendingNonces: Set<SenderNonce> = []
    private var committed: Set<Hash> = []
    private var committedOrder: Deque<Hash> = []
    /// Total encoded bytes of the pending transactions.
    public private(set) var bytes = 0

    struct SenderNonce: Hashable, Sendable {
        let sender: PublicKey
        let nonce: UInt64
    }

    public init(limits: MempoolLimits) { self.limits = limits }

    /// Number of pending transactions.
    public var count: Int { entries.count }

    /// Whether a transaction with this hash is pending.
    public func contains(_ hash: Hash) -> Bool { pending.contains(hash) }

    /// Admits `tx` if it is new, fits, and `check` accepts it.
    ///
    /// Order of checks: size (`.txTooLarge`), duplicate of a pending or recently committed transaction
    /// (`.duplicate`), a pending transaction with the same sender and nonce (`.badNonce`), capacity
    /// (`.mempoolFull`), then `check`. `check` is not called when an earlier check fails.
    /// - Complexity: O(1) plus `check`.
    public mutating func add(_ tx: Transaction, check: (Transaction) -> TxCheck) -> TxCheck {
        let size = tx.encodedSize
        guard size <= limits.maxTxBytes else {
            return TxCheck(code: .txTooLarge, log: "transaction of \(size) bytes exceeds \(limits.maxTxBytes)")
        }
        let hash = tx.hash
        guard !pending.contains(hash) else { return TxCheck(code: .duplicate, log: "already in the mempool") }
        guard !committed.contains(hash) else { return TxCheck(code: .duplicate, log: "already committed") }
        let sn = SenderNonce(sender: tx.sender, nonce: tx.nonce)
        guard !pendingNonces.contains(sn) else {
            return TxCheck(code: .badNonce, log: "nonce \(tx.nonce) already pending for this sender")
        }
        guard entries.count < limits.maxTxs, bytes + size <= limits.maxBytes else {
            return TxCheck(code: .mempoolFull, log: "mempool full")
        }
        let result = check(tx)
        guard result.isOK else { return result }
        entries.append(Entry(tx: tx, hash: hash, size: size))
        pending.insert(hash)
        pendingNonces.insert(sn)
        bytes += size
        return result
    }

    /// Pending transactions in reaping order: senders interleave in arrival order, and each sender's
    /// transactions come in nonce order (the k-th arrival of a sender is replaced by its k-th lowest nonce).
    ///
    /// - Complexity: O(n log n).
    func ordered() -> [Entry] {
        // The common case (every sender has one pending transaction): arrival order, without building per-sender
        // arrays (one allocation per sender, a few per cent of a load test's profile).
        var senders = Set<PublicKey>(minimumCapacity: entries.count)
        var repeated = false
        for e in entries where !senders.insert(e.tx.sender).inserted {
            repeated = true
            break
        }
        if !repeated { return entries }
        var bySender: [PublicKey: [Entry]] = [:]
        for e in entries { bySender[e.tx.sender, default: []].append(e) }
        var taken: [PublicKey: Int] = [:]
        var out: [Entry] = []
        out.reserveCapacity(entries.count)
        for e in entries {
            let i = taken[e.tx.sender, default: 0]
            if i == 0 { bySender[e.tx.sender]!.sort { $0.tx.nonce < $1.tx.nonce } }
            taken[e.tx.sender] = i + 1
            out.append(bySender[e.tx.sender]![i])
        }
        return out
    }

    /// Transactions for a block, at most `maxTxs` of them totalling at most `maxBytes` encoded bytes, in the
    /// order of `ordered()`. A sender whose next transaction does not fit is skipped for the rest of the block
    /// (its later nonces would have a gap).
    public func reap(maxBytes: Int, maxTxs: Int) -> [Transaction] {
        var out: [Transaction] = []
        var total = 0
        var blocked: Set<PublicKey> = []
        for e in ordered() {
            if out.count >= maxTxs { break }
            if blocked.contains(e.tx.sender) { continue }
            if total + e.size > maxBytes {
                blocked.insert(e.tx.sender)
                continue
            }
            out.append(e.tx)
            total += e.size
        }
        return out
    }

    /// Removes `committed` transactions (remembering their hashes for replay protection), then rechecks the rest
    /// in reaping order against the new check state and drops those now invalid.
    public mutating func update(committed txs: [Transaction], recheck: (Transaction) -> TxCheck) {
        for tx in txs {
            let h = tx.hash
            guard limits.rememberedCommitted > 0, !committed.contains(h) else { continue }
            if committedOrder.count >= limits.rememberedCommitted, let old = committedOrder.popFirst() {
                committed.remove(old)
            }
            committed.insert(h)
            committedOrder.append(h)
        }
        let done = Set(txs.map(\.hash))
        var keep = Set<Hash>(minimumCapacity: entries.count)
        for e in ordered() where !done.contains(e.hash) && !committed.contains(e.hash) {
            if recheck(e.tx).isOK { keep.insert(e.hash) }
        }
        // Entries are unique by hash and by (sender, nonce), so `pending`, `pendingNonces` and `bytes` are updated
        // by removing the dropped entries rather than rebuilt from the kept ones.
        guard keep.count < entries.count else { return }
        var kept: [Entry] = []
        kept.reserveCapacity(keep.count)
        for e in entries {
            if keep.contains(e.hash) {
                kept.append(e)
            } else {
                pending.remove(e.hash)
                pendingNonces.remove(SenderNonce(sender: e.tx.sender, nonce: e.tx.nonce))
                bytes -= e.size
            }
        }
        entries = kept
    }

    /// All pending transactions, in reaping order.
    public var transactions: [Transaction] { ordered().map(\.tx) }
}
