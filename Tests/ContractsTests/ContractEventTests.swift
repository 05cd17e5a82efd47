import Contracts
import Ledger
import Testing

/// `ContractEvent`: each case round-trips through its Ledger `Event`, the encoding keeps the bytes the chain has
/// always carried, and every malformed event is refused with the key that is wrong.
@Suite struct ContractEventTests {
    static let a = Address(bytes: Array(repeating: 0xab, count: 20))
    static let b = Address(bytes: (0..<20).map { UInt8($0) })

    /// One or more values of every case, with edge values where a field has them.
    static let samples: [ContractEvent] = [
        .txFee(payer: a, amount: 10, message: "postStudy"),
        .txFee(payer: b, amount: 0, message: ""),
        .transfer(from: a, to: b, amount: .max),
        .attestationIssued(subject: a, kind: .licence, expiresAtTicks: 86_400_000_000),
        .attestationIssued(subject: b, kind: .clientCredential, expiresAtTicks: .min),
        .attestationRevoked(subject: a, kind: .board),
        .attestationRevoked(subject: b, kind: .subspecialty),
        .radiologistRegistered(radiologist: a),
        .radiologistUpdated(radiologist: b),
        .studyPosted(
            study: 0, client: a, modality: .ct, urgency: .stat, jurisdiction: "US-CA", maxPrice: 4_000,
            deadlineTicks: 10_800_000_000),
        .studyPosted(
            study: .max, client: b, modality: .pet, urgency: .routine, jurisdiction: "", maxPrice: 1,
            deadlineTicks: -1),
        .studyCancelled(study: 3, refund: 2_000),
        .studyAssigned(study: 1, radiologist: a, price: 3_000, pay: 2_400),
        .bidCommitted(study: 4, bidder: b),
        .bidRevealed(study: 4, bidder: b, price: 2_800),
        .auctionUnsold(study: 5),
        .auctionAwarded(study: 6, winner: a, price: 3_600, bids: 1),
        .accessGranted(study: 7, radiologist: b),
        .studyReported(study: 8, radiologist: a, turnaroundTicks: 1_800_000_000, findings: 2, followUp: true),
        .studyReported(study: 9, radiologist: b, turnaroundTicks: 0, findings: 0, followUp: false),
        .settlement(study: 8, radiologist: a, paid: 2_550, operatorShare: 0, levy: 150, holdback: 300),
        .studySampled(study: 8),
        .followUpCompleted(study: 8),
        .feedback(study: 8, radiologist: a, score: 5),
        .peerReview(study: 8, radiologist: a, reviewer: b, score: .concur),
        .peerReview(study: 9, radiologist: b, reviewer: a, score: .score3b),
        .labelAppended(seq: 0, study: 8, labelsHash: Hash.sha256([1, 2, 3]), source: .peerReview),
        .labelAppended(seq: 1, study: 9, labelsHash: .zero, source: .followUp),
        .labelAppended(seq: 2, study: 10, labelsHash: .zero, source: .referrerFeedback),
        .holdbackReleased(study: 8, amount: 300),
        .holdbackForfeited(study: 9, amount: 400),
        .premiumEarned(study: 9, amount: 500),
        .premiumRefunded(study: 10, amount: 1),
        .studyExpired(study: 10, refund: 2_000, was: .open),
        .studyExpired(study: 11, refund: 0, was: .assigned),
        .bonusPaid(radiologist: a, amount: 300),
        .bonusPeriod(paid: 300, recipients: 1, carried: 0),
        .validatorJailed(validator: a, offenceHeight: 7, effectiveHeight: 10),
        .jailRefused(validator: b, offenceHeight: 1),
        .validatorChangeProposed(proposal: 1, validator: a, power: 0),
        .validatorChangeApproved(proposal: 1, approver: b, approvals: 3),
        .validatorChangeAdopted(proposal: 1, validator: a, power: 5, effectiveHeight: 12),
        .randomnessRevealed(participant: a, epoch: 3),
        .randomnessRejoined(participant: b, epoch: 0),
        .randomnessBeacon(epoch: 4, beacon: Hash.sha256([4]), reveals: 3),
        .randomnessExcluded(participant: b, epoch: .max),
        .randomnessFallback(epoch: 5),
        .consultRequested(study: 9, radiologist: a),
        .consultAnswered(study: 9, answered: true),
        .consultAnswered(study: 10, answered: false),
    ]

    @Test func samplesCoverEveryKind() {
        #expect(Set(Self.samples.map(\.kind)) == Set(ContractEvent.Kind.allCases))
    }

    @Test(arguments: ContractEventTests.samples) func roundTrips(_ e: ContractEvent) throws {
        let event = e.event
        #expect(event.type == e.type)
        #expect(event.attributes.map(\.key) == e.kind.keys)
        #expect(try ContractEvent(event) == e)
        // Through the chain's own encoding too.
        #expect(try ContractEvent(Event.decode(canonical: event.canonicalBytes)) == e)
    }

