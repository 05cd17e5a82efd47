// Seed inputs: real canonical encodings, made with deterministic keys.

import Consensus
import Contracts
import Ledger

/// The binary seed corpora. Scenario seeds are the files under `Scenarios/` (read by the callers).
public enum FuzzSeeds {
    static let chainID = "readchain-fuzz"
    static let keys = (0..<4).map { SigningKey.derive(label: "fuzz-validator-\($0)", seed: 7) }
    static let validatorSet = ValidatorSet(
        keys.enumerated().map { Validator(publicKey: $1.publicKey, power: UInt64($0 + 1)) })
    static let sealingKey = SealingKey.derive(label: "fuzz-radiologist", seed: 7)
    static let client = SigningKey.derive(label: "fuzz-client", seed: 7)

    static func hash(_ label: String) -> Hash { Hash.sha256(domain: "readchain/fuzz/v1", Array(label.utf8)) }

    static var sealedBox: SealedBox {
        Sealing.seal(
            Array("pacs://study/1".utf8), to: sealingKey.publicKey,
            ephemeral: SealingKey.derive(label: "fuzz-ephemeral", seed: 7), info: [])
    }

    /// One message of every kind.
    static var messages: [Message] {
        let radiologist = sealingKey.publicKey
        let profile = RadiologistProfile(
            subspecialties: ["neuro", "msk"], licences: ["US-CA"],
            prices: [PriceEntry(modality: .ct, urgency: .stat, price: 12_000)], capacity: 4, available: true,
            sealingKey: radiologist)
        let order = StudyOrder(
            modality: .mr, bodyPart: 3, urgency: .urgent, jurisdiction: "US-CA", requiredSubspecialty: "neuro",
            requiresCredentialing: true, maxPrice: 20_000, deadlineTicks: 3_600_000_000, requisitionHash: hash("req"),
            clientSealedLink: sealedBox)
        let address = client.publicKey.address
        return [
            .transfer(to: address, amount: 1_000),
            .issueAttestation(subject: address, claim: .licence(jurisdiction: "US-CA"), expiresAtTicks: 1 << 40),
            .revokeAttestation(subject: address, claim: .clientCredential(client: address, ticksTaken: -5)),
            .registerRadiologist(profile),
            .updateRadiologist(profile),
            .postStudy(order),
            .cancelStudy(studyID: 1),
            .assignStudy(studyID: 2, radiologist: address, pay: 9_000),
            .claimStudy(studyID: 3),
            .commitBid(studyID: 4, commitment: hash("bid")),
            .revealBid(studyID: 4, price: 8_000, turnaroundTicks: 7_200_000_000, salt: hash("salt")),
            .finaliseAuction(studyID: 4),
            .grantAccess(studyID: 5, recipient: radiologist, sealedLink: sealedBox),
            .submitReport(
                studyID: 5,
                report: ReportSubmission(
                    reportHash: hash("report"), findings: [1, 7, 300], followUp: FollowUp(code: 2, withinTicks: 86_400))
            ),
            .completeFollowUp(studyID: 5),
            .submitFeedback(studyID: 5, score: 4),
            .submitPeerReview(
                studyID: 5, score: .score2b,
                labels: [FindingLabel(findingCode: 7, outcome: .falseNegative)]),
        ]
    }

    static var transactions: [Transaction] {
        messages.enumerated().map { i, m in
            Transaction.signed(
                by: client, chainID: chainID, nonce: UInt64(i), fee: Amount(minorUnits: 10), message: m.canonicalBytes)
        }
    }

    static func certificate(height: UInt64, blockID: Hash, signers: Int) -> CommitCertificate {
        let message = Vote.signBytes(chainID: chainID, type: .precommit, height: height, round: 0, valueID: blockID)
        let signatures = validatorSet.validators.prefix(signers).enumerated().map { i, v in
            let key = keys.first { $0.publicKey == v.publicKey }!
            return CommitSignature(validatorIndex: UInt32(i), signature: key.sign(message))
        }
        return CommitCertificate(height: height, round: 0, blockID: blockID, signatures: signatures)
    }

    static func block(height: UInt64, transactions: [Transaction], lastCommit: Bytes) -> Block {
        let header = BlockHeader(
            chainID: chainID, height: height, timeTicks: Int64(height) * 1_000_000, previousBlockHash: hash("prev"),
            txRoot: Block.txRoot(transactions), stateRoot: hash("state"), resultsRoot: hash("results"),
            proposer: keys[0].publicKey.address, lastCommitHash: Hash.sha256(lastCommit),
            validatorsHash: validatorSet.hash)
        return Block(header: header, transactions: transactions, lastCommit: lastCommit)
    }

    static var blocks: [Block] {
        let txs = transactions
        let first = block(height: 1, transactions: [], lastCommit: [])
        let cert = certificate(height: 1, blockID: first.hash, signers: 3).canonicalBytes
        return [
            first, block(height: 2, transactions: Array(txs.prefix(3)), lastCommit: cert),
            block(height: 3, transactions: txs, lastCommit: cert),
        ]
    }

