// A radiologist's shifts, pace, reads and days: the `Radiologist` transitions that draw its read times and read
// outcomes from each study's keyed uniforms (`ReadDraws`) and its burnout from its own stream.

import Contracts
import DiscreteEvent
import Ledger
import MarketModel

extension Radiologist {
    // MARK: Shifts

    /// Sets the timer of the first shift starting at or after `t` (within the horizon).
    mutating func scheduleNextShift(after t: Int64, _ market: MarketView, _ out: inout [Action]) {
        guard active, !shiftDays.isEmpty else { return }
        let start = Int64(cohort.shift.startHour) * SimTime.ticksPerHour
        var day = t / SimTime.ticksPerDay
        while true {
            let begin = day * SimTime.ticksPerDay + start
            if begin >= t && shiftDays.contains(Int(day % 7)) { break }
            day += 1
        }
        let begin = day * SimTime.ticksPerDay + start
        if begin < market.terms.horizonTicks { out.append(.schedule(.shiftStart, at: begin)) }
    }

    /// Whether the radiologist's next shift begins as this one ends (round-the-clock rosters).
    var continuesAfterShift: Bool {
        let day = shiftEnd / SimTime.ticksPerDay
        let start = Int64(cohort.shift.startHour) * SimTime.ticksPerHour
        return day * SimTime.ticksPerDay + start == shiftEnd && shiftDays.contains(Int(day % 7))
    }

    mutating func startShift(_ market: MarketView, _ out: inout [Action]) {
        guard active else { return }
        let now = market.now
        var length = cohort.shift.lengthTicks
        if hoursCut { length -= length * Int64(cohort.burnout.hoursCutBasisPoints) / 10_000 }
        onShift = true
        shiftStart = now
        shiftEnd = now + length
        readsThisShift = 0
        shiftWRVU = 0
        pace = choosePace(shiftHours: Double(length) / Double(SimTime.ticksPerHour), market.terms)
        publish(market, &out)  // available from now
        out.append(.schedule(.shiftEnd, at: now + length))
        if market.terms.isIntermediary {
            out.append(.requestDispatch)
        } else {
            requestConsider(delay: SimTime.ticksPerSecond, market, &out)
        }
        startNextRead(market, excluding: nil, &out)
    }

    mutating func endShift(_ market: MarketView, _ out: inout [Action]) {
        onShift = false
        publish(market, &out)  // no longer available for new work (it finishes what it holds)
        dayShiftTicks += market.now - max(shiftStart, market.dayStart)
        scheduleNextShift(after: market.now, market, &out)
    }

    /// The pace the pay terms make worthwhile (PaceChoice): per-read pay rewards speed; under value-based
    /// settlement a detected error forfeits the read's hold-back and the quality point its bonus share pays, and
    /// the radiologist expects detection at the rates it has seen its own reads reviewed and scored
    /// (``expectedLossPerError(typicalPay:_:)``).
    func choosePace(shiftHours: Double, _ terms: MarketTerms) -> Double {
        guard !cohort.pace.isFixedAtOne else { return 1 }
        let model = terms.model
        // The market's study mix (volume-weighted over every client), read at this radiologist's speed and paid
        // under this design's terms.
        var weight = 0.0
        var readTicks = 0.0
        var pay = 0.0
        var prevalence = 0.0
        var wRVU = 0.0
        for group in terms.clientGroups {
            for v in group.volumes {
                let w = v.studiesPerDay
                weight += w
                prevalence += w * v.findingPrevalence
                wRVU += w * model.studyWRVU[v.modality]
                readTicks += w * readingTime.meanTicks(v.modality, speedFactor: speedFactor, pace: 1)
                if case .intermediary(let i) = terms.mechanism {
                    pay += w * Double(Intermediary.pay(for: v.modality, i, model))
                } else {
                    pay += w * Double(pricing.price(for: v.modality, urgency: v.urgency, multiplier: priceMultiplier))
                }
            }
        }
        guard weight > 0 else { return 1 }
        let meanReadHours = readTicks / weight / Double(SimTime.ticksPerHour)
        let typicalPay = pay / weight
        let payTerms = PaceChoice.Terms(
            payPerRead: typicalPay, expectedLossPerError: expectedLossPerError(typicalPay: typicalPay, terms))
        return PaceChoice(errorModel: errorModel).choose(
            terms: payTerms, meanReadHours: meanReadHours, shiftHours: shiftHours, prevalence: prevalence / weight,
            equivalentsPerRead: wRVU / weight / model.studyWRVU[.ct], burnedOut: burnout.isBurnedOut(stock: stock))
    }

