import Contracts
import Ledger
import Testing

/// The access link is sealed for the assignee: it opens it; other radiologists, the client's other keys and the
/// validators cannot.
@Suite struct AccessGrantTests {
    @Test func onlyTheAssigneeOpensTheLink() throws {
        let c = Cast()
        var h = Harness(c.genesis(.postedPrice), proposer: c.validator.signing)
        h.ok(at: minute, c.setup())
        h.ok(at: 2 * minute, [(c.c1, .postStudy(c.order(c.c1, deadline: 3 * hour)))])
        h.ok(at: 3 * minute, [(c.r1, .claimStudy(studyID: 1))])
        // The client opens its escrowed copy and re-seals it to the assignee's registered key.
        let study = try #require(h.app.study(1))
        let own = try Sealing.open(
            study.order.clientSealedLink, with: c.c1.sealing,
            info: Message.accessInfo(studyID: 0, recipient: c.c1.sealing.publicKey))
        #expect(own == Cast.link)
        let assignee = try #require(study.assignee)
        let assigneeKey = try #require(h.app.profile(of: assignee)?.sealingKey)
        let info = Message.accessInfo(studyID: 1, recipient: assigneeKey)
        let box = Sealing.seal(
            own, to: assigneeKey, ephemeral: SealingKey.derive(label: "grant-1", seed: 42), info: info)
        // Another client cannot publish a grant; the client cannot grant to a non-assignee key.
        #expect(
            h.one(at: 4 * minute, c.c2, .grantAccess(studyID: 1, recipient: assigneeKey, sealedLink: box)).code
                == .unauthorized)
        #expect(
            h.one(at: 4 * minute, c.c1, .grantAccess(studyID: 1, recipient: c.r2.sealing.publicKey, sealedLink: box))
                .code == .notAssignee)
        h.ok(at: 5 * minute, [(c.c1, .grantAccess(studyID: 1, recipient: assigneeKey, sealedLink: box))])

        let stored = try #require(h.app.study(1)?.accessGrant)
        #expect(try Sealing.open(stored, with: c.r1.sealing, info: info) == Cast.link)
        let clientOtherKey = SealingKey.derive(label: "client-1-other", seed: 7)
        let validatorKey = SealingKey.derive(label: "validator", seed: 7)
        for other in [
            c.r2.sealing, c.r3.sealing, c.r4.sealing, c.c1.sealing, clientOtherKey, validatorKey, c.validator.sealing,
        ] {
            #expect(throws: (any Error).self) { try Sealing.open(stored, with: other, info: info) }
        }
        // Bound to the study: the same box does not open under another study's info.
        #expect(throws: (any Error).self) {
            try Sealing.open(stored, with: c.r1.sealing, info: Message.accessInfo(studyID: 2, recipient: assigneeKey))
        }
        #expect(
            h.one(at: 6 * minute, c.c1, .grantAccess(studyID: 1, recipient: assigneeKey, sealedLink: box)).code
                == .alreadyExists)
    }
}
