// Commits and receipts: each height's first commit is recorded, and each of our transactions' receipts is
// routed (by its `TxKind`) to what it was for. The functions that read receipt events (`attribute`, `handle`,
// `resolveHoldback`, `assigned`, `reported`) stay whole units here.

import Contracts
import Ledger
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

    func attribute(_ r: Receipt, _ type: String, _ key: String) -> String? {
        for e in r.events where e.type == type {
            for a in e.attributes where a.key == key { return a.value }
        }
        return nil
    }

    func handle(_ kind: TxKind, _ r: Receipt, at t: Int64) {
        let ok = r.code == .ok
        switch kind {
        case .setup, .attest, .update:
            break
        case .register(let rad):
            let balance = ok ? cluster.nodes[observer].app.balance(of: rads[rad].address) : 0
            tell(rad, .registered(ok: ok, balance: balance))
        case .post(let s):
            guard ok, let id = attribute(r, "study.posted", "study").flatMap(UInt64.init) else {
                studies[s].phase = .expired
                records[s].status = "expired"
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
            if ok, let winner = attribute(r, "auction.awarded", "winner"),
                let rad = rads.first(where: { $0.address.hex == winner })?.id
            {
                assigned(s, to: rad, receipt: r, at: t)
            } else if ok, attribute(r, "auction.unsold", "study") != nil {
                removeFromBook(s)
                tell(studies[s].client, .unsold(s))
            }
            for b in studies[s].bids where b.rad != studies[s].assignee { tell(b.rad, .reconsider) }
        case .report(let rad, let s):
            reported(s, by: rad, receipt: r, ok: ok, at: t)
        case .review(_, let s):
            if ok {
                records[s].peerReviewed = true
                labels += 1  // the adjudicated label joined the dataset on chain
                resolveHoldback(s, r, at: t)
            }
        case .feedback(let s):
            if ok { resolveHoldback(s, r, at: t) }
        case .followUp(let s):
            if ok { records[s].followUpCompleted = true }
        }
    }

    func resolveHoldback(_ s: StudyID, _ r: Receipt, at t: Int64) {
        if let a = attribute(r, "holdback.released", "amount").flatMap(UInt64.init) {
            records[s].radiologistPay += a
            records[s].settled = t
            studies[s].holdback = 0
        } else if let a = attribute(r, "holdback.forfeited", "amount").flatMap(UInt64.init) {
            records[s].pricePaid -= min(a, records[s].pricePaid)
            records[s].settled = t
            studies[s].holdback = 0
        }
    }

    func assigned(_ s: StudyID, to r: RadiologistID, receipt: Receipt, at t: Int64) {
        removeFromBook(s)
        studies[s].phase = .assigned
        studies[s].assignee = r
        records[s].assigned = t
        let price = attribute(receipt, "study.assigned", "price").flatMap(UInt64.init) ?? 0
        let pay = attribute(receipt, "study.assigned", "pay").flatMap(UInt64.init) ?? 0
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
        studies[s].phase = .reported
        records[s].reportCommitted = t
        records[s].status = "reported"
        let paid = attribute(receipt, "settlement", "paid").flatMap(UInt64.init) ?? 0
        let holdback = attribute(receipt, "settlement", "holdback").flatMap(UInt64.init) ?? 0
        records[s].radiologistPay = paid
        studies[s].holdback = holdback
        if holdback == 0 { records[s].settled = t }
        let outcome = studies[s].outcome ?? ReadOutcome(classification: .trueNegative, discrepancy: .none)
        records[s].followUpRecommended = outcome.reportsFinding
        // Peer review when the chain sampled the study.
        if attribute(receipt, "study.sampled", "study") != nil {
            tellPeerReview(.sampled(s, author: r, at: t))
        }
        // Referrer feedback: a noisy function of quality and turnaround.
        let c = studies[s].client
        tellReferrers(of: c, .reported(s, discrepancy: outcome.discrepancy, at: t))
        if outcome.reportsFinding { at(t + 7 * Self.day, .client(c, .followUp(s))) }
    }
}
