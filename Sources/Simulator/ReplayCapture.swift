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
            StoredChainBlock(height: Int64(i + 1), block: pair.0, certificate: pair.1)
        }
        return StoredChain(chainID: c.chainID, maxTxBytes: c.maxTxBytes, genesis: c.genesis, blocks: blocks)
    }
}