    /// Pseudo-reads of prior weight on the configured review and feedback rates when the radiologist updates its
    /// belief from its own reads (100 **[assumption]**: a few days of reads before its own record dominates).
    static let priorReads = 100.0

    /// The radiologist's belief about the share of its reads that are peer-reviewed and that get referrer feedback:
    /// Beta posteriors centred on the configured rates, updated with what it has seen on its own reports.
    func believedCheckRates(_ model: MarketParameters) -> (review: Double, feedback: Double) {
        let n = Self.priorReads
        let reviewPrior = Double(model.peerReview.rateBasisPoints) / 10_000
        let feedbackPrior = model.referrers.feedbackProbability
        return (
            (n * reviewPrior + Double(reviewsSeen)) / (n + Double(reportsMade)),
            (n * feedbackPrior + Double(feedbackSeen)) / (n + Double(reportsMade))
        )
    }

    /// Probability that feedback on a read whose error the referrer noticed falls below the release threshold
    /// (0.5 **[assumption]**: a noticed major discrepancy scores about 1–2, a noticed minor one about 3, the
    /// threshold; ``ReferrerFeedback``).
    static let lowScoreGivenNoticedError = 0.5
    /// Share of feedback on unreviewed reads that earns a quality point (0.9 **[assumption]**: most reads are
    /// correct and on time).
    static let favourableFeedbackShare = 0.9

    /// What a reading error is expected to cost: the liability the reader bears, plus, under value-based
    /// settlement, the chance the error is detected times what detection forfeits (the read's hold-back and the
    /// quality point whose share of the bonus pool it would have earned).
    ///
    /// Detection = review rate × reviewer detection + (unreviewed) feedback rate × P(a noticed error scores below
    /// the release threshold), each rate as the radiologist believes it (``believedCheckRates``). A quality point
    /// is worth the levy on a read divided by the points earned per read (reviews that concur plus favourable
    /// feedback on unreviewed reads).
    func expectedLossPerError(typicalPay: Double, _ terms: MarketTerms) -> Double {
        guard let v = terms.valueBased else { return PaceChoice.expectedLossPerError() }
        let model = terms.model
        let rates = believedCheckRates(model)
        let feedbackDetects = ReferrerFeedback().noticeProbability * Self.lowScoreGivenNoticedError
        let detection =
            rates.review * model.peerReview.detectionProbability + (1 - rates.review) * rates.feedback
            * feedbackDetects
        let pointsPerRead =
            rates.review * (1 - model.peerReview.falseDiscrepancyProbability) + (1 - rates.review) * rates.feedback
            * Self.favourableFeedbackShare
        let levy = typicalPay * Double(v.levyBasisPoints) / 10_000
        let pointValue = pointsPerRead > 0 ? levy / pointsPerRead : 0
        let holdback = typicalPay * Double(v.holdbackBasisPoints) / 10_000
        return PaceChoice.expectedLossPerError(
            holdback: holdback, detectionProbability: detection, bonusLostPerDetectedError: pointValue)
    }

    // MARK: Reading

    /// Starts reading the held, granted study with the earliest deadline, a speed premium's promise counting as
    /// its deadline (not `excluding`, just read).
    mutating func startNextRead(_ market: MarketView, excluding done: StudyID?, _ out: inout [Action]) {
        guard reading == nil, active else { return }
        let now = market.now
        let studies = market.studies
        // Radiologists finish what they hold, even past the shift's end; they start nothing new off shift unless
        // they hold it.
        let ready = held.filter {
            $0 != done && studies[$0].granted && studies[$0].phase == .assigned && studies[$0].outcome == nil
        }
        guard let s = ready.min(by: { (studies[$0].readBy, $0) < (studies[$1].readBy, $1) }) else { return }
        guard onShift || now < shiftEnd + 4 * SimTime.ticksPerHour else { return }
        reading = s
        readingChainID = studies[s].chainID
        readingSince = now
        out.append(.readStarted(s))
        let m = studies[s].generated.study.modality
        let aiEffect = market.terms.ai != nil ? market.terms.model.ai.readingTimeEffectBasisPoints : 0
        // The study's own uniforms for this read attempt (common random numbers per study, `ReadDraws`).
        let draws = ReadDraws(
            study: studies[s].generated.study.key, attempt: studies[s].readsStarted + 1, keyed: keyedDraws)
        readingDraws = draws
        var ticks = readingTime.sampleTicks(
            m, speedFactor: speedFactor, pace: pace, aiEffectBasisPoints: aiEffect, uniform: draws.readingTime)
        // Report quality (the `quality` section): a structured report, at its time cost, from the study's own
        // quality uniforms (`QualityDraws`), more often when the value-based design weights structured reports.
        readingStructured = nil
        readingQuality = nil
        if let q = market.terms.model.quality {
            let quality = QualityDraws(
                study: studies[s].generated.study.key, attempt: studies[s].readsStarted + 1, keyed: keyedDraws)
            let structured =
                quality.structured < q.structuredProbability(weight: market.terms.valueBased?.weights.structured ?? 0)
            readingQuality = quality
            readingStructured = structured
            if structured {
                ticks = Int64((Double(ticks) * (1 + Double(q.structuredTimeCostBasisPoints) / 10_000)).rounded())
            }
        }
        // A hard or ambiguous read: ask the referrer and hold the read for the reply and any conversation ("time
        // spent talking is time spent not reading").
        readingConsult = nil
        if let c = market.terms.consults, studies[s].chainID != nil, !studies[s].consulted {
            let model = market.terms.model
            let expected = conditions(
                for: studies[s], at: now, wRVU: shiftWRVU + model.studyWRVU[m], ctWRVU: model.studyWRVU[.ct])
            if !studies[s].clinicalContext, errorModel.missProbability(expected) >= c.hardMissProbability {
                let reply = Referrer.consultReply(
                    c, study: studies[s].generated.study.key, attempt: studies[s].readsStarted + 1,
                    pending: market.pendingConsults[studies[s].client.index], keyed: keyedDraws)
                readingConsult = reply
                out.append(.consult(s, reply))
            }
        }
        out.append(.schedule(.readDone, at: now + ticks + (readingConsult?.holdTicks ?? 0)))
    }

