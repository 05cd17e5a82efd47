import Market
import Results

extension MarketStudy {
    /// The run's chain as stored (`chain_genesis`, `chain_block_data`), or nil when the run kept none.
    ///
    /// - Throws: ``StudyError`` when blocks and certificates do not pair up (a bug in the capture).
    static func storedChain(_ r: MarketRunResult) throws -> StoredChain? {
        guard let c = r.chain else { return nil }
        guard c.blocks.count == c.certificates.count else {
            throw StudyError("the run captured \(c.blocks.count) blocks but \(c.certificates.count) certificates")
        }
        let blocks = zip(c.blocks, c.certificates).enumerated().map { i, pair in
            StoredChainBlock(height: c.firstHeight + Int64(i), block: pair.0, certificate: pair.1)
        }
        return StoredChain(chainID: c.chainID, maxTxBytes: c.maxTxBytes, genesis: c.genesis, blocks: blocks)
    }

    /// A chunk handed over during a run, as stored rows.
    static func storedBlocks(_ chunk: RecordedChainChunk) throws -> [StoredChainBlock] {
        guard chunk.blocks.count == chunk.certificates.count else {
            throw StudyError("a chain chunk has \(chunk.blocks.count) blocks but \(chunk.certificates.count) certificates")
        }
        return zip(chunk.blocks, chunk.certificates).enumerated().map { i, pair in
            StoredChainBlock(height: chunk.firstHeight + Int64(i), block: pair.0, certificate: pair.1)
        }
    }
}
