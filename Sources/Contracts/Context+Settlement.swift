import Ledger
import MarketModel

extension Context {
    /// The assignee reports before the deadline; turnaround is recorded and the escrow settled per design:
    /// intermediary — the radiologist gets its pay, the operator the rest; posted price or auction — the
    /// radiologist gets the price, less (value-based) the levy to the bonus pool and the hold-back kept in escrow.
    /// The study's peer-review draw is then *pending*: at the end of the next randomness epoch it is drawn from
    /// SHA-256(`readchain/sample/v4` ‖ that epoch's beacon ‖ study id) (`Context.decideSamples`), a beacon of
    /// reveals nobody knows when the report's epoch is fixed, so neither a reporter timing its report nor a
    /// proposer ordering, censoring or dating blocks can steer it (see `Randomness`). At a rate of 0 or 100% there
    /// is nothing to draw and the study is decided at once. (The old rule, SHA-256(`readchain/sample/v3` ‖ height ‖
    /// id), let anyone compute at which heights a report would be sampled.)
    mutating func submitReport(_ id: UInt64, report: ReportSubmission, sender: Address) throws(ContractError) {
        var s = try study(id)
        guard s.state == .assigned, let rad = s.assignee else {
            throw ContractError(.wrongStudyState, "study is \(s.state)")
        }
        guard rad == sender else { throw ContractError(.notAssignee, "only the assignee reports") }
        guard now <= s.order.deadlineTicks else { throw ContractError(.deadlinePassed, "deadline passed") }
        s.state = .reported
        s.report = report
        s.reportedAtTicks = now
        s.turnaroundTicks = now.saturatingSubtract(s.assignedAtTicks)
        store.remove(StateKeys.deadline(s.order.deadlineTicks, id))
        settlePremium(&s)
        let window = genesis.turnaroundWindow
        let turnaround = s.turnaroundTicks
        updateMetrics(rad) {
            $0.volume += 1
            $0.active -= 1
            $0.recordTurnaround(turnaround, window: window)
        }
        recordReportQuality(report, radiologist: rad)

        var levy: UInt64 = 0
        var operatorShare: UInt64 = 0
        var paid = s.radiologistPay
        switch genesis.market {
        case .intermediary(let op, _):
            operatorShare = s.escrow - s.radiologistPay
            credit(op, operatorShare)
        case .postedPrice, .sealedBidAuction:
            if let v = genesis.valueBased {
                levy = s.price * v.levyBasisPoints / 10_000
                s.holdback = s.price * v.holdbackBasisPoints / 10_000
                paid = s.price - levy - s.holdback
                setU64(StateKeys.bonusPool, u64(StateKeys.bonusPool) + levy)
                if s.holdback > 0 {
                    store.set(StateKeys.holdback(now.saturatingAdd(v.holdbackTimeoutTicks), id), [])
                }
            }
        }
        credit(rad, paid)
        s.escrow = s.holdback

        // Drawn later from a beacon nobody knows yet (see above).
        let rate = genesis.peerReviewSamplingBasisPoints
        if rate == 0 {
            s.sampling = .notSampled
        } else if rate >= 10_000 {
            s.sampling = .sampled
        } else {
            s.sampling = .pending
            store.set(StateKeys.pendingSample(epoch, id), [])
        }
        saveStudy(s)
        emit(
            .studyReported(
                study: id, radiologist: rad, turnaroundTicks: s.turnaroundTicks, findings: report.findings.count,
                followUp: report.followUp != nil))
        emit(
            .settlement(
                study: id, radiologist: rad, paid: paid, operatorShare: operatorShare, levy: levy,
                holdback: s.holdback))
        if s.sampledForReview { emit(.studySampled(study: id)) }
    }

    /// The client records the follow-up its study's report recommended; its adjudicated outcome, if given, joins
    /// the labelled dataset.
    mutating func completeFollowUp(_ id: UInt64, labels: [FindingLabel], sender: Address) throws(ContractError) {
        var s = try study(id)
        guard s.client == sender else { throw ContractError(.unauthorized, "only the client") }
        guard s.state == .reported, s.report?.followUp != nil else {
            throw ContractError(.wrongStudyState, "no follow-up recommended")
        }
        guard s.followUpCompletedAtTicks == nil else { throw ContractError(.alreadyExists, "already completed") }
        s.followUpCompletedAtTicks = now
        saveStudy(s)
        emit(.followUpCompleted(study: id))
        appendLabels(labels, of: s, adjudicator: sender, source: .followUp)
    }

