import Benchmarks
import Contracts
import Ledger
import Testing

@Suite struct BenchmarkTests {
    /// Bytes on-chain per completed study (all its transactions and its share of block overhead) stay within
    /// the 2 KiB target; the run goes through `SingleNodeChain` (mempool, signed blocks, commits).
    @Test func bytesPerCompletedStudyWithinTarget() {
        let f = ContractsBenchmark.run(studies: 40, studiesPerBlock: 20)
        #expect(f.bytesPerCompletedStudy <= 2_048, "\(f.lines)")
        #expect(f.transactions == 40 * 5)
        #expect(f.transactionsPerSecondWithSignatures > 0 && f.transactionsPerSecondWithoutSignatures > 0)
    }
}