    static var genesis: Genesis {
        Genesis(
            chainID: chainID, accounts: [GenesisAccount(address: client.publicKey.address, balance: 1_000_000)],
            authorities: [keys[0].publicKey],
            market: .sealedBidAuction(
                AuctionParameters(
                    biddingWindowTicks: 600_000_000, revealWindowTicks: 300_000_000, pricing: .secondPrice,
                    weights: ScoreWeights(price: 1, quality: 2, turnaround: 3))),
            valueBased: ValueBasedParameters(
                holdbackBasisPoints: 1_000, levyBasisPoints: 200, bonusPeriodTicks: 86_400_000_000,
                payout: .equalAmongQualified(minPoints: 3), holdbackTimeoutTicks: 604_800_000_000),
            feeCollector: keys[1].publicKey.address,
            validators: keys.map { ValidatorUpdate(publicKey: $0.publicKey, power: 1) })
    }

    /// Canonical consensus values, each behind its selector byte (`ConsensusFuzz.names`).
    static var consensus: [[UInt8]] {
        let blocks = self.blocks
        let value = ProposedValue(block: blocks[1])
        func proposal(_ v: ProposedValue, round: Round) -> Proposal {
            let sb = Proposal.signBytes(chainID: chainID, height: 2, round: round, valueID: v.id, validRound: -1)
            return Proposal(
                chainID: chainID, height: 2, round: round, value: v, validRound: -1,
                proposer: keys[0].publicKey.address, signature: keys[0].sign(sb))
        }
        func vote(_ type: VoteType, _ id: Hash?) -> Vote {
            let sb = Vote.signBytes(chainID: chainID, type: type, height: 2, round: 1, valueID: id)
            return Vote(
                chainID: chainID, type: type, height: 2, round: 1, valueID: id, validator: keys[1].publicKey.address,
                signature: keys[1].sign(sb))
        }
        let opaque = ProposedValue(payload: [1, 2, 3, 4])
        let p = proposal(value, round: 0)
        let prevote = vote(.prevote, value.id)
        let nilVote = vote(.precommit, nil)
        let wal = WALRecord(height: 2, round: 1, lockedValue: opaque, lockedRound: 0, validValue: nil, validRound: -1)
        var log = ConsensusWAL()
        log.append(wal)
        log.append(WALRecord(height: 3, round: 0, lockedValue: nil, lockedRound: -1, validValue: nil, validRound: -1))
        let values: [(Int, Bytes)] = [
            (0, p.canonicalBytes), (0, proposal(opaque, round: 2).canonicalBytes),
            (1, prevote.canonicalBytes), (1, nilVote.canonicalBytes),
            (2, certificate(height: 2, blockID: value.id, signers: 4).canonicalBytes),
            (3, Evidence(first: prevote, second: vote(.prevote, opaque.id)).canonicalBytes),
            (4, ProposalEvidence(first: p, second: proposal(opaque, round: 0)).canonicalBytes),
            (5, wal.canonicalBytes),
            (6, opaque.canonicalBytes),
            (
                7,
                SignerState(
                    height: 2, round: 1, step: .prevote, signBytes: prevote.signBytes, signature: prevote.signature
                )
                .canonicalBytes
            ),
            (8, validatorSet.canonicalBytes),
            (9, log.bytes),
        ]
        return values.map { [UInt8($0.0)] + $0.1 }
    }

    /// Other Ledger values, each behind its selector byte (`LedgerFuzz.names`).
    static var ledger: [[UInt8]] {
        let blocks = self.blocks
        let event = Event("studyPosted", ["study": "1", "client": "abc"])
        let values: [(Int, Bytes)] = [
            (0, blocks[2].header.canonicalBytes),
            (1, Receipt(txHash: hash("tx"), code: .ok, log: "ok", events: [event], gasUsed: 21).canonicalBytes),
            (2, MerkleProof(index: 2, leafCount: 5, siblings: [hash("a"), hash("b"), hash("c")]).canonicalBytes),
            (
                3,
                StateProof(
                    key: [1, 2], value: [3], neighbour: nil,
                    steps: [.init(bit: 3, sibling: hash("s"))]
                ).canonicalBytes
            ),
            (
                3,
                StateProof(key: [1, 2], value: nil, neighbour: .init(key: [1, 3], value: [9]), steps: []).canonicalBytes
            ),
            (4, ValidatorUpdate(publicKey: keys[2].publicKey, power: 10).canonicalBytes),
            (5, sealedBox.canonicalBytes),
            (6, event.canonicalBytes),
            (
                6,
                ContractEvent.settlement(
                    study: 7, radiologist: keys[1].publicKey.address, paid: 2_550, operatorShare: 0, levy: 150,
                    holdback: 300
                ).event.canonicalBytes
            ),
            (
                6,
                ContractEvent.studyPosted(
                    study: 1, client: keys[0].publicKey.address, modality: .ct, urgency: .stat, jurisdiction: "US-CA",
                    maxPrice: 4_000, deadlineTicks: 10_800_000_000
                ).event.canonicalBytes
            ),
        ]
        return values.map { [UInt8($0.0)] + $0.1 }
    }

    /// The seed corpus of a binary target (empty for `.scenario`).
    public static func binary(for target: FuzzTarget) -> [[UInt8]] {
        switch target {
        case .scenario: []
        case .transaction: transactions.map(\.canonicalBytes)
        case .block: blocks.map(\.canonicalBytes)
        case .message: messages.map(\.canonicalBytes) + [[0] + genesis.canonicalBytes]
        case .consensus: consensus
        case .ledger: ledger
        }
    }
}
