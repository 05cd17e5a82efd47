import Contracts
import Ledger
import Testing

@Suite struct EncodingTests {
    let c = Cast()

    var samples: [Message] {
        [
            .transfer(to: c.c1.address, amount: 5),
            .issueAttestation(
                subject: c.r1.address, claim: .clientCredential(client: c.c1.address, ticksTaken: 9), expiresAtTicks: 10
            ),
            .revokeAttestation(subject: c.r1.address, claim: .licence(jurisdiction: "US-CA")),
            .registerRadiologist(c.profile(c.r1)), .updateRadiologist(c.profile(c.r2)),
            .postStudy(c.order(c.c1, deadline: 77, subspecialty: "neuro", credentialing: true)),
            .cancelStudy(studyID: 1), .assignStudy(studyID: 2, radiologist: c.r1.address, pay: 3),
            .claimStudy(studyID: 3), .commitBid(studyID: 4, commitment: .zero),
            .revealBid(studyID: 5, price: 6, turnaroundTicks: 7, salt: .zero), .finaliseAuction(studyID: 8),
            .grantAccess(
                studyID: 9, recipient: c.r1.sealing.publicKey, sealedLink: c.order(c.c1, deadline: 1).clientSealedLink),
            .submitReport(studyID: 10, report: c.report(10, followUp: true)), .completeFollowUp(studyID: 11),
            .submitFeedback(studyID: 12, score: 4),
            .submitPeerReview(
                studyID: 13, score: .score2b, labels: [FindingLabel(findingCode: 1, outcome: .falseNegative)]),
            .postEscalatingStudy(c.order(c.c1, deadline: 78), perHour: 50, cap: 9_000),
            .postPremiumStudy(c.order(c.c1, deadline: 79), premium: 700, withinTicks: 3_600),
            .proposeValidatorChange(publicKey: c.validator.signing.publicKey, power: 2),
            .approveValidatorChange(proposalID: 14),
            .revealRandomness(epoch: 14, secret: Hash.sha256([14]), nextCommitment: .zero),
            .rejoinRandomness(commitment: Hash.sha256([15])),
            .requestConsult(studyID: 16), .answerConsult(studyID: 17, answered: true),
            .answerConsult(studyID: 18, answered: false),
            .postStudy(c.order(c.c1, deadline: 79, summary: true)),
            .postStudy(c.order(c.c1, deadline: 80, credentialing: true, summary: true)),
        ]
    }

    @Test func messagesRoundTrip() throws {
        #expect(Set(samples.map(\.tag)) == Set(Message.knownTags))
        for m in samples {
            #expect(try Message.decode(canonical: m.canonicalBytes) == m)
        }
    }

    @Test func genesisRoundTrips() throws {
        let vb = ValueBasedParameters(
            holdbackBasisPoints: 1, levyBasisPoints: 2, bonusPeriodTicks: 3, payout: .equalAmongQualified(minPoints: 2),
            holdbackTimeoutTicks: 4)
        let auction = AuctionParameters(
            biddingWindowTicks: 1, revealWindowTicks: 2, pricing: .secondPrice,
            weights: ScoreWeights(price: 1, quality: 2, turnaround: 3))
        for g in [
            c.genesis(.postedPrice), c.genesis(.sealedBidAuction(auction), valueBased: vb),
            c.genesis(.intermediary(operator: c.op.address, marginBasisPoints: 2_000)),
        ] {
            #expect(try Genesis.decode(canonical: g.canonicalBytes) == g)
            #expect(g.problems().isEmpty)
        }
        #expect(
            !c.genesis(.intermediary(operator: c.op.address, marginBasisPoints: 1), valueBased: vb).problems().isEmpty)
    }

    /// Truncations and byte flips of valid messages decode to an error or another message, never a crash.
    @Test func corruptedMessagesNeverCrash() {
        for m in samples {
            let bytes = m.canonicalBytes
            for cut in 0..<bytes.count { _ = try? Message.decode(canonical: Array(bytes.prefix(cut))) }
            for i in bytes.indices {
                var b = bytes
                b[i] ^= 0xA5
                _ = try? Message.decode(canonical: b)
            }
        }
    }
}
