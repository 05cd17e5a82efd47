// The world as driver: it hands an event to an actor with what the actor may see of the market (`view()`), then
// carries out the actions returned, in order: transactions through the gateway, timers on the cluster's clock,
// changes to the studies and the book, records.

import Contracts
import DiscreteEvent
import Ledger
import MarketModel

extension MarketWorld {
    // MARK: Transactions

    /// Signs and sends a transaction (the gateway's actions, in order).
    func submit(_ message: Message, as party: PartyID, kind: TxKind) {
        let signed = gateway.submit(message, as: party, kind: kind, now: now)
        // A client's fees for a study count towards what the study cost it.
        if let s = kind.clientStudy { records[s].clientFees += signed.fee }
        perform(signed.actions)
    }

    func perform(_ actions: [ChainGateway.Action]) {
        for a in actions {
            switch a {
            case .send(let tx, let node, let t): cluster.inject(tx, to: node, at: SimTime(ticks: t))
            case .checkCommitted(let k, let t): at(t, .resubmit(tx: k))
            }
        }
    }

    // MARK: Radiologists

    func tell(_ r: RadiologistID, _ event: Radiologist.Event) {
        let actions = rads[r].handle(event, in: view())
        for a in actions {
            switch a {
            case .submit(let m, let kind): submit(m, as: .radiologist(r), kind: kind)
            case .attest(let m): submit(m, as: .authority, kind: .attest(rad: r))
            case .schedule(let timer, let t): at(t, .radiologist(r, timer))
            case .requestDispatch: tellIntermediary(.wake)
            case .bid(let s, let price, let turnaround):
                studies[s].bids.append(SealedBid(rad: r, price: price, turnaround: turnaround))
            case .readStarted(let s):
                studies[s].readsStarted += 1
                recorder.readStarted(s, at: now)
            case .readFinished(let s, let result):
                studies[s].outcome = result.outcome
                studies[s].recommendsFollowUp = result.followUp
                recorder.read(s, result, at: now)
            case .consult(let s, let reply):
                // The request goes on chain now; the client records the referrers' reply when it comes, and until
                // then it counts in their load.
                studies[s].consulted = true
                recorder.consult(s, reply)
                guard let id = studies[s].chainID else { break }
                submit(.requestConsult(studyID: id), as: .radiologist(r), kind: .consult(rad: r, study: s))
                let c = studies[s].client
                pendingConsults[c.index] += 1
                at(now + reply.delayTicks, .client(c, .consultReply(s, chainID: id, answered: reply.answered)))
            case .day(let record):
                recorder.day(record)
                if record.exited,
                    let replacement = rads.ids.first(where: {
                        rads[$0].isReplacement && !rads[$0].joined && rads[$0].cohortIndex == rads[r].cohortIndex
                    })
                {
                    at(now, .radiologist(replacement, .join))
                }
            }
        }
    }

    /// A new study is on chain: the intermediary dispatches; on-shift radiologists look after a reaction delay.
    func announce(_ s: StudyID) {
        if terms.isIntermediary {
            tellIntermediary(.wake)
            return
        }
        for r in rads.ids { tell(r, .announced(s)) }
    }

    func dayEnd() {
        let app = cluster.nodes[observer].app
        for r in rads.ids {
            let balance = app.balance(of: rads[r].address)
            let fees = gateway.takeFeesToday(r)
            tell(r, .dayEnd(balance: balance, fees: fees, day: dayNumber))
        }
        dayNumber += 1
        dayStart = now
        if now + Self.day <= spec.horizonTicks { at(now + Self.day, .dayEnd) }
    }

    // MARK: Clients and referrers

    func tell(_ c: ClientID, _ event: Client.Event) {
        let actions = clients[c].handle(event, in: view())
        for a in actions {
            switch a {
            case .schedule(let timer, let t): at(t, .client(c, timer))
            case .open(let g):
                recorder.open(g, client: clients[c].name, group: clients[c].group, posted: now)
                var local = LocalStudy(generated: g, client: c)
                local.clinicalContext = clinicalContext(g, clients[c].group)
                studies.append(local)
                let s = StudyID(studies.count - 1)
                records[s].clinicalContext = local.clinicalContext
                tell(c, .post(s, deadline: nil, candidates: routingCandidates(for: s)))
            case .posting(let s, let deadline, let maxPrice):
                studies[s].deadline = deadline
                studies[s].maxPrice = maxPrice
                studies[s].escalation = nil
                studies[s].premium = nil
                studies[s].phase = .posting
                studies[s].assignee = nil
                studies[s].granted = false
                studies[s].bids = []
                studies[s].committedBids = 0
                studies[s].outcome = nil
            case .repost(let s, let deadline):
                records[s].reposts += 1
                if deadline == nil { studies[s].deadlineReposts += 1 }
                tell(c, .post(s, deadline: deadline, candidates: routingCandidates(for: s)))
            case .withdraw(let s):
                removeFromBook(s)
                // A read in progress runs to its end (the reader learns of the expiry when its report fails).
                if let r = studies[s].assignee { tell(r, .released(s)) }
            case .awaitRebid(let s): studies[s].phase = .arrived
            case .expire(let s):
                studies[s].phase = .expired
                recorder.expired(s, at: now)
            case .submit(let m, let kind): submit(m, as: .client(c), kind: kind)
            case .consultClosed: pendingConsults[c.index] -= 1
            }
        }
    }

