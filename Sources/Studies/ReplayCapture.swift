import Market
import MarketModel
import Results

extension MarketStudy {
    /// The run's chain as stored (`chain_genesis`, `chain_block_data`), or nil when the run kept none.
    ///
    /// - Throws: ``StudyError`` when blocks and certificates do not pair up (a bug in the capture).
    static func storedChain(_ r: MarketRunResult) throws -> StoredChain? {
        guard let c = r.chain else { return nil }
        let blocks = try storedBlocks(
            RecordedChainChunk(firstHeight: c.firstHeight, blocks: c.blocks, certificates: c.certificates))
        return StoredChain(chainID: c.chainID, maxTxBytes: c.maxTxBytes, genesis: c.genesis, blocks: blocks)
    }

    /// A chunk handed over during a run, as stored rows.
    static func storedBlocks(_ chunk: RecordedChainChunk) throws -> [StoredChainBlock] {
        guard chunk.blocks.count == chunk.certificates.count else {
            throw StudyError("the run captured \(chunk.blocks.count) blocks but \(chunk.certificates.count) certificates")
        }
        return zip(chunk.blocks, chunk.certificates).enumerated().map { i, pair in
            StoredChainBlock(height: chunk.firstHeight + Int64(i), block: pair.0, certificate: pair.1)
        }
    }
}
