import Foundation
import GRDB
import MarketModel

// The chain each market run keeps (schema migration v3, tables `chain_genesis` and `chain_block_data`): the
// genesis document and every committed block with its commit certificate, as the exact canonical bytes the chain
// produced (MarketModel's `RecordedChain`, as the world recorded it). Results does not know the chain's types: it
// stores and returns bytes; the Replay target decodes and verifies them.

extension ResultsStore {
    /// Inserts `chain` for `run` inside the caller's transaction (``finishMarketRun(_:detail:metrics:)`` calls it,
    /// so a finished run has all of its chain or none).
    static func insertChain(_ db: Database, run: Int64, _ chain: RecordedChain) throws {
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
    public func appendChainBlocks(run id: RunID, _ chunk: RecordedChainChunk) throws {
        let blocks = chunk.blocks
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
    public func chain(run: RunID) throws -> RecordedChain? {
        try read("cannot read the chain of \(run)") { db in
            guard
                let g = try Row.fetchOne(
                    db, sql: "SELECT chain_id, max_tx_bytes, genesis FROM chain_genesis WHERE run_id = ?",
                    arguments: [run.rawValue])
            else { return nil }
            var blocks: [RecordedChainBlock] = []
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT height, block, certificate FROM chain_block_data WHERE run_id = ? ORDER BY height",
                arguments: [run.rawValue])
            while let r = try cursor.next() {
                blocks.append(
                    RecordedChainBlock(
                        height: r["height"], block: Self.bytes(r["block"]), certificate: Self.bytes(r["certificate"])))
            }
            return RecordedChain(
                chainID: g["chain_id"], maxTxBytes: g["max_tx_bytes"], genesis: Self.bytes(g["genesis"]),
                blocks: blocks)
        }
    }

    /// Bytes of the stored blocks and certificates of `run` (for the size figures).
    public func chainBytes(run: RunID) throws -> Int {
        try read("cannot measure the chain of \(run)") { db in
            try Int.fetchOne(
                db,
                sql:
                    "SELECT ifnull(sum(length(block) + length(certificate)), 0) FROM chain_block_data WHERE run_id = ?",
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
