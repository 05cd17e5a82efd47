// How a load test counts its transactions: each transaction first submitted in the window is committed, rejected
// or pending, exactly one of them, however often it was sent or refused.

import DiscreteEvent
import Foundation
import LoadTest
import Testing

@Suite("Load test transaction counts")
struct LoadTestCountsTests {
    /// Market transfers (nonces) with a crash, a restart and an isolation: a node behind the chain refuses
    /// transactions whose nonce it has not reached, some of them for good. Before the fix every check refusal of
    /// every node counted as `rejected` (24 here) while `pending` was `submitted − committed` (also 24), so the
    /// rejected transactions were counted twice.
    @Test func submittedIsCommittedPlusRejectedPlusPending() throws {
        var spec = LoadTestSpec()
        spec.validators = [4]
        spec.rates = [200]
        spec.duration = .seconds(12)
        spec.faults = try ["crash:1@1s", "restart:1@4s", "isolate:2@5s", "heal@8s"].map { try FaultSpec.parse($0) }
        try spec.validate()
        let r = LoadTestRunner.run(spec, point: spec.points[0], replication: 0)
        #expect(r.oracleViolations.isEmpty, "\(r.oracleViolations)")
        #expect(r.rejected > 0, "the scenario must refuse some transactions for good")
        #expect(r.submitted == r.committed + r.rejected + r.pending, "\(r.submitted) \(r.committed) \(r.rejected)")
        #expect(r.pending >= 0)
        #expect(r.resubmissions > 0)
    }
}