    /// Whether the reader of `g` has a clinical question: the requisition's own, or, with data sharing, the shared
    /// summary's, which fills the gap with the probability that lifts the client's share to the design's level (a
    /// uniform keyed by the study, `context.<client>/<source>/<sequence>`, a stream no other draw uses, so a design
    /// without data sharing draws nothing).
    func clinicalContext(_ g: GeneratedStudy, _ group: ClientGroup) -> Bool {
        if g.study.requisitionHasClinicalQuestion { return true }
        guard let d = terms.dataSharing else { return false }
        var u = streams.keyedDraws.generator("context.\(g.study.key)")
        return u.uniformPositive() < d.fillProbability(requisitionQuality: group.requisitionQuality)
    }

    /// Under posted prices, what the client's routing software sees of the radiologists eligible for the study:
    /// their public price, median turnaround, discrepancy rate, feedback and subspecialties on the committed chain.
    func routingCandidates(for s: StudyID) -> [RoutingCandidate] {
        guard case .postedPrice = terms.mechanism else { return [] }
        let app = cluster.nodes[observer].app
        let study = studies[s].generated.study
        var candidates: [RoutingCandidate] = []
        // Read in place through buffer pointers: a radiologist or study is never copied whole to test eligibility.
        let eligible = rads.withUnsafeBufferPointer { rs in
            studies.withUnsafeBufferPointer { ss in
                rads.ids.compactMap { r in
                    rs[r.index].isEligible(for: ss[s.index], self.terms) ? (r, rs[r.index].address) : nil
                }
            }
        }
        for (r, address) in eligible {
            guard let p = app.profile(of: address, memo: recordMemo), p.available,
                let price = p.price(for: study.modality, study.urgency)
            else { continue }
            let m = app.metrics(of: address, memo: recordMemo)
            candidates.append(
                RoutingCandidate(
                    id: r.index, price: price, medianTurnaroundTicks: m.medianTurnaroundTicks,
                    discrepancyRate: m.reviewed > 0 ? Double(m.discrepancies) / Double(m.reviewed) : nil,
                    meanFeedback: m.meanFeedbackMilli.map { Double($0) / 1000 }, subspecialties: p.subspecialties))
        }
        return candidates
    }

    func tellReferrers(of c: ClientID, _ event: Referrer.Event) {
        for a in referrers[c.index].handle(event, in: view()) {
            switch a {
            case .feedback(let s, let score, let confirmed, let t):
                records[s].feedback = score
                at(t, .client(c, .feedback(s, score: score, confirmed: confirmed)))
            }
        }
    }

    // MARK: The intermediary and peer review

    func tellIntermediary(_ event: Intermediary.Event) {
        let actions = intermediary.handle(event, in: view(), radiologists: rads)
        for a in actions {
            switch a {
            case .schedule(let t): at(t, .dispatch)
            case .dispatched(let s, let r):
                tell(r, .dispatched(s))
                studies[s].phase = .assigned  // in flight; corrected if the assignment fails
            case .submit(let m, let kind): submit(m, as: .intermediary, kind: kind)
            }
        }
    }

    func tellPeerReview(_ event: PeerReviewer.Event) {
        let actions = peerReviewer.handle(event, in: view(), radiologists: rads)
        for a in actions {
            switch a {
            case .schedule(let r, let s, let t):
                studies[s].reviewer = r
                at(t, .peerReview(reviewer: r, study: s))
            case .scored(let s, let score, let detected):
                records[s].reviewScore = score
                records[s].detected = detected
            case .submit(let r, let m, let kind): submit(m, as: .radiologist(r), kind: kind)
            }
        }
    }

    // MARK: The book and samples

    func insertIntoBook(_ s: StudyID) { orders.insert(BookOrder(s, studies[s], posted: records[s].posted)) }

    func removeFromBook(_ s: StudyID) { orders.remove(s) }

    /// The hourly sample. The work in system is the recorder's count of studies posted and not closed, whatever
    /// phase each is in; of them, those held by their assignee are in progress.
    func sample() {
        var inProgress = Set<StudyID>()
        for r in rads.ids { for s in rads[r].held where studies[s].assignee == r { inProgress.insert(s) } }
        let onShift = rads.filter { $0.onShift && $0.active }
        let reading = onShift.filter { $0.reading != nil }.count
        recorder.sample(
            at: now, inProgress: inProgress, onShift: onShift.count, reading: reading,
            activeRadiologists: rads.filter(\.active).count,
            burnedOut: rads.filter { $0.active && $0.burnout.isBurnedOut(stock: $0.stock) }.count,
            datasetSize: model.ai.initialDataset + labels)
        if now + Self.hour <= spec.horizonTicks { at(now + Self.hour, .sample) }
    }
}
