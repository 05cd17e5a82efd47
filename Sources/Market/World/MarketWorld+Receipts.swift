// Commits and receipts: each height's first commit is recorded, and each of our transactions' receipts is
// routed (by its `TxKind`) to what it was for. Receipts are read as typed `ContractEvent`s (`firstEvent`), never
// by event-type or attribute-key strings.

import Cluster
import Contracts
import Ledger
import MarketModel
import Network

extension MarketWorld {
    // MARK: Commits

    func committed(_ c: CommitRecord, node: Int) {
        observer = node
        let t = now
        var failed = 0
        for (tx, receipt) in zip(c.block.transactions, c.receipts) {
            if receipt.code != .ok { failed += 1 }
            guard let (kind, submitted) = gateway.committed(tx.hash) else { continue }
            recorder.committed(submitted: submitted, at: t)
            handle(kind, receipt, at: t)
        }
        endOfBlock(c, at: t)
        if !recorder.block(c, at: t, failed: failed) { cluster.stopRequested = true }
        if spec.progress != nil {
            let share = Double(t) / Double(max(1, spec.horizonTicks))
            if share - lastProgress >= 0.01 {
                lastProgress = share
                spec.progress?(share)
            }
        }
    }

    // MARK: Receipts

    /// The first value `pick` finds among the receipt's contract events. The contracts emit only canonical
    /// events, so one that does not decode is a broken invariant.
    func firstEvent<T>(_ r: Receipt, _ pick: (ContractEvent) -> T?) -> T? {
        let events: [ContractEvent]
        do { events = try r.contractEvents() } catch {
            preconditionFailure("receipt \(r.txHash.hex) carries a malformed contract event: \(error)")
        }
        for e in events { if let v = pick(e) { return v } }
        return nil
    }

    func handle(_ kind: TxKind, _ r: Receipt, at t: Int64) {
        let ok = r.code == .ok
        switch kind {
        case .setup, .attest, .update, .reveal, .consult, .consultReply:
            break
        case .propose, .approve:
            membershipCommitted(kind, r, at: t)
        case .register(let rad):
            let balance = ok ? cluster.nodes[observer].app.balance(of: rads[rad].address) : 0
            tell(rad, .registered(ok: ok, balance: balance))
        case .post(let s):
            let posted = firstEvent(r) { if case .studyPosted(let id, _, _, _, _, _, _) = $0 { id } else { nil } }
            guard ok, let id = posted else {
                studies[s].phase = .expired
                recorder.expired(s, at: t)
                return
            }
            studies[s].chainID = id
            byChainID[id] = s
            records[s].chainStudyID = id
            if records[s].firstCommitted == nil { records[s].firstCommitted = t }
            if terms.auction != nil, let st = cluster.nodes[observer].app.study(id) {
                // The windows run from the block's time (the proposer's clock), as the contract recorded them.
                studies[s].phase = .bidding
                studies[s].biddingEnds = st.biddingEndsAtTicks
                studies[s].revealEnds = st.revealEndsAtTicks
                at(studies[s].revealEnds + 2 * Self.second, .client(studies[s].client, .finalise(s)))
            } else {
                studies[s].phase = .open
                // An escalating offer's terms and posting time, as the contract recorded them.
                let app = cluster.nodes[observer].app
                if let e = app.escalatingOffer(id), let st = app.study(id) {
                    studies[s].escalation = (e.perHour, e.cap, st.postedAtTicks)
                }
                studies[s].premium = app.speedPremium(id)
            }
            insertIntoBook(s)
            at(studies[s].deadline + Self.second, .client(studies[s].client, .deadline(s)))
            announce(s)
        case .claim(let rad, let s), .assign(let rad, let s):
            tell(rad, .dropped(s))
            if ok {
                assigned(s, to: rad, receipt: r, at: t)
            } else {
                tell(rad, .reconsider)
            }
        case .grant(let s):
            guard ok, let rad = studies[s].assignee else { return }
            studies[s].granted = true
            tell(rad, .granted)
        case .commitBid(let rad, let s):
            if ok { studies[s].committedBids += 1 }
            if !ok {
                tell(rad, .dropped(s))
                studies[s].bids.removeAll { $0.rad == rad }
            }
        case .revealBid:
            break
        case .finalise(let s):
            for b in studies[s].bids { tell(b.rad, .dropped(s)) }
            let winner = firstEvent(r) { if case .auctionAwarded(_, let w, _, _) = $0 { w } else { nil } }
            let unsold = firstEvent(r) { if case .auctionUnsold = $0 { true } else { nil } } ?? false
            if ok, let winner, let rad = rads.first(where: { $0.address == winner })?.id {
                assigned(s, to: rad, receipt: r, at: t)
            } else if ok, unsold {
                removeFromBook(s)
                tell(studies[s].client, .unsold(s))
            }
            for b in studies[s].bids where b.rad != studies[s].assignee { tell(b.rad, .reconsider) }
        case .report(let rad, let s):
            reported(s, by: rad, receipt: r, ok: ok, at: t)
        case .review(_, let s):
            if ok {
                records[s].peerReviewed = true
                countLabel(r)
                resolveHoldback(s, r, at: t)
                let score = firstEvent(r) { if case .peerReview(_, _, _, let score) = $0 { score } else { nil } }
                if let author = studies[s].assignee {
                    tell(author, .checked(byReview: true, flagged: score?.isDiscrepancy ?? false))
                }
            }
        case .feedback(let s):
            if ok {
                countLabel(r)
                resolveHoldback(s, r, at: t)
                let score = firstEvent(r) { if case .feedback(_, _, let score) = $0 { score } else { nil } }
                let threshold = terms.valueBased?.feedbackThreshold ?? 3
                if let author = studies[s].assignee {
                    tell(author, .checked(byReview: false, flagged: Int(score ?? 5) < threshold))
                }
            }
        case .followUp(let s):
            if ok {
                records[s].followUpCompleted = true
                countLabel(r)
            }
        }
    }

