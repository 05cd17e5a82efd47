import Ledger
import MarketModel

extension Context {
    /// Runs one message for `sender` against `store`. Throws without a partial-write guarantee: the caller
    /// discards the whole context on error.
    mutating func execute(_ message: Message, sender key: PublicKey) throws(ContractError) {
        let sender = key.address
        switch message {
        case .transfer(let to, let amount):
            guard amount > 0 else { throw ContractError(.invalidArgument, "zero transfer") }
            try move(amount, from: sender, to: to)
            emit(.transfer(from: sender, to: to, amount: amount))

        case .issueAttestation(let subject, let claim, let expiresAt):
            try requireAuthority(key)
            guard expiresAt > now else { throw ContractError(.invalidArgument, "expiry not after block time") }
            if case .clientCredential(_, let taken) = claim, taken < 0 {
                throw ContractError(.invalidArgument, "negative credentialing time")
            }
            let record = AttestationRecord(
                claim: claim, issuer: sender, issuedAtTicks: now, expiresAtTicks: expiresAt, revoked: false)
            save(StateKeys.attestation(subject, claim), record)
            emit(.attestationIssued(subject: subject, kind: AttestationKind(claim), expiresAtTicks: expiresAt))

        case .revokeAttestation(let subject, let claim):
            try requireAuthority(key)
            guard var record = attestation(subject, claim), !record.revoked else {
                throw ContractError(.notFound, "no live attestation")
            }
            record.revoked = true
            save(StateKeys.attestation(subject, claim), record)
            emit(.attestationRevoked(subject: subject, kind: AttestationKind(claim)))

        case .registerRadiologist(let p):
            guard profile(sender) == nil else { throw ContractError(.alreadyExists, "already registered") }
            try validate(p)
            save(StateKeys.profile(sender), p)
            save(StateKeys.metrics(sender), QualityMetrics())
            emit(.radiologistRegistered(radiologist: sender))

        case .updateRadiologist(let p):
            guard profile(sender) != nil else { throw ContractError(.notFound, "not registered") }
            try validate(p)
            save(StateKeys.profile(sender), p)
            emit(.radiologistUpdated(radiologist: sender))

        case .postStudy(let order): try postStudy(order, client: sender)
        case .postEscalatingStudy(let order, let perHour, let cap):
            try postStudy(order, client: sender, escalation: (perHour, cap))
        case .postPremiumStudy(let order, let premium, let within):
            try postStudy(order, client: sender, premium: (premium, within))
        case .cancelStudy(let id): try cancelStudy(id, sender: sender)
        case .assignStudy(let id, let rad, let pay): try assignStudy(id, radiologist: rad, pay: pay, sender: sender)
        case .claimStudy(let id): try claimStudy(id, sender: sender)
        case .commitBid(let id, let c): try commitBid(id, commitment: c, sender: sender)
        case .revealBid(let id, let price, let t, let salt):
            try revealBid(id, price: price, turnaround: t, salt: salt, sender: sender)
        case .finaliseAuction(let id): try finaliseAuction(id)
        case .grantAccess(let id, let recipient, let box):
            try grantAccess(id, recipient: recipient, box: box, sender: sender)
        case .submitReport(let id, let report): try submitReport(id, report: report, sender: sender)
        case .completeFollowUp(let id, let labels): try completeFollowUp(id, labels: labels, sender: sender)
        case .submitFeedback(let id, let score, let labels):
            try submitFeedback(id, score: score, labels: labels, sender: sender)
        case .submitPeerReview(let id, let score, let labels):
            try submitPeerReview(id, score: score, labels: labels, sender: sender)
        case .proposeValidatorChange(let k, let power): try proposeValidatorChange(k, power: power, sender: key)
        case .approveValidatorChange(let id): try approveValidatorChange(id, sender: key)
        case .revealRandomness(let epoch, let secret, let next):
            try revealRandomness(epoch: epoch, secret: secret, nextCommitment: next, sender: sender)
        case .rejoinRandomness(let c): try rejoinRandomness(commitment: c, sender: sender)
        case .requestConsult(let id): try requestConsult(id, sender: sender)
        case .answerConsult(let id, let answered): try answerConsult(id, answered: answered, sender: sender)
        }
    }

    private func requireAuthority(_ key: PublicKey) throws(ContractError) {
        guard store.get(StateKeys.authority(key)) != nil else {
            throw ContractError(.unauthorized, "not a credentialing authority")
        }
    }

    private func validate(_ p: RadiologistProfile) throws(ContractError) {
        // A low-order X25519 key would make every access grant sealed to it unreadable (Ledger `Sealing`).
        guard p.sealingKey.isValid else {
            throw ContractError(.invalidArgument, "sealing key is not a valid X25519 key")
        }
        var seen: [(Modality, Urgency)] = []
        for e in p.prices {
            guard e.price > 0 else { throw ContractError(.invalidArgument, "zero price") }
            if seen.contains(where: { $0 == (e.modality, e.urgency) }) {
                throw ContractError(.invalidArgument, "duplicate price entry")
            }
            seen.append((e.modality, e.urgency))
        }
    }

    // MARK: Eligibility

    /// Eligibility at claim, assignment, bid or award (and for reviewers, without the capacity check): licence
    /// valid for the study's jurisdiction at block time, subspecialty when required, client credential when the
    /// client requires it, a registered available profile with spare capacity.
    func checkEligible(_ rad: Address, for s: Study, asReviewer: Bool = false) throws(ContractError) {
        guard let p = profile(rad) else { throw ContractError(.notEligible, "not a registered radiologist") }
        guard rad != s.client else { throw ContractError(.notEligible, "client cannot read its own study") }
        if !asReviewer {
            guard p.available else { throw ContractError(.notEligible, "not available") }
            guard metrics(rad).active < p.capacity else { throw ContractError(.notEligible, "at declared capacity") }
        }
        guard let lic = attestation(rad, .licence(jurisdiction: s.order.jurisdiction)), !lic.revoked else {
            throw ContractError(.notEligible, "no licence for \(s.order.jurisdiction)")
        }
        guard now < lic.expiresAtTicks else {
            throw ContractError(.licenceExpired, "licence for \(s.order.jurisdiction) expired at \(lic.expiresAtTicks)")
        }
        if !s.order.requiredSubspecialty.isEmpty {
            guard attestation(rad, .subspecialty(s.order.requiredSubspecialty))?.isValid(at: now) == true else {
                throw ContractError(.notEligible, "missing subspecialty \(s.order.requiredSubspecialty)")
            }
        }
        if s.order.requiresCredentialing && !asReviewer {
            guard attestation(rad, .clientCredential(client: s.client, ticksTaken: 0))?.isValid(at: now) == true else {
                throw ContractError(.notEligible, "not credentialed with the client")
            }
        }
    }
}