    /// The read conditions for `study` at `now` with `wRVU` read on the shift so far (this read included): shift
    /// volume in CT equivalents (wRVU ÷ a CT's wRVU: Ivanovic's threshold of 26 studies a shift was measured on
    /// neuroradiology CT and MR, so 26 radiographs are not 26 studies' worth of load), projected to the shift;
    /// a clinical question when the requisition or the shared summary gives one.
    func conditions(for study: LocalStudy, at now: Int64, wRVU: Double, ctWRVU: Double) -> ReadConditions {
        let hoursIn = Double(max(0, now - shiftStart)) / Double(SimTime.ticksPerHour)
        let shiftHours = Double(shiftEnd - shiftStart) / Double(SimTime.ticksPerHour)
        let equivalents = Int((wRVU / ctWRVU).rounded())
        return ReadConditions(
            pace: pace, hoursIntoShift: hoursIn,
            shiftVolume: ErrorModel.projectedShiftVolume(
                readSoFar: max(0, equivalents - 1), hoursIntoShift: hoursIn, shiftHours: shiftHours),
            burnedOut: burnout.isBurnedOut(stock: stock), goodRequisition: study.clinicalContext)
    }

    /// The read under way ends: its outcome is drawn at the read's conditions and reported, unless the assignment
    /// expired meanwhile.
    mutating func finishRead(_ market: MarketView, _ out: inout [Action]) {
        guard let s = reading else { return }
        let now = market.now
        let model = market.terms.model
        let study = market.studies[s]
        reading = nil
        dayReadTicks += now - readingSince
        if !onShift {
            // Overtime: finishing held work after the shift counts as hours worked.
            dayShiftTicks += now - max(readingSince, shiftEnd, market.dayStart)
        }
        dayReads += 1
        let m = study.generated.study.modality
        dayWRVU += model.studyWRVU[m]
        readsThisShift += 1
        shiftWRVU += model.studyWRVU[m]
        let hoursIn = Double(max(0, now - shiftStart)) / Double(SimTime.ticksPerHour)
        var conditions = conditions(for: study, at: now, wRVU: shiftWRVU, ctWRVU: model.studyWRVU[.ct])
        // An answered consult gives the clinical question and lowers the odds of a miss (issue 18 item 1).
        if let reply = readingConsult, reply.answered, let c = market.terms.consults {
            conditions.goodRequisition = true
            conditions.consultMissOddsRatio = c.missOddsRatio
        }
        readingConsult = nil
        let truth = study.generated.study.truth
        guard study.chainID == readingChainID, study.assignee == id, study.phase == .assigned else {
            // The assignment expired during the read and the study went to someone else: the read is wasted.
            held.removeAll { $0 == s }
            startNextRead(market, excluding: s, &out)
            if onShift { requestConsider(delay: SimTime.ticksPerSecond, market, &out) }
            return
        }
        guard let draws = readingDraws else { preconditionFailure("a read ends that never started") }
        let outcome = errorModel.read(
            truth: truth, conditions: conditions, ai: market.terms.ai, modality: m, datasetSize: market.datasetSize,
            draws: draws)
        let errorProbability =
            truth.hasFinding ? errorModel.missProbability(conditions) : errorModel.overcallProbability(conditions)
        // The follow-up recommendation: one for a reported finding, none for a normal read, except (the `quality`
        // section) when the read's follow-up uniform falls below the inappropriate-recommendation probability.
        var recommends = outcome.reportsFinding
        var within = 30 * SimTime.ticksPerDay
        if let q = model.quality, let quality = readingQuality {
            within = q.recommendedWithinTicks
            let weight = market.terms.valueBased?.weights.followUpAppropriate ?? 0
            if quality.followUp < q.inappropriateProbability(weight: weight) { recommends.toggle() }
        }
        let finding: [UInt16] = outcome.reportsFinding ? [truth.hasFinding ? truth.findingCode : 999] : []
        let follow = recommends ? FollowUp(code: 1, withinTicks: within) : nil
        let structured = readingStructured
        let report = ReportSubmission(
            reportHash: Hash.sha256(
                domain: "readchain/market/report", Array(market.records[s].key.utf8), bytesBE(study.chainID ?? 0)),
            findings: finding, followUp: follow, structured: structured ?? false, aiFinding: outcome.aiSaysFinding)
        out.append(
            .readFinished(
                s,
                FinishedRead(
                    outcome: outcome, hoursIntoShift: hoursIn, shiftVolume: conditions.shiftVolume, pace: pace,
                    errorProbability: errorProbability, followUp: recommends, structured: structured,
                    followUpAppropriate: market.terms.quality?.judge(report))))
        if let id = study.chainID, study.phase == .assigned, now <= study.deadline {
            out.append(.submit(.submitReport(studyID: id, report: report), .report(rad: self.id, study: s)))
        } else {
            held.removeAll { $0 == s }
        }
        // The study just read has its outcome now (the market sees it once the world records the read).
        startNextRead(market, excluding: s, &out)
        if onShift { requestConsider(delay: SimTime.ticksPerSecond, market, &out) }
    }

