import Contracts
import Ledger
import Testing

/// Accountability and governance (issue 17 item 4): committed misbehaviour jails its offender at H+2, and operators
/// change the validator set by a quorum of more than 2/3 of them.
@Suite struct GovernanceTests {
    let c = Cast()
    /// Four operators (quorum: three), four validators of power 1.
    var operators: [Party] { [c.op, c.authority, c.r1, c.r2] }
    var validators: [Party] { [c.validator, c.r3, c.r4, c.c3] }
    let window: Int64 = 10 * minute

    func genesis(governance: Bool = true, validatorCount: Int = 4) -> Genesis {
        var g = c.genesis(.postedPrice)
        g.validators = validators.prefix(validatorCount).map {
            ValidatorUpdate(publicKey: $0.signing.publicKey, power: 1)
        }
        if governance {
            g.governance = GovernanceParameters(
                operators: operators.map(\.signing.publicKey), proposalWindowTicks: window)
        }
        return g
    }

    func harness(_ g: Genesis) -> Harness { Harness(g, proposer: c.validator.signing) }

    func misbehaviour(_ p: Party, height: UInt64 = 1) -> Misbehaviour {
        Misbehaviour(kind: .duplicateVote, validator: p.signing.publicKey, power: 1, height: height, totalPower: 4)
    }

    /// Executes one block with `misbehaviour` through the Ledger's executor.
    func block(_ h: inout Harness, at t: Int64, misbehaviour m: [Misbehaviour]) -> BlockOutcome {
        let b = Block(header: h.header(at: t, []), transactions: [], lastCommit: [])
        return SingleNodeChain<ReadChainApp>.execute(
            b, app: &h.app, chainID: h.chainID, maxTxBytes: 1 << 16, cache: SignatureCache(capacity: 0),
            misbehaviour: m
        ).outcome
    }

    @Test func genesisWithoutGovernanceKeepsItsBytes() throws {
        let plain = genesis(governance: false)
        let with = genesis()
        #expect(try Genesis.decode(canonical: with.canonicalBytes) == with)
        #expect(with.canonicalBytes.starts(with: plain.canonicalBytes))
        #expect(with.canonicalBytes.count > plain.canonicalBytes.count)
        var bad = genesis()
        bad.governance?.operators.append(c.op.signing.publicKey)
        #expect(bad.problems().contains("duplicate operator"))
        bad.governance = GovernanceParameters(operators: [], proposalWindowTicks: 0)
        #expect(bad.problems().count == 2)
    }