    /// An adjudication's receipt: its label joined the AI's dataset on chain (not when labels are not shared, or
    /// the study was labelled before).
    func countLabel(_ r: Receipt) {
        if firstEvent(r, { if case .labelAppended = $0 { true } else { nil } }) ?? false { labels += 1 }
    }

    func resolveHoldback(_ s: StudyID, _ r: Receipt, at t: Int64) {
        if let a = firstEvent(r, { if case .holdbackReleased(_, let a) = $0 { a } else { nil } }) {
            settleHoldback(s, released: true, a, t)
        } else if let a = firstEvent(r, { if case .holdbackForfeited(_, let a) = $0 { a } else { nil } }) {
            settleHoldback(s, released: false, a, t)
        }
    }

    /// The study's hold-back of `amount` was paid to the radiologist (`released`) or refunded to the client at `t`.
    func settleHoldback(_ s: StudyID, released: Bool, _ amount: UInt64, _ t: Int64) {
        if released {
            records[s].radiologistPay += amount
        } else {
            records[s].pricePaid -= min(amount, records[s].pricePaid)
        }
        records[s].settled = t
        studies[s].holdback = 0
    }

    func assigned(_ s: StudyID, to r: RadiologistID, receipt: Receipt, at t: Int64) {
        removeFromBook(s)
        studies[s].phase = .assigned
        studies[s].assignee = r
        records[s].assigned = t
        let (price, pay): (UInt64, UInt64) =
            firstEvent(receipt) { if case .studyAssigned(_, _, let price, let pay) = $0 { (price, pay) } else { nil } }
            ?? (0, 0)
        records[s].pricePaid = price
        records[s].radiologistPay = 0
        records[s].intermediaryMargin = terms.isIntermediary ? price - min(price, pay) : 0
        records[s].radiologist = r.index
        recorder.assignment(price: price, at: t)
        tell(r, .assigned(s))
        tell(studies[s].client, .grant(s, to: r, key: rads[r].sealingKey))
    }

    func reported(_ s: StudyID, by r: RadiologistID, receipt: Receipt, ok: Bool, at t: Int64) {
        tell(r, .released(s))
        guard ok else { return }  // too late: the study expired (the client reposts)
        tell(r, .reportCommitted)
        studies[s].phase = .reported
        recorder.reported(s, at: t)
        let (paid, holdback): (UInt64, UInt64) =
            firstEvent(receipt) { if case .settlement(_, _, let p, _, _, let kept) = $0 { (p, kept) } else { nil } }
            ?? (0, 0)
        records[s].radiologistPay = paid
        // A speed premium met is part of the price paid (and of the pay above); a missed one was refunded.
        if let earned = firstEvent(receipt, { if case .premiumEarned(_, let a) = $0 { a } else { nil } }) {
            records[s].pricePaid += earned
        }
        studies[s].holdback = holdback
        if holdback == 0 { records[s].settled = t }
        let outcome = studies[s].outcome ?? ReadResult(classification: .trueNegative, discrepancy: .none)
        records[s].followUpRecommended = studies[s].recommendsFollowUp
        // Peer review when the chain sampled the study (at once only at a 100% rate; otherwise the draw comes in an
        // end-of-block event of a later height, `endOfBlock`).
        if firstEvent(receipt, { if case .studySampled = $0 { true } else { nil } }) ?? false {
            tellPeerReview(.sampled(s, author: r, at: t))
        }
        // Referrer feedback: a noisy function of quality and turnaround.
        let c = studies[s].client
        tellReferrers(of: c, .reported(s, discrepancy: outcome.discrepancy, at: t))
        if studies[s].recommendsFollowUp { at(t + 7 * Self.day, .client(c, .followUp(s))) }
    }
}
