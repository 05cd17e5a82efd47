import Ledger

/// The chain's randomness beacon and the peer-review draw made from it (issue 17 item 2).
///
/// **Scheme** (application-level commit-reveal with recommit, RANDAO-style). Each participant (a validator
/// operator's account, `RandomnessParameters.participants`) starts from a commitment `c₀ = commitment(s₀)` in
/// genesis. In every epoch E (heights `E·L ... E·L + L − 1`) it sends `revealRandomness(E, s_E, c_{E+1})`: the
/// contract checks `commitment(s_E)` against the stored commitment and keeps `c_{E+1}` for the next reveal. At the
/// last height of E, `endBlock` computes `beacon_E = beacon(E, reveals in participant order)`; a participant that
/// did not reveal is *excluded* (`randomness.excluded`), so withholding a reveal to re-roll a beacon works once,
/// not every epoch. A report included in epoch E is drawn at the end of E + 1 from
/// `sampleDraw(beacon_{E+1}, study)`: the reveals of E + 1 are accepted only in epoch E + 1 blocks, and honest
/// operators send them only after they have seen E's last block committed, so when a report's epoch is fixed
/// nobody knows the beacon that decides it.
///
/// **Who can bias what.** A participant learns everyone else's reveal before it must send its own (the last
/// revealer): it can then choose between two beacons (reveal or withhold), once, at the price of exclusion; a
/// rejoin (`rejoinRandomness`, after `rejoinDelayEpochs`) buys one more such choice. A proposer orders, censors and
/// dates its own blocks, but the reveals it censors go into the next honest proposer's block of the same epoch (an
/// epoch spans more heights than any one proposer's consecutive turns), and the draw never reads a block's hash,
/// time, signatures or transaction order. A reporter chooses only the epoch of its report, whose deciding beacon
/// is still unknown. With no participant left, the beacon is chained from the previous one and is predictable
/// (`randomness.fallback`).
public enum Randomness {
    /// The commitment a participant publishes for a secret it reveals later.
    public static func commitment(_ secret: Hash) -> Hash {
        Hash.sha256(domain: "readchain/randomness/commit/v1", secret.bytes)
    }

    /// The beacon of `epoch` from its reveals in participant order (nil: absent). With no reveal at all it is
    /// the hash of `previous` (the fallback).
    public static func beacon(epoch: UInt64, reveals: [Hash?], previous: Hash) -> Hash {
        guard reveals.contains(where: { $0 != nil }) else {
            return Hash.sha256(domain: "readchain/randomness/fallback/v1", epoch.bigEndianBytes, previous.bytes)
        }
        var bytes = epoch.bigEndianBytes
        for r in reveals {
            if let r {
                bytes.append(1)
                bytes += r.bytes
            } else {
                bytes.append(0)
            }
        }
        return Hash.sha256(domain: "readchain/randomness/beacon/v1", bytes)
    }

    /// The beacon before the first epoch (what a fallback of epoch 0 chains from).
    public static func genesisBeacon(chainID: String) -> Hash {
        Hash.sha256(domain: "readchain/randomness/genesis/v1", Array(chainID.utf8))
    }

    /// The peer-review draw of `study` in 0..<10,000: sampled when below the rate in basis points.
    public static func sampleDraw(beacon: Hash, study: UInt64) -> UInt64 {
        Hash.sha256(domain: "readchain/sample/v4", beacon.bytes, study.bigEndianBytes).bytes.readBigEndianUInt64()
            % 10_000
    }

    /// The epoch of `height`.
    public static func epoch(height: UInt64, epochHeights: UInt64) -> UInt64 { height / epochHeights }

    /// Whether `height` is the last height of its epoch (where `endBlock` makes the beacon).
    public static func endsEpoch(height: UInt64, epochHeights: UInt64) -> Bool {
        height % epochHeights == epochHeights - 1
    }
}

extension Context {
    var epoch: UInt64 { Randomness.epoch(height: height, epochHeights: genesis.randomness.epochHeights) }

    func participantIndex(_ a: Address) -> UInt64? {
        genesis.randomness.participants.firstIndex { $0.address == a }.map(UInt64.init)
    }