    // MARK: Days

    /// The day ends: hours and income tallied, burnout updated (it may leave or cut its hours), the day recorded,
    /// and an income-target price list adjusted.
    mutating func endDay(balance: UInt64, fees: UInt64, day: Int, _ market: MarketView, _ out: inout [Action]) {
        if onShift { dayShiftTicks += market.now - max(shiftStart, market.dayStart) }
        let wasActive = active
        let income = balance + fees > lastBalance ? balance + fees - lastBalance : 0
        lastBalance = balance
        var record: RadiologistDayRecord?
        if wasActive {
            stock = burnout.update(stock: stock, workloadWRVU: dayWRVU, sustainable: sustainableWRVU)
            let u = behaviourStream.uniform()
            let v = behaviourStream.uniform()
            var exited = false
            var cut = false
            if u < burnout.dailyExitProbability(stock: stock) {
                exited = true
                leave(market, &out)
            } else if !hoursCut, v < burnout.dailyHoursCutProbability(stock: stock) {
                hoursCut = true
                cut = true
            }
            let today = RadiologistDayRecord(
                radiologist: id.index, cohort: cohort.name, day: day,
                hoursOnShift: Double(dayShiftTicks) / Double(SimTime.ticksPerHour),
                hoursReading: Double(dayReadTicks) / Double(SimTime.ticksPerHour), reads: dayReads, wRVU: dayWRVU,
                income: income, pace: pace, burnout: stock, burnedOut: burnout.isBurnedOut(stock: stock),
                active: active, exited: exited, cutHours: cut)
            record = today
            out.append(.day(today))
        }
        dayShiftTicks = 0
        dayReadTicks = 0
        dayReads = 0
        dayWRVU = 0
        // Income-target pricing adjusts daily; a changed price list is published on chain. (Still active, it
        // was active all day, so `record` is today's.)
        if active, cohort.pricing.strategy == .incomeTarget {
            let hours = record?.hoursOnShift ?? 0
            let perHour = hours > 0 ? Double(income) / hours : 0
            let utilisation = hours > 0 ? (record?.hoursReading ?? 0) / hours : 0
            let next = pricing.dailyAdjustment(
                multiplier: priceMultiplier, incomePerHour: perHour, utilisation: utilisation)
            if hours > 0, abs(next - priceMultiplier) > 1e-9 {
                priceMultiplier = next
                publish(market, &out)
            }
        }
    }

    /// The radiologist leaves the market: publishes unavailability; what it holds expires and is reposted.
    mutating func leave(_ market: MarketView, _ out: inout [Action]) {
        active = false
        onShift = false
        publish(market, &out)
    }
}
