import Contracts
import Ledger

/// A small deterministic world (keys derived from labels) shared by the benchmark and tests.
public struct BenchmarkWorld: Sendable {
    public struct Party: Sendable {
        public var signing: SigningKey
        public var sealing: SealingKey
        public var address: Address { signing.publicKey.address }
        public init(_ label: String) {
            signing = SigningKey.derive(label: label, seed: 7)
            sealing = SealingKey.derive(label: label, seed: 7)
        }
    }
    public var clients: [Party]
    public var radiologists: [Party]
    public var authority: Party
    public var validator: SigningKey
    public var genesis: Genesis
    public let fee: UInt64 = 10

    public init(clients: Int, radiologists: Int, market: MarketDesign = .postedPrice) {
        self.clients = (0..<clients).map { Party("client-\($0)") }
        self.radiologists = (0..<radiologists).map { Party("radiologist-\($0)") }
        authority = Party("authority")
        validator = SigningKey.derive(label: "validator", seed: 7)
        let accounts =
            self.clients.map { GenesisAccount(address: $0.address, balance: 100_000_000) }
            + self.radiologists.map { GenesisAccount(address: $0.address, balance: 1_000_000) }
            + [GenesisAccount(address: authority.address, balance: 1_000_000)]
        genesis = Genesis(
            chainID: "readchain-bench", accounts: accounts, authorities: [authority.signing.publicKey], market: market,
            fees: FeeParameters(minFee: 10, perByte: 0), feeCollector: validator.publicKey.address,
            peerReviewSamplingBasisPoints: 500,
            validators: [ValidatorUpdate(publicKey: validator.publicKey, power: 1)])
    }

    /// Licences in "US-CA" for every radiologist, and their registrations.
    public func setupMessages() -> [(SigningKey, Message)] {
        var out: [(SigningKey, Message)] = []
        for r in radiologists {
            out.append(
                (
                    authority.signing,
                    .issueAttestation(subject: r.address, claim: .licence(jurisdiction: "US-CA"), expiresAtTicks: .max)
                ))
            out.append((r.signing, .registerRadiologist(profile(r))))
        }
        return out
    }

    public func profile(_ r: Party) -> RadiologistProfile {
        RadiologistProfile(
            subspecialties: [], licences: ["US-CA"],
            prices: [
                PriceEntry(modality: .ct, urgency: .routine, price: 3_000),
                PriceEntry(modality: .ct, urgency: .stat, price: 3_500),
                PriceEntry(modality: .xr, urgency: .routine, price: 1_000),
            ], capacity: 1_000, available: true, sealingKey: r.sealing.publicKey)
    }

    public func order(deadline: Int64) -> StudyOrder {
        let link = Bytes(repeating: 0x41, count: 48)
        let own = SealingKey.derive(label: "client-own", seed: 7)
        let box = Sealing.seal(
            link, to: own.publicKey, ephemeral: SealingKey.derive(label: "eph", seed: UInt64(deadline)),
            info: Message.accessInfo(studyID: 0, recipient: own.publicKey))
        return StudyOrder(
            modality: .ct, bodyPart: 12, urgency: .routine, jurisdiction: "US-CA", maxPrice: 4_000,
            deadlineTicks: deadline, requisitionHash: Hash.sha256(Array("req".utf8)), clientSealedLink: box)
    }

    public func grant(studyID: UInt64, to recipient: SealingPublicKey) -> SealedBox {
        Sealing.seal(
            Bytes(repeating: 0x41, count: 48), to: recipient,
            ephemeral: SealingKey.derive(label: "grant", seed: studyID),
            info: Message.accessInfo(studyID: studyID, recipient: recipient))
    }

    public func report(_ id: UInt64) -> ReportSubmission {
        ReportSubmission(reportHash: Hash.sha256(id.bigEndianBytes), findings: [101, 205], followUp: nil)
    }
}