    /// Referrer feedback (1...5) from the client account, once per reported study. For an unsampled study under
    /// value-based settlement it resolves the hold-back (while the draw is pending the score is kept, and the draw
    /// resolves the hold-back by it if the study is not sampled). A confirmed discrepancy's adjudicated outcome, if given,
    /// joins the labelled dataset.
    mutating func submitFeedback(
        _ id: UInt64, score: UInt8, labels: [FindingLabel], sender: Address
    ) throws(ContractError) {
        var s = try study(id)
        guard s.client == sender else { throw ContractError(.unauthorized, "only the client gives feedback") }
        guard s.state == .reported, let rad = s.assignee else {
            throw ContractError(.wrongStudyState, "study is \(s.state)")
        }
        guard (1...5).contains(score) else { throw ContractError(.invalidArgument, "score \(score) outside 1...5") }
        guard s.feedbackScore == nil else { throw ContractError(.alreadyExists, "feedback already given") }
        s.feedbackScore = score
        updateMetrics(rad) {
            $0.feedbackSum += UInt64(score)
            $0.feedbackCount += 1
        }
        recordSatisfactionScore(score, radiologist: rad)
        emit(.feedback(study: id, radiologist: rad, score: score))
        if let v = genesis.valueBased, s.holdback > 0, s.sampling == .notSampled {
            resolveHoldback(&s, release: score >= v.feedbackThreshold, qualityPoint: score >= v.feedbackThreshold)
        }
        saveStudy(s)
        appendLabels(labels, of: s, adjudicator: sender, source: .referrerFeedback)
    }

    /// A RADPEER score from an eligible reviewer who is not the author, on a study sampled for review. Updates the
    /// author's discrepancy metrics, resolves a hold-back, and appends any adjudicated labels to the dataset.
    mutating func submitPeerReview(
        _ id: UInt64, score: ReviewScore, labels: [FindingLabel], sender: Address
    ) throws(ContractError) {
        var s = try study(id)
        guard s.state == .reported, let author = s.assignee, s.sampledForReview, s.reviewer == nil else {
            throw ContractError(.wrongStudyState, "study is not awaiting peer review")
        }
        guard sender != author else { throw ContractError(.notEligible, "the author cannot review") }
        try checkEligible(sender, for: s, asReviewer: true)
        s.reviewer = sender
        s.reviewScore = score
        updateMetrics(author) {
            $0.reviewed += 1
            if score.isDiscrepancy { $0.discrepancies += 1 }
            if score.isClinicallySignificant { $0.significantDiscrepancies += 1 }
        }
        emit(.peerReview(study: id, radiologist: author, reviewer: sender, score: score))
        if s.holdback > 0 {
            resolveHoldback(&s, release: !score.forfeitsHoldback, qualityPoint: !score.forfeitsHoldback)
        }
        saveStudy(s)
        appendLabels(labels, of: s, adjudicator: sender, source: .peerReview)
    }

    /// Appends a study's adjudicated labels to the dataset with their provenance, once per study: the first
    /// adjudication (peer review, follow-up or confirmed feedback) is kept, and a later one of the same study adds
    /// nothing (the dataset counts adjudicated cases). Nothing happens for empty `labels`.
    mutating func appendLabels(_ labels: [FindingLabel], of s: Study, adjudicator: Address, source: LabelSource) {
        guard !labels.isEmpty, store.get(StateKeys.studyLabel(s.id)) == nil else { return }
        let seq = u64(StateKeys.nextLabel)
        setU64(StateKeys.nextLabel, seq + 1)
        setU64(StateKeys.studyLabel(s.id), seq)
        let record = LabelRecord(
            studyID: s.id, adjudicator: adjudicator, source: source, height: height, modality: s.order.modality,
            labelsHash: LabelRecord.labelsHash(labels), labels: labels)
        save(StateKeys.label(seq), record)
        emit(.labelAppended(seq: seq, study: s.id, labelsHash: record.labelsHash, source: source))
    }

    /// Pays the hold-back to the radiologist (optionally with a bonus quality point) or refunds it to the client.
    mutating func resolveHoldback(_ s: inout Study, release: Bool, qualityPoint: Bool) {
        guard s.holdback > 0, let rad = s.assignee else { return }
        let amount = s.holdback
        if release {
            credit(rad, amount)
            if qualityPoint {
                setU64(StateKeys.bonusPoints(rad), u64(StateKeys.bonusPoints(rad)) + 1)
            }
        } else {
            credit(s.client, amount)
        }
        if let v = genesis.valueBased {
            store.remove(StateKeys.holdback(s.reportedAtTicks.saturatingAdd(v.holdbackTimeoutTicks), s.id))
        }
        s.holdback = 0
        s.escrow = 0
        emit(release ? .holdbackReleased(study: s.id, amount: amount) : .holdbackForfeited(study: s.id, amount: amount))
    }

    // MARK: End of block

    /// Deterministic housekeeping after the block's transactions, in key order:
    /// 1. studies past their deadline and not reported: escrow refunded to the client, state `expired` (an
    ///    assignee loses the assignment and gets a missed deadline);
    /// 2. at the last height of a randomness epoch: the epoch's beacon, exclusions, and the peer-review draws of
    ///    the previous epoch's reports (`closeEpochIfLast`);
    /// 3. hold-backs past their time-out: released without a quality point (a study whose draw is still pending
    ///    waits for it);
    /// 4. at each bonus period boundary: the pool is paid out by the payout rule and points reset.
    /// The entries of a time-ordered index (`prefix` ‖ time ‖ id) that can be due at block time `now`: every key up
    /// to `now`'s bit pattern, in order (the loops below still stop at the first time after `now`, so a negative
    /// `now` keeps its old meaning). Visits only those, not the whole index (issue 16 item 1: the open deadlines
    /// grow with the market, blocks do not).
    func due(_ prefix: Bytes) -> [(key: Bytes, value: Bytes)] {
        let (next, overflow) = UInt64(bitPattern: now).addingReportingOverflow(1)
        return overflow ? store.scan(prefix: prefix) : store.scan(prefix: prefix, below: prefix + next.bigEndianBytes)
    }