    /// `revealRandomness`: a participant that is not excluded opens its commitment for the current epoch, once.
    mutating func revealRandomness(
        epoch claimed: UInt64, secret: Hash, nextCommitment: Hash, sender: Address
    ) throws(ContractError) {
        guard let i = participantIndex(sender) else {
            throw ContractError(.unauthorized, "not a randomness participant")
        }
        guard store.get(StateKeys.randomnessExcluded(i)) == nil else {
            throw ContractError(.notEligible, "excluded from the randomness beacon")
        }
        guard claimed == epoch else {
            throw ContractError(.windowClosed, "reveal for epoch \(claimed) in epoch \(epoch)")
        }
        let from = u64(StateKeys.randomnessFrom(i))
        guard epoch >= from else { throw ContractError(.notEligible, "reveals from epoch \(from)") }
        guard store.get(StateKeys.randomnessReveal(epoch, i)) == nil else {
            throw ContractError(.alreadyExists, "already revealed in epoch \(epoch)")
        }
        let stored = store.get(StateKeys.randomnessCommitment(i)).map { Hash(bytes: $0) }
        guard Randomness.commitment(secret) == stored else {
            throw ContractError(.invalidArgument, "secret does not open the commitment")
        }
        store.set(StateKeys.randomnessReveal(epoch, i), secret.bytes)
        store.set(StateKeys.randomnessCommitment(i), nextCommitment.bytes)
        emit(.randomnessRevealed(participant: sender, epoch: epoch))
    }

    /// `rejoinRandomness`: an excluded participant, at least `rejoinDelayEpochs` after its exclusion, commits
    /// afresh and reveals from the next epoch on.
    mutating func rejoinRandomness(commitment: Hash, sender: Address) throws(ContractError) {
        guard let i = participantIndex(sender) else {
            throw ContractError(.unauthorized, "not a randomness participant")
        }
        guard let excluded = store.get(StateKeys.randomnessExcluded(i))?.readBigEndianUInt64() else {
            throw ContractError(.alreadyExists, "not excluded")
        }
        let (due, overflow) = excluded.addingReportingOverflow(genesis.randomness.rejoinDelayEpochs)
        guard !overflow, epoch >= due else {
            throw ContractError(.windowClosed, "excluded in epoch \(excluded): may rejoin from epoch \(due)")
        }
        store.remove(StateKeys.randomnessExcluded(i))
        store.set(StateKeys.randomnessCommitment(i), commitment.bytes)
        setU64(StateKeys.randomnessFrom(i), epoch + 1)
        emit(.randomnessRejoined(participant: sender, epoch: epoch + 1))
    }

    /// End of block at the last height of an epoch: the epoch's beacon from its reveals, exclusion of every
    /// participant that should have revealed and did not, then the draws of the reports of the previous epoch.
    mutating func closeEpochIfLast() {
        let r = genesis.randomness
        guard Randomness.endsEpoch(height: height, epochHeights: r.epochHeights) else { return }
        let e = epoch
        var reveals: [Hash?] = []
        for (k, p) in r.participants.enumerated() {
            let i = UInt64(k)
            let key = StateKeys.randomnessReveal(e, i)
            let reveal = store.get(key).map { Hash(bytes: $0) }
            store.remove(key)
            reveals.append(reveal)
            let active =
                store.get(StateKeys.randomnessExcluded(i)) == nil && u64(StateKeys.randomnessFrom(i)) <= e
            if active && reveal == nil {
                setU64(StateKeys.randomnessExcluded(i), e)
                emit(.randomnessExcluded(participant: p.address, epoch: e))
            }
        }
        let previous =
            store.get(StateKeys.randomnessBeacon).map { Hash(bytes: $0) }
            ?? Randomness.genesisBeacon(chainID: genesis.chainID)
        let beacon = Randomness.beacon(epoch: e, reveals: reveals, previous: previous)
        store.set(StateKeys.randomnessBeacon, beacon.bytes)
        let count = reveals.count { $0 != nil }
        if count == 0 { emit(.randomnessFallback(epoch: e)) }
        emit(.randomnessBeacon(epoch: e, beacon: beacon, reveals: count))
        if e > 0 { decideSamples(reportedIn: e - 1, beacon: beacon) }
    }

    /// Draws every study reported in epoch `f` and still pending, in id order: sampled ones emit `study.sampled`;
    /// an unsampled one's hold-back is resolved by the feedback it already has (value-based settlement).
    mutating func decideSamples(reportedIn f: UInt64, beacon: Hash) {
        let prefix = StateKeys.pendingSamples(f)
        for (key, _) in store.scan(prefix: prefix) {
            store.remove(key)
            let id = key.readBigEndianUInt64(at: prefix.count)
            guard var s = try? study(id), s.sampling == .pending else { continue }
            if Randomness.sampleDraw(beacon: beacon, study: id) < genesis.peerReviewSamplingBasisPoints {
                s.sampling = .sampled
                emit(.studySampled(study: id))
            } else {
                s.sampling = .notSampled
                if let v = genesis.valueBased, s.holdback > 0, let score = s.feedbackScore {
                    let good = score >= v.feedbackThreshold
                    resolveHoldback(&s, release: good, qualityPoint: good)
                }
            }
            saveStudy(s)
        }
    }
}