    /// `studyID` and `radiologist` name exactly what the `study` and `radiologist` attributes carry.
    @Test(arguments: ContractEventTests.samples) func accessorsMatchTheAttributes(_ e: ContractEvent) {
        #expect(e.studyID.map(String.init) == e.event["study"])
        #expect(e.radiologist?.hex == e.event["radiologist"])
    }

    @Test func studyStatesAreNamedByTheirCaseNames() throws {
        for state in StudyState.allCases {
            let e = ContractEvent.studyExpired(study: 1, refund: 2, was: state)
            #expect(e.event["was"] == "\(state)")
            #expect(try ContractEvent(e.event) == e)
        }
    }

    @Test func attestationKindsFollowTheClaims() {
        #expect(AttestationKind(.licence(jurisdiction: "US-CA")) == .licence)
        #expect(AttestationKind(.boardCertification(board: "ABR")) == .board)
        #expect(AttestationKind(.subspecialty("neuro")) == .subspecialty)
        #expect(AttestationKind(.clientCredential(client: Self.a, ticksTaken: 1)) == .clientCredential)
    }
}

// MARK: - Golden bytes

extension ContractEventTests {
    /// The events exactly as the contracts wrote them before `ContractEvent` (type, keys, order, formats): any
    /// change here changes every results root, block hash and stored results digest.
    @Test func encodingKeepsTheChainsBytes() {
        let a = Self.a.hex
        let b = Self.b.hex
        let golden: [(ContractEvent, Event)] = [
            (
                .txFee(payer: Self.a, amount: 10, message: "postStudy"),
                Event("tx.fee", ["payer": a, "amount": "10", "message": "postStudy"])
            ),
            (
                .studyPosted(
                    study: 7, client: Self.a, modality: .ct, urgency: .stat, jurisdiction: "US-CA", maxPrice: 4_000,
                    deadlineTicks: 10_800_000_000),
                Event(
                    "study.posted",
                    [
                        "study": "7", "client": a, "modality": "2", "urgency": "3", "jurisdiction": "US-CA",
                        "max_price": "4000", "deadline": "10800000000",
                    ])
            ),
            (
                .studyReported(study: 7, radiologist: Self.b, turnaroundTicks: -5, findings: 2, followUp: true),
                Event(
                    "study.reported",
                    ["study": "7", "radiologist": b, "turnaround": "-5", "findings": "2", "follow_up": "1"])
            ),
            (
                .settlement(study: 7, radiologist: Self.b, paid: 2_550, operatorShare: 0, levy: 150, holdback: 300),
                Event(
                    "settlement",
                    ["study": "7", "radiologist": b, "paid": "2550", "operator": "0", "levy": "150", "holdback": "300"])
            ),
            (
                .peerReview(study: 7, radiologist: Self.b, reviewer: Self.a, score: .score2b),
                Event("peerreview", ["study": "7", "radiologist": b, "reviewer": a, "score": "2b"])
            ),
            (
                .attestationIssued(subject: Self.a, kind: .clientCredential, expiresAtTicks: 9),
                Event("attestation.issued", ["subject": a, "kind": "clientCredential", "expires": "9"])
            ),
            (
                .studyExpired(study: 3, refund: 2_000, was: .assigned),
                Event("study.expired", ["study": "3", "refund": "2000", "was": "assigned"])
            ),
            (
                .holdbackForfeited(study: 3, amount: 400),
                Event("holdback.forfeited", ["study": "3", "amount": "400"])
            ),
            (
                .bonusPeriod(paid: 300, recipients: 1, carried: 0),
                Event("bonus.period", ["paid": "300", "recipients": "1", "carried": "0"])
            ),
        ]
        for (typed, event) in golden {
            #expect(typed.event == event)
            #expect(typed.event.canonicalBytes == event.canonicalBytes)
        }
    }

    /// The canonical bytes of one event, pinned.
    @Test func settlementBytesArePinned() {
        let e = ContractEvent.settlement(
            study: 7, radiologist: Self.b, paid: 2_550, operatorShare: 0, levy: 150, holdback: 300)
        #expect(hex(e.event.canonicalBytes) == Self.pinnedSettlement)
    }

    static let pinnedSettlement =
        "0000000a736574746c656d656e740000000600000005737475647900000001370000000b726164696f6c6f6769737400"
        + "000028303030313032303330343035303630373038303930613062306330643065306631303131313231330000000470"
        + "6169640000000432353530000000086f70657261746f720000000130000000046c657679000000033135300000000868"
        + "6f6c646261636b00000003333030"
}

// MARK: - Refusals

extension ContractEventTests {
    static func refusal(_ event: Event) -> ContractEventError? {
        do {
            _ = try ContractEvent(event)
            return nil
        } catch {
            return error
        }
    }

