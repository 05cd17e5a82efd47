import Contracts
import Foundation
import Ledger
import Testing

/// The grinding adversary against peer-review sampling (issue 17 item 2).
@Suite struct GrindingTests {
    let c = Cast()
    let ops = (0..<4).map { Party("operator-\($0)") }
    static let epochHeights: UInt64 = 10
    /// Nominal sampling rate, basis points.
    static let rate: UInt64 = 2_000
    /// Epochs whose reports are drawn (one colluding study reported per epoch).
    static let epochs: UInt64 = 1_000
    /// Epochs the colluding reporter may hold a study back waiting for a better moment.
    static let maxWait: UInt64 = 4

    /// The peer-review draw before issue 17 item 2, at the report's height: SHA-256(`readchain/sample/v3` ‖ height
    /// ‖ study id), sampled when below the rate. Computed here as the negative control.
    static func heightDraw(height: UInt64, study: UInt64) -> UInt64 {
        let bytes = Hash.sha256(domain: "readchain/sample/v3", height.bigEndianBytes, study.bigEndianBytes).bytes
        return bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % 10_000
    }

    /// **The grinding test.** One of four validators (operator 3, proposer of every height ≡ 3 mod 4) colludes
    /// with a radiologist (r1). Every epoch a client posts a study that r1 claims and reports; the adversary has
    /// every power a proposer and a reporter have over what the contract sees:
    /// - it times each report freely: r1 reports at the first height (from the epoch's third on) where the old
    ///   height-based draw says "not sampled" and where executing the block on a copy of the chain does not show
    ///   the study sampled, holding a study back up to `maxWait` epochs for such a moment (so any draw the
    ///   contract could make at the report would be dodged);
    /// - in the blocks it proposes it orders and censors transactions (it leaves out every honest reveal) and picks
    ///   the time (one tick after the last block);
    /// - as a randomness participant it sees the three honest reveals of an epoch before it must send its own, and
    ///   withholds it whenever the beacon without it samples fewer of its pending studies than the beacon with it.
    ///
    /// **Bound.** Model SHA-256 as a random oracle. The report of epoch E is drawn from beacon_{E+1}, which
    /// hashes the honest reveals of E + 1; those are unknown when the report's epoch, height and study id are fixed
    /// (honest operators send them after E's last block, and a reveal is accepted only in its own epoch), so the
    /// adversary's choices of height, order, censorship and time cannot correlate with the draw. Its one remaining
    /// choice, reveal or withhold after seeing the honest reveals, it can make once: a participant that misses an
    /// epoch is excluded (and may rejoin only after `rejoinDelayEpochs`, longer than this run). A withholding
    /// changes the draws of one epoch's reports, k studies (k = the most reported in one epoch, measured: 1 or 2). So the sampled count S of the n colluding
    /// studies satisfies S ≥ S′ − k with S′ ~ Binomial(n, p), the count had it always revealed, and
    /// `p − z·σ − k/n ≤ S/n ≤ p + z·σ + k/n`, σ = √(p(1 − p)/n), fails with probability at most about 2Φ(−z).
    /// With z = 3.29 (0.1%), p = 20%, n ≈ 1,000 and k ≤ 2: S/n ∈ [15.6%, 24.4%].
    ///
    /// **Negative controls**, from the same run: (1) the old height-based rule at the heights the adversary chose
    /// samples (almost) none of its studies; (2) without exclusion, withholding whenever it helps would leave a
    /// study sampled only if both beacons sample it, ≈ p² = 4%: both far below the bound.
    @Test func grindingProposerStaysWithinTheBound() {
        var g = c.genesis(.postedPrice, sampling: Self.rate)
        g.accounts = g.accounts.map { a in
            a.address == c.c1.address ? GenesisAccount(address: a.address, balance: 1 << 40) : a
        }
        g.accounts += ops.map { GenesisAccount(address: $0.address, balance: Cast.clientBalance) }
        g.randomness = RandomnessParameters(
            epochHeights: Self.epochHeights, rejoinDelayEpochs: 1_000_000,
            participants: ops.indices.map {
                RandomnessParticipant(
                    address: ops[$0].address, commitment: Randomness.commitment(RandomnessTests.secret($0, 0)))
            })
        var h = Harness(g, proposer: c.validator.signing)
        let adversary = 3
        var adversaryReveals: UInt64 = 0  // its secrets are secret(3, j) for its j-th reveal
        /// Messages waiting for a block: (sender, message, an honest reveal the adversary censors).
        var mempool: [(Party, Message, Bool)] = c.setup().map { ($0.0, $0.1, false) }
        var reportHeight: [UInt64: UInt64] = [:]  // study id -> height of its report
        var reportsOf: [UInt64: [UInt64]] = [:]  // epoch -> study ids reported in it
        var sampled = 0
        var decided = 0
        var oldRuleSampled = 0
        var noExclusionSampled = 0
        var withheld = 0
        var unreported: [(id: UInt64, since: UInt64)] = []  // claimed, not yet reported, since which epoch
        var batch = 0  // the most colluding studies reported in one epoch (drawn from one beacon)

        for e in 0...Self.epochs {
            let first = max(1, e * Self.epochHeights)
            let last = (e + 1) * Self.epochHeights - 1
            let id = e + 1
            var adversaryDecided = false
            mempool += (0..<3).map { (ops[$0], RandomnessTests.reveal($0, e), true) }
            for height in first...last {
                let offset = height - first
                if offset == 0, e < Self.epochs {
                    mempool.append((c.c1, .postStudy(c.order(c.c1, deadline: h.time + hour)), false))
                }
                if offset == 1, e < Self.epochs {
                    mempool.append((c.r1, .claimStudy(studyID: id), false))
                    unreported.append((id, e))
                }
                // The reporter's timing: a height where the old rule would not sample (or, once a study has waited
                // `maxWait` epochs, any height: its deadline and the radiologist's capacity bound the wait).
                if offset >= 2 {
                    for u in unreported
                    where Self.heightDraw(height: height, study: u.id) >= Self.rate || e >= u.since + Self.maxWait {
                        mempool.append((c.r1, .submitReport(studyID: u.id, report: c.report(u.id)), false))
                    }
                }
                // The adversary's reveal, once the honest reveals of the epoch are on chain.
                let honestPending = mempool.contains { $0.2 }
                if !adversaryDecided, !honestPending, !h.app.isRandomnessExcluded(ops[adversary].address) {
                    adversaryDecided = true
                    let honest = (0..<3).map { Optional(RandomnessTests.secret($0, e)) }
                    let mine = RandomnessTests.secret(adversary, adversaryReveals)
                    let pending = e > 0 ? reportsOf[e - 1, default: []] : []
                    func count(_ b: Hash) -> Int {
                        pending.count { Randomness.sampleDraw(beacon: b, study: $0) < Self.rate }
                    }
                    let prev = h.app.randomnessBeacon ?? .zero
                    let with = count(Randomness.beacon(epoch: e, reveals: honest + [mine], previous: prev))
                    let without = count(Randomness.beacon(epoch: e, reveals: honest + [nil], previous: prev))
                    if without < with {
                        withheld += 1
                    } else {
                        let next = Randomness.commitment(RandomnessTests.secret(adversary, adversaryReveals + 1))
                        mempool.append(
                            (ops[adversary], .revealRandomness(epoch: e, secret: mine, nextCommitment: next), false))
                        adversaryReveals += 1
                    }
                }
                // The proposer: the adversary censors honest reveals and dates its block one tick after the last.
                let byAdversary = height % 4 == 3
                var included = byAdversary ? mempool.filter { !$0.2 } : mempool
                mempool = byAdversary ? mempool.filter { $0.2 } : []
                let t = h.time + (byAdversary ? 1 : 1_000_000)
                // The reporter tries the block first on a copy of the chain: a draw it can see there (one made at
                // the report) it dodges by reporting later.
                if included.contains(where: { if case .submitReport = $0.1 { true } else { false } }) {
                    var trial = h
                    trial.block(at: t, included.map { trial.tx($0.0, $0.1) })
                    included.removeAll { m in
                        guard case .submitReport(let s, _) = m.1, let u = unreported.first(where: { $0.id == s })
                        else { return false }
                        return trial.app.study(s)?.sampling == .sampled && e < u.since + Self.maxWait
                    }
                }
                for case (_, .submitReport(let s, _), _) in included {
                    unreported.removeAll { $0.id == s }
                    reportHeight[s] = height
                    reportsOf[e, default: []].append(s)
                }
                let (receipts, _) = h.block(at: t, included.map { h.tx($0.0, $0.1) })
                for (r, m) in zip(receipts, included) where r.code != .ok {
                    Issue.record("\(m.1.name) at height \(height): \(r.code) \(r.log)")
                }
            }
            batch = max(batch, reportsOf[e, default: []].count)
            if e > 0 {
                let ids = reportsOf[e - 1, default: []]
                decided += ids.count
                sampled += ids.count { h.app.study($0)?.sampling == .sampled }
                oldRuleSampled += ids.count { Self.heightDraw(height: reportHeight[$0] ?? 0, study: $0) < Self.rate }
                #expect(ids.allSatisfy { h.app.study($0)?.sampling != .pending })
                // Without exclusion the adversary would choose between the two beacons every epoch.
                let honest = (0..<3).map { Optional(RandomnessTests.secret($0, e)) }
                let mine = RandomnessTests.secret(adversary, e)
                func count(_ b: Hash) -> Int { ids.count { Randomness.sampleDraw(beacon: b, study: $0) < Self.rate } }
                noExclusionSampled += min(
                    count(Randomness.beacon(epoch: e, reveals: honest + [mine], previous: .zero)),
                    count(Randomness.beacon(epoch: e, reveals: honest + [nil], previous: .zero)))
            }
        }

        let n = Double(decided)
        let p = Double(Self.rate) / 10_000
        let sigma = (p * (1 - p) / n).squareRoot()
        let z = 3.29
        let k = Double(batch)
        let share = Double(sampled) / n
        let lower = p - z * sigma - k / n
        let upper = p + z * sigma + k / n
        #expect(decided >= Int(Self.epochs) - 5 && batch <= 2, "\(decided) drawn, at most \(batch) per epoch")
        #expect(withheld == 1, "the adversary withholds once, then is excluded")
        #expect(share >= lower && share <= upper, "sampled share \(share) outside [\(lower), \(upper)]")
        // Negative controls: the same adversary breaks the old rule, and would break the new one without exclusion.
        let oldShare = Double(oldRuleSampled) / n
        #expect(oldShare < 0.01, "old rule share \(oldShare)")
        let noExclusionShare = Double(noExclusionSampled) / n
        #expect(noExclusionShare < lower, "no-exclusion share \(noExclusionShare)")
    }
}
