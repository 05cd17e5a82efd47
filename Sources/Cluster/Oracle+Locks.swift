// The lock invariants of consensus-tests.md §4.1.5 (Tendermint paper §4.1; Algorithm 1 L22, L28, L36), checked on
// every correct node's own votes.

import Consensus
import Ledger

extension Oracle {
    struct PolkaKey: Hashable {
        var height: Height
        var round: Round
        var valueID: Hash?
    }

    struct LockKey: Hashable {
        var validator: Address
        var height: Height
    }

    /// A node is about to send its own prevote `v` (correct or not): recorded as part of a possible polka. `key`
    /// is the sender's public key when the sender is not correct; its signature and chain id are then checked, so
    /// that junk cannot make up a polka. Prevotes above the working height of any correct node are not kept.
    public func notePrevote(_ v: Vote, key: PublicKey?) {
        guard v.type == .prevote, v.height >= 1, Int(v.height) <= chain.count + 1 else { return }
        if let key {
            guard ChainID.same(v.chainID, chainID), cache.verify(v.signature, message: v.signBytes, key: key) else {
                return
            }
        }
        prevoteSigners[PolkaKey(height: v.height, round: v.round, valueID: v.valueID), default: []].insert(
            v.validator)
    }

    /// Whether prevotes for `id` in round `r` of height `h` seen so far hold > 2/3 of `validators`' power.
    func isPolka(height h: Height, round r: Round, _ id: Hash, _ validators: ValidatorSet) -> Bool {
        guard let signers = prevoteSigners[PolkaKey(height: h, round: r, valueID: id)] else { return false }
        var power: UInt64 = 0
        for a in signers { power += validators.validator(a)?.power ?? 0 }
        return validators.isQuorum(power)
    }

    /// A correct node's own vote `v`:
    /// - a precommit for a value needs a polka for it in its round (L36), and locks it (the lock follows the latest
    ///   non-nil precommit, whose round never goes back);
    /// - a prevote in a round after the lock round for another value than the locked one needs a polka for that
    ///   value in a round from the lock round up to before the prevote's round (L28's `lockedRound ≤ vr`; L22 admits
    ///   only the locked value or an unlocked node).
    func checkLocks(_ v: Vote, node: Int, validators: ValidatorSet) {
        guard let id = v.valueID else { return }
        let k = LockKey(validator: v.validator, height: v.height)
        // Built only for a failure message: formatting it for every vote cost more than the checks.
        var at: String { "node \(node) h=\(v.height) r=\(v.round) \(id.hex.prefix(8))" }
        switch v.type {
        case .precommit:
            if !isPolka(height: v.height, round: v.round, id, validators) {
                fail("lock: precommit without a polka (L36): \(at)")
            }
            if let lock = locks[k], lock.round > v.round {
                fail("lock: precommit in round \(v.round) below the lock round \(lock.round): \(at)")
            } else {
                locks[k] = (v.round, id)
            }
        case .prevote:
            guard let lock = locks[k], lock.round < v.round, lock.value != id else { return }
            if !(lock.round..<v.round).contains(where: { isPolka(height: v.height, round: $0, id, validators) }) {
                fail(
                    "lock: prevote against the lock on \(lock.value.hex.prefix(8)) from round \(lock.round) without a "
                        + "polka in a round ≥ \(lock.round) (L22/L28): \(at)")
            }
        }
    }

    /// Who is to blame for two certificates of one height from different rounds (accountability across rounds,
    /// §4.1.10): with `lo` the earlier one, for v in round r, its signers precommitted v in r and so locked it.
    /// Let r* be the first round in (r, hi.round] with a polka for a value w ≠ v (non-nil): the signers of `lo`
    /// among its prevoters prevoted against their lock with no polka for any value but v since r (amnesia). With
    /// no such round, the signers of both precommitted `hi`'s value without a polka (also amnesia). Either set
    /// holds more than 1/3 of the power (two quorums intersect), i.e. at least f+1 validators.
    func attributeFork(_ x: CommitCertificate, _ y: CommitCertificate, validators: ValidatorSet) -> Set<Address> {
        let (lo, hi) = x.round < y.round ? (x, y) : (y, x)
        func signers(_ c: CommitCertificate) -> Set<Address> {
            Set(
                c.signatures.filter { Int($0.validatorIndex) < validators.count }.map {
                    validators.validators[Int($0.validatorIndex)].address
                })
        }
        let locked = signers(lo)
        guard lo.round < hi.round else { return [] }
        for r in (lo.round + 1)...hi.round {
            // Every value with a polka in round r; the union of their blamed signers (no order matters).
            let polkas = prevoteSigners.filter { k, _ in
                k.height == lo.height && k.round == r && k.valueID != nil && k.valueID != lo.blockID
                    && isPolka(height: k.height, round: r, k.valueID!, validators)
            }
            guard !polkas.isEmpty else { continue }
            var blamed: Set<Address> = []
            for (_, prevoters) in polkas { blamed.formUnion(prevoters.intersection(locked)) }
            return blamed
        }
        return locked.intersection(signers(hi))
    }
}