    static var feedbackEvent: Event { ContractEvent.feedback(study: 8, radiologist: a, score: 5).event }

    @Test func unknownTypeIsRefused() {
        #expect(Self.refusal(Event("studyPosted", ["study": "1"])) == .unknownType("studyPosted"))
    }

    @Test func missingAttributeIsNamed() {
        var e = Self.feedbackEvent
        e.attributes.remove(at: 1)
        #expect(Self.refusal(e) == .missingAttribute(type: "feedback", key: "radiologist"))
        e.attributes.removeLast()
        #expect(Self.refusal(e) == .missingAttribute(type: "feedback", key: "radiologist"))
        var tail = Self.feedbackEvent
        tail.attributes.removeLast()
        #expect(Self.refusal(tail) == .missingAttribute(type: "feedback", key: "score"))
    }

    @Test func misplacedOrExtraAttributeIsNamed() {
        var swapped = Self.feedbackEvent
        swapped.attributes.swapAt(1, 2)
        #expect(
            Self.refusal(swapped) == .unexpectedAttribute(type: "feedback", expected: "radiologist", found: "score"))
        var extra = Self.feedbackEvent
        extra.attributes.append(EventAttribute(key: "note", value: "x"))
        #expect(Self.refusal(extra) == .unexpectedAttribute(type: "feedback", expected: nil, found: "note"))
        var renamed = Self.feedbackEvent
        renamed.attributes[2].key = "stars"
        #expect(Self.refusal(renamed) == .missingAttribute(type: "feedback", key: "score"))
    }

    /// Only the canonical spelling of each value is accepted (so decoding is the exact inverse of encoding).
    @Test(arguments: [
        (2, "05"), (2, "+5"), (2, " 5"), (2, ""), (2, "256"), (2, "-1"), (0, "08"), (0, "x"),
        (1, String(repeating: "AB", count: 20)), (1, String(repeating: "ab", count: 19)),
        (1, "0x" + String(repeating: "ab", count: 19)),
    ])
    func nonCanonicalValuesAreRefused(_ index: Int, _ value: String) {
        var e = Self.feedbackEvent
        let key = e.attributes[index].key
        e.attributes[index].value = value
        #expect(Self.refusal(e) == .malformedValue(type: "feedback", key: key, value: value))
    }

    @Test func enumeratedValuesAreChecked() {
        let posted = ContractEvent.studyPosted(
            study: 1, client: Self.a, modality: .xr, urgency: .routine, jurisdiction: "X", maxPrice: 1, deadlineTicks: 2
        )
        for (key, bad) in [
            ("modality", "0"), ("modality", "8"), ("urgency", "4"), ("deadline", "-0"), ("max_price", "-1"),
        ] {
            var e = posted.event
            let i = e.attributes.firstIndex { $0.key == key }!
            e.attributes[i].value = bad
            #expect(Self.refusal(e) == .malformedValue(type: "study.posted", key: key, value: bad))
        }
        let others: [(ContractEvent, String, String)] = [
            (.peerReview(study: 1, radiologist: Self.a, reviewer: Self.b, score: .concur), "score", "2"),
            (
                .studyReported(study: 1, radiologist: Self.a, turnaroundTicks: 1, findings: 0, followUp: false),
                "follow_up", "true"
            ),
            (.studyExpired(study: 1, refund: 0, was: .open), "was", "Open"),
            (.attestationRevoked(subject: Self.a, kind: .licence), "kind", "license"),
            (.labelAppended(seq: 1, study: 1, labelsHash: .zero, source: .followUp), "hash", "00"),
            (.labelAppended(seq: 1, study: 1, labelsHash: .zero, source: .followUp), "source", "followUp"),
        ]
        for (typed, key, bad) in others {
            var e = typed.event
            let i = e.attributes.firstIndex { $0.key == key }!
            e.attributes[i].value = bad
            #expect(Self.refusal(e) == .malformedValue(type: typed.type, key: key, value: bad))
        }
    }

    @Test func errorsSayWhatIsWrong() {
        #expect(
            "\(ContractEventError.missingAttribute(type: "settlement", key: "holdback"))"
                == "event 'settlement': attribute 'holdback' is missing")
        #expect(
            "\(ContractEventError.malformedValue(type: "settlement", key: "paid", value: "x"))"
                == "event 'settlement': attribute 'paid' is malformed: 'x'")
    }

    @Test func receiptsDecodeInOrderOrNameTheBadEvent() throws {
        let good = [ContractEvent.txFee(payer: Self.a, amount: 1, message: "claimStudy"), .studySampled(study: 2)]
        var r = Receipt(txHash: .zero, code: .ok, events: good.map(\.event))
        #expect(try r.contractEvents() == good)
        r.events[1].attributes[0].value = "two"
        #expect(throws: ContractEventError.malformedValue(type: "study.sampled", key: "study", value: "two")) {
            try r.contractEvents()
        }
    }
}

private func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] })
}