    @Test func misbehaviourJailsAtHPlus2WithARecordAndAnEvent() {
        var h = harness(genesis())
        let outcome = block(&h, at: minute, misbehaviour: [misbehaviour(c.r3)])
        #expect(outcome.validatorUpdates == [ValidatorUpdate(publicKey: c.r3.signing.publicKey, power: 0)])
        #expect(
            outcome.contract.first
                == .validatorJailed(validator: c.r3.address, offenceHeight: 1, effectiveHeight: 3))
        #expect(h.app.jailed == [JailRecord(publicKey: c.r3.signing.publicKey, offenceHeight: 1, jailedAtHeight: 1)])
        #expect(h.app.validatorView.map(\.publicKey) == [c.validator, c.r4, c.c3].map(\.signing.publicKey))
        // Evidence of another offence of the same validator, later: already out, nothing more.
        let again = block(&h, at: 2 * minute, misbehaviour: [misbehaviour(c.r3, height: 2)])
        #expect(again.validatorUpdates.isEmpty)
        #expect(again.contract.isEmpty)
    }

    @Test func theLastValidatorIsNeverJailed() {
        var h = harness(genesis(validatorCount: 1))
        let root = h.app.stateRoot
        let outcome = block(&h, at: minute, misbehaviour: [misbehaviour(c.validator)])
        #expect(outcome.validatorUpdates.isEmpty)
        #expect(outcome.contract == [.jailRefused(validator: c.validator.address, offenceHeight: 1)])
        #expect(h.app.jailed.isEmpty)
        #expect(h.app.stateRoot == root)
    }

    @Test func noMisbehaviourLeavesTheStateRootAsBefore() {
        // A genesis without governance and a block without misbehaviour: no governance key is ever written.
        var h = harness(genesis(governance: false))
        let outcome = block(&h, at: minute, misbehaviour: [])
        #expect(outcome.validatorUpdates.isEmpty)
        #expect(h.app.state.scan(prefix: Array("gov/".utf8)).isEmpty)
    }

    @Test func aQuorumOfMoreThanTwoThirdsAdoptsAtHPlus2() {
        var h = harness(genesis())
        let newKey = c.poor.signing.publicKey
        let r1 = h.ok(at: minute, [(c.op, .proposeValidatorChange(publicKey: newKey, power: 2))])
        #expect(r1.outcome.validatorUpdates.isEmpty, "one approval of four")
        let r2 = h.ok(at: 2 * minute, [(c.authority, .approveValidatorChange(proposalID: 1))])
        #expect(r2.outcome.validatorUpdates.isEmpty, "two of four is not more than 2/3")
        let r3 = h.ok(at: 3 * minute, [(c.r1, .approveValidatorChange(proposalID: 1))])
        #expect(r3.outcome.validatorUpdates == [ValidatorUpdate(publicKey: newKey, power: 2)])
        #expect(
            r3.receipts[0].contract.last
                == .validatorChangeAdopted(proposal: 1, validator: newKey.address, power: 2, effectiveHeight: 5))
        #expect(h.app.validatorProposal(1)?.adopted == true)
        #expect(h.app.validatorView.last == ValidatorUpdate(publicKey: newKey, power: 2))
        // A fourth approval of an adopted proposal is refused (fee only).
        let late = h.one(at: 4 * minute, c.r2, .approveValidatorChange(proposalID: 1))
        #expect(late.code == .alreadyExists)
    }

    @Test func rejectedGovernanceChangesOnlyTheFee() {
        var h = harness(genesis())
        h.ok(at: minute, [(c.op, .proposeValidatorChange(publicKey: c.r4.signing.publicKey, power: 0))])
        let smallOrder = PublicKey(bytes: [1] + Array(repeating: 0, count: 31))
        #expect(smallOrder.hasSmallOrder)
        let cases: [(Party, Message, TxCode)] = [
            (c.c1, .proposeValidatorChange(publicKey: c.poor.signing.publicKey, power: 1), .unauthorized),
            (c.c1, .approveValidatorChange(proposalID: 1), .unauthorized),
            (c.op, .approveValidatorChange(proposalID: 1), .alreadyExists),
            (c.authority, .approveValidatorChange(proposalID: 9), .notFound),
            (c.authority, .proposeValidatorChange(publicKey: smallOrder, power: 1), .invalidArgument),
            (c.authority, .proposeValidatorChange(publicKey: c.poor.signing.publicKey, power: 0), .notFound),
            (c.authority, .proposeValidatorChange(publicKey: c.r3.signing.publicKey, power: 1), .invalidArgument),
        ]
        for (p, m, code) in cases {
            let before = h.app.state
            let r = h.one(at: 2 * minute, p, m)
            #expect(r.code == code, "\(m): \(r.code) \(r.log)")
            let expected = applyingFeeRule(
                to: before, sender: p.address, collector: h.app.genesis.feeCollector, fee: fee)
            #expect(h.app.state.rootHash == expected.rootHash, "\(m): only the fee")
        }
        // Two removals adopted in one block would remove half of the power: the second is refused at adoption.
        h.ok(at: 3 * minute, [(c.op, .proposeValidatorChange(publicKey: c.r3.signing.publicKey, power: 0))])
        let both = h.block(
            at: 4 * minute,
            [
                h.tx(c.authority, .approveValidatorChange(proposalID: 1)),
                h.tx(c.r1, .approveValidatorChange(proposalID: 1)),
                h.tx(c.authority, .approveValidatorChange(proposalID: 2)),
                h.tx(c.r1, .approveValidatorChange(proposalID: 2)),
            ])
        #expect(both.receipts.map(\.code) == [.ok, .ok, .ok, .invalidArgument])
        #expect(both.outcome.validatorUpdates == [ValidatorUpdate(publicKey: c.r4.signing.publicKey, power: 0)])
    }

    @Test func aSingleOperatorAdoptsAtOnceButNeverEmptiesTheSet() {
        var g = genesis(validatorCount: 1)
        g.governance = GovernanceParameters(operators: [c.op.signing.publicKey])
        var h = harness(g)
        let remove = h.one(
            at: minute, c.op, .proposeValidatorChange(publicKey: c.validator.signing.publicKey, power: 0))
        #expect(remove.code == .invalidArgument, "the last validator: 1/3 or more of the power, total 0")
        let r = h.ok(at: 2 * minute, [(c.op, .proposeValidatorChange(publicKey: c.r3.signing.publicKey, power: 3))])
        #expect(r.outcome.validatorUpdates == [ValidatorUpdate(publicKey: c.r3.signing.publicKey, power: 3)])
    }

    @Test func proposalsExpireAfterTheWindow() {
        var h = harness(genesis())
        h.ok(at: minute, [(c.op, .proposeValidatorChange(publicKey: c.poor.signing.publicKey, power: 1))])
        h.ok(at: minute + window - 1, [(c.authority, .approveValidatorChange(proposalID: 1))])
        let r = h.one(at: minute + window, c.r1, .approveValidatorChange(proposalID: 1))
        #expect(r.code == .deadlinePassed)
    }

    @Test func withoutGovernanceNoOneMayPropose() {
        var h = harness(genesis(governance: false))
        let r = h.one(at: minute, c.op, .proposeValidatorChange(publicKey: c.poor.signing.publicKey, power: 1))
        #expect(r.code == .unauthorized)
    }
}
