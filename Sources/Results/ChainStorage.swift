import Foundation
import GRDB
import MarketModel

// The chain each market run keeps (schema migration v3, tables `chain_genesis` and `chain_block_data`): the
// genesis document and every committed block with its commit certificate, as the exact canonical bytes the chain
// produced. Results does not know the chain's types: it stores and returns bytes; the Replay target decodes
// and verifies them.

/// One committed block of a stored chain: its height and the canonical bytes of the block and of the commit
/// certificate that decided it.
public struct StoredChainBlock: Sendable, Equatable {
    public var height: Int64
    public var block: [UInt8]
    public var certificate: [UInt8]

    public init(height: Int64, block: [UInt8], certificate: [UInt8]) {
        self.height = height
        self.block = block
        self.certificate = certificate
    }
}

/// A run's chain as stored: the genesis it started from and its blocks in height order.
public struct StoredChain: Sendable, Equatable {
    public var chainID: String
    /// The largest transaction the chain's nodes accepted, bytes (part of the envelope check).
    public var maxTxBytes: Int
    /// Canonical bytes of the application's genesis document.
    public var genesis: [UInt8]
    /// Height order; written 1, 2, 3, ... without gaps.
    public var blocks: [StoredChainBlock]

    public init(chainID: String, maxTxBytes: Int, genesis: [UInt8], blocks: [StoredChainBlock]) {
        self.chainID = chainID
        self.maxTxBytes = maxTxBytes
        self.genesis = genesis
        self.blocks = blocks
    }

    /// Bytes of blocks and certificates together.
    public var blockBytes: Int { blocks.reduce(0) { $0 + $1.block.count + $1.certificate.count } }
}

extension ResultsStore {
    /// Inserts `chain` for `run` inside the caller's transaction (``finishMarketRun(_:detail:metrics:)`` calls it,
    /// so a finished run has all of its chain or none).
    static func insertChain(_ db: Database, run: Int64, _ chain: StoredChain) throws {
        try db.execute(
            sql: "INSERT INTO chain_genesis (run_id, chain_id, max_tx_bytes, genesis) VALUES (?, ?, ?, ?)",
            arguments: [run, chain.chainID, chain.maxTxBytes, Data(chain.genesis)])
        let insert = try db.cachedStatement(
            sql: "INSERT INTO chain_block_data (run_id, height, block, certificate) VALUES (?, ?, ?, ?)")
        for b in chain.blocks {
            try insert.execute(arguments: [run, b.height, Data(b.block), Data(b.certificate)])
        }
    }

    /// Stores consecutive blocks of a run still `running`, in their own transaction, while the run goes on (so a
    /// long run need not hold its chain in memory). ``finishMarketRun(_:detail:metrics:)`` then adds the genesis
    /// and the remaining blocks; a run that does not finish keeps these rows until a resume deletes the run.
    ///
    /// - Throws: ``ResultsError`` if the run is not `running` (e.g. marked `interrupted` by a Ctrl-C) or a height
    ///   is already stored.
    public func appendChainBlocks(run id: RunID, _ blocks: [StoredChainBlock]) throws {
        guard !blocks.isEmpty else { return }
        try write("cannot store chain blocks of \(id)") { db in
            try self.requireOwnRunning(db, id, "its chain blocks are not stored")
            let insert = try db.cachedStatement(
                sql: "INSERT INTO chain_block_data (run_id, height, block, certificate) VALUES (?, ?, ?, ?)")
            for b in blocks {
                try insert.execute(arguments: [id.rawValue, b.height, Data(b.block), Data(b.certificate)])
            }
        }
    }

    /// Whether `run` has a stored chain.
    public func hasChain(run: RunID) throws -> Bool {
        try read("cannot read the chain of \(run)") { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM chain_genesis WHERE run_id = ?)", arguments: [run.rawValue])
                ?? false
        }
    }

    /// The stored chain of `run` (blocks in height order, as stored: gaps are the caller's to find), or nil when
    /// the run kept none (`--no-chain`, not a market run, or not finished).
    public func chain(run: RunID) throws -> StoredChain? {
        try read("cannot read the chain of \(run)") { db in
            guard
                let g = try Row.fetchOne(
                    db, sql: "SELECT chain_id, max_tx_bytes, genesis FROM chain_genesis WHERE run_id = ?",
                    arguments: [run.rawValue])
            else { return nil }
            var blocks: [StoredChainBlock] = []
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT height, block, certificate FROM chain_block_data WHERE run_id = ? ORDER BY height",
                arguments: [run.rawValue])
            while let r = try cursor.next() {
                blocks.append(
                    StoredChainBlock(
                        height: r["height"], block: Self.bytes(r["block"]), certificate: Self.bytes(r["certificate"])))
            }
            return StoredChain(
                chainID: g["chain_id"], maxTxBytes: g["max_tx_bytes"], genesis: Self.bytes(g["genesis"]),
                blocks: blocks)
        }
    }

    /// Bytes of the stored blocks and certificates of `run` (for the size figures).
    public func chainBytes(run: RunID) throws -> Int {
        try read("cannot measure the chain of \(run)") { db in
            try Int.fetchOne(
                db,
                sql: "SELECT ifnull(sum(length(block) + length(certificate)), 0) FROM chain_block_data WHERE run_id = ?",
                arguments: [run.rawValue]) ?? 0
        }
    }

    /// The per-block summaries of `run` (`chain_blocks`), in height order.
    public func chainBlocks(run: RunID) throws -> [ChainBlockRecord] {
        try read("cannot read the block summaries of \(run)") { db in
            try Self.blockLayout.fetchAll(
                db, path: path, "WHERE run_id = ? ORDER BY height", arguments: [run.rawValue])
        }
    }

    /// A blob column as bytes (NULL or a non-blob as empty, which no decoder accepts).
    static func bytes(_ value: DatabaseValue) -> [UInt8] {
        if let d = Data.fromDatabaseValue(value) { return [UInt8](d) }
        return []
    }
}
