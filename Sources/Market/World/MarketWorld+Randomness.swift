// The validators' operators as randomness participants (issue 17 item 2): each reveals its secret for an epoch
// once it has seen the previous epoch's last block committed, and the world reads the draws the chain makes at
// each epoch's end (`study.sampled`, hold-backs resolved by the draw) from the block's end-of-block events.

import Cluster
import Contracts
import Ledger
import MarketModel

extension MarketWorld {
    /// Validator `v`'s operator's secret for `epoch`: derived from the run's seed and replication, so runs are
    /// bit-identical across processes, and independent of the signature scheme (the beacon never reads a
    /// signature).
    static func randomnessSecret(validator v: Int, epoch: UInt64, seed: UInt64, replication: Int) -> Hash {
        Hash.sha256(
            domain: "readchain/randomness/secret/v1", seed.bigEndianBytes, UInt64(replication).bigEndianBytes,
            UInt64(v).bigEndianBytes, epoch.bigEndianBytes)
    }

    /// Each operator's genesis participation: its address and the commitment to its epoch-0 secret.
    static func randomnessParticipants(_ operators: [Party], seed: UInt64, replication: Int)
        -> [RandomnessParticipant]
    {
        operators.enumerated().map { v, p in
            RandomnessParticipant(
                address: p.address,
                commitment: Randomness.commitment(
                    randomnessSecret(validator: v, epoch: 0, seed: seed, replication: replication)))
        }
    }

    /// Every operator still taking part reveals its secret for `epoch` and commits to the next one's, through its
    /// own validator or, if that one is down, the next running one (a reveal must land within the epoch). An
    /// excluded operator (its validator was down for a whole epoch) rejoins once the genesis delay has passed,
    /// committing to its secret of the epoch after `epoch`, from which it reveals again.
    func reveal(epoch: UInt64) {
        let app = cluster.nodes[observer].app
        let n = gateway.operators.count
        for v in gateway.operators.indices {
            var node = v
            for _ in 0..<n where !cluster.isUp(node) { node = (node + 1) % n }
            gateway.operators[v].gateway = node
            if let excluded = app.randomnessExcludedEpoch(gateway.operators[v].address) {
                let (due, overflow) = excluded.addingReportingOverflow(app.genesis.randomness.rejoinDelayEpochs)
                guard !overflow, epoch >= due else { continue }
                let next = Self.randomnessSecret(
                    validator: v, epoch: epoch + 1, seed: spec.seed, replication: spec.replication)
                submit(
                    .rejoinRandomness(commitment: Randomness.commitment(next)), as: .validatorOperator(v),
                    kind: .reveal(validator: v))
                continue
            }
            let secret = Self.randomnessSecret(
                validator: v, epoch: epoch, seed: spec.seed, replication: spec.replication)
            let next = Self.randomnessSecret(
                validator: v, epoch: epoch + 1, seed: spec.seed, replication: spec.replication)
            submit(
                .revealRandomness(epoch: epoch, secret: secret, nextCommitment: Randomness.commitment(next)),
                as: .validatorOperator(v), kind: .reveal(validator: v))
        }
    }

    /// A committed height's end-of-block events: a study drawn for peer review goes to the programme; a hold-back
    /// the block resolved (the draw found the study unsampled after its feedback, or its time-out) is paid or
    /// refunded in the study's record. At an epoch's last height the operators reveal for the next epoch.
    func endOfBlock(_ c: CommitRecord, at t: Int64) {
        for e in c.endBlockEvents {
            let event: ContractEvent
            do { event = try ContractEvent(e) } catch {
                preconditionFailure("height \(c.height) carries a malformed end-of-block event: \(error)")
            }
            guard let id = event.studyID, let s = byChainID[id], studies[s].phase == .reported else { continue }
            switch event {
            case .studySampled:
                if let author = studies[s].assignee { tellPeerReview(.sampled(s, author: author, at: t)) }
            case .holdbackReleased(_, let amount), .holdbackForfeited(_, let amount):
                guard studies[s].holdback > 0 else { continue }
                settleHoldback(s, released: { if case .holdbackReleased = event { true } else { false } }(), amount, t)
            default: break
            }
        }
        let epochHeights = cluster.nodes[observer].app.genesis.randomness.epochHeights
        if Randomness.endsEpoch(height: c.height, epochHeights: epochHeights) {
            reveal(epoch: Randomness.epoch(height: c.height, epochHeights: epochHeights) + 1)
        }
    }
}