    mutating func endBlock() {
        for (key, _) in due(StateKeys.deadlinePrefix) {
            let deadline = Int64(bitPattern: key.readBigEndianUInt64(at: StateKeys.deadlinePrefix.count))
            guard deadline <= now else { break }
            let id = key.readBigEndianUInt64(at: StateKeys.deadlinePrefix.count + 8)
            store.remove(key)
            guard var s = try? study(id) else { continue }
            guard s.state == .open || s.state == .bidding || s.state == .assigned else { continue }
            if s.state == .assigned, let rad = s.assignee {
                updateMetrics(rad) {
                    $0.active -= 1
                    $0.missedDeadlines += 1
                }
            }
            for (k, _) in store.scan(prefix: StateKeys.bids(id)) { store.remove(k) }
            store.remove(StateKeys.escalation(id))
            store.remove(StateKeys.premium(id))
            credit(s.client, s.escrow)
            emit(.studyExpired(study: id, refund: s.escrow, was: s.state))
            s.escrow = 0
            s.state = .expired
            saveStudy(s)
        }
        closeEpochIfLast()
        guard let v = genesis.valueBased else { return }
        for (key, _) in due(StateKeys.holdbackPrefix) {
            let due = Int64(bitPattern: key.readBigEndianUInt64(at: StateKeys.holdbackPrefix.count))
            guard due <= now else { break }
            let id = key.readBigEndianUInt64(at: StateKeys.holdbackPrefix.count + 8)
            let s0 = try? study(id)
            if s0?.sampling == .pending { continue }  // a later block releases it once drawn
            store.remove(key)
            guard var s = s0, s.holdback > 0 else { continue }
            resolveHoldback(&s, release: true, qualityPoint: false)
            saveStudy(s)
        }
        let start = Int64(bitPattern: store.get(StateKeys.bonusPeriodStart)?.readBigEndianUInt64() ?? 0)
        guard now >= start.saturatingAdd(v.bonusPeriodTicks) else { return }
        let periods = now.saturatingSubtract(start) / v.bonusPeriodTicks
        let next = start.saturatingAdd(periods.saturatingMultiply(v.bonusPeriodTicks))
        store.set(StateKeys.bonusPeriodStart, next.bigEndianBytes)
        payBonusPool(v.payout)
    }

    mutating func payBonusPool(_ rule: BonusPayoutRule) {
        var pool = u64(StateKeys.bonusPool)
        var entries = store.scan(prefix: StateKeys.bonusPointsPrefix).map { entry in
            (
                address: Array(entry.key.dropFirst(StateKeys.bonusPointsPrefix.count)),
                points: entry.value.readBigEndianUInt64()
            )
        }
        for (key, _) in store.scan(prefix: StateKeys.bonusPointsPrefix) { store.remove(key) }
        // Scored quality weights (genesis quality section): points become the weighted score in basis points, the
        // quality points × the discrepancy weight plus the period's follow-up, structured and satisfaction score.
        var unit: UInt64 = 1
        if let w = genesis.quality?.weights, w.scored {
            unit = 10_000
            var score: [Bytes: UInt64] = [:]  // looked up only; the order is the key scan's
            for e in entries { score[e.address, default: 0] += e.points * UInt64(w.discrepancy) }
            for (key, value) in store.scan(prefix: StateKeys.qualityScorePrefix) {
                score[Array(key.dropFirst(StateKeys.qualityScorePrefix.count)), default: 0] +=
                    value.readBigEndianUInt64()
                store.remove(key)
            }
            entries = score.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { (address: $0, points: score[$0]!) }
        }
        let total = entries.reduce(UInt64(0)) { $0 + $1.points }
        var paidTotal: UInt64 = 0
        var recipients = 0
        let qualified: [(address: Bytes, points: UInt64)]
        switch rule {
        case .proportionalToQualityPoints: qualified = entries.filter { $0.points > 0 }
        case .equalAmongQualified(let m): qualified = entries.filter { $0.points >= max(m, 1) * unit }
        }
        if pool > 0 && !qualified.isEmpty {
            for e in qualified {
                let share: UInt64
                switch rule {
                case .proportionalToQualityPoints:
                    share = UInt64((UInt128(pool) * UInt128(e.points)) / UInt128(total))
                case .equalAmongQualified:
                    share = pool / UInt64(qualified.count)
                }
                guard share > 0 else { continue }
                let rad = Address(bytes: e.address)
                credit(rad, share)
                paidTotal += share
                recipients += 1
                emit(.bonusPaid(radiologist: rad, amount: share))
            }
        }
        pool -= paidTotal
        setU64(StateKeys.bonusPool, pool)
        emit(.bonusPeriod(paid: paidTotal, recipients: recipients, carried: pool))
    }
}
