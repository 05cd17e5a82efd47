import Contracts
import Foundation
import Ledger
import MarketModel
import Stochastic

// Market behaviour models (issue 5, part 1): pure, deterministic functions of their parameters and of the
// `RandomStream`s handed in. Units follow `MarketParameters`: ticks (1 µs), minor units, basis points.

/// Anatomic region of a study, an on-chain code (`StudyOrder.bodyPart`).
public enum BodyPart: UInt16, Sendable, CaseIterable, Equatable {
    case head = 1
    case cervicalSpine, chest, abdomenPelvis, lumbarSpine, extremity, breast, neck, wholeBody
}

/// How serious a present finding is, and so how serious missing it would be.
public enum Severity: Int, Sendable, Equatable, Comparable {
    case minor = 1
    case major
    public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }
}

/// The latent truth of a study, known only to the simulation (it scores reads; it never goes on chain).
public struct LatentTruth: Sendable, Equatable {
    /// Whether a finding is present.
    public var hasFinding: Bool
    /// Its severity; `nil` when there is no finding.
    public var severity: Severity?
    /// A coded finding (`bodyPart · 100 + 1...20`), 0 when there is no finding.
    public var findingCode: UInt16

    public init(hasFinding: Bool, severity: Severity?, findingCode: UInt16) {
        self.hasFinding = hasFinding
        self.severity = severity
        self.findingCode = findingCode
    }

    public static let normal = LatentTruth(hasFinding: false, severity: nil, findingCode: 0)
}

/// Identifies a study: the client (`<group>-<n>`), which of the group's volumes it came from, and its
/// sequence number within that (client, volume) source, from 0.
public struct StudyKey: Sendable, Equatable, Hashable, Comparable, CustomStringConvertible {
    public var client: String
    public var source: Int
    public var sequence: Int

    public init(client: String, source: Int, sequence: Int) {
        self.client = client
        self.source = source
        self.sequence = sequence
    }

    public static func < (a: StudyKey, b: StudyKey) -> Bool {
        (a.client, a.source, a.sequence) < (b.client, b.source, b.sequence)
    }

    public var description: String { "\(client)/\(source)/\(sequence)" }
}

/// One imaging study as the simulation knows it: what the client orders, plus the latent truth.
public struct Study: Sendable, Equatable {
    public var key: StudyKey
    /// Arrival time, ticks since Monday 00:00 of week 0.
    public var arrivalTicks: Int64
    public var modality: Modality
    public var urgency: Urgency
    public var bodyPart: BodyPart
    /// Subspecialty the read requires, or `nil`.
    public var subspecialty: String?
    /// Whether the requisition carries a specific clinical question (a "good" requisition).
    public var requisitionHasClinicalQuestion: Bool
    public var truth: LatentTruth
}

/// The off-chain synthetic patient record behind a study. Patient-like identifiers, fake but realistic in form;
/// they must never reach the chain (only the `StudyOrder` of ``GeneratedStudy/order(for:)`` does).
public struct SyntheticPatientRecord: Sendable, Equatable {
    /// `MRN` followed by 8 digits.
    public var medicalRecordNumber: String
    /// "Given Family".
    public var patientName: String
    /// `YYYY-MM-DD`.
    public var dateOfBirth: String
    /// The free-text requisition (clinical question and history), which names the patient.
    public var requisitionText: String
    /// 32 random bytes salting the requisition commitment, so the on-chain hash cannot be brute-forced
    /// from guessed identifiers.
    public var salt: [UInt8]

    /// Every identifying string in the record (what a privacy scan looks for).
    public var identifiers: [String] { [medicalRecordNumber, patientName, dateOfBirth] }
}

/// The privacy scan of a study's on-chain projection (the Contracts `StudyOrder`: codes and a salted hash only,
/// plus the sealed access link). No field is derived from the patient record except through `requisitionHash` =
/// SHA-256("readchain.requisition", salt, requisition text).
extension StudyOrder {
    /// The stand-in access link of an order not yet posted: ciphertext `linkBytes` under a fixed ephemeral key
    /// (the real link is ciphertext the client seals when it posts).
    public static func placeholderLink(linkBytes: [UInt8] = Array(repeating: 0, count: 48)) -> SealedBox {
        SealedBox(ephemeralPublicKey: SealingPublicKey(bytes: Array(repeating: 9, count: 32)), ciphertext: linkBytes)
    }

    /// The canonical bytes of the order as it goes on chain, with a placeholder sealed link of `linkBytes`: what a
    /// privacy scan of the chain sees.
    public func onChainBytes(linkBytes: [UInt8] = Array(repeating: 0, count: 48)) -> [UInt8] {
        var order = self
        order.clientSealedLink = Self.placeholderLink(linkBytes: linkBytes)
        return order.canonicalBytes
    }

    /// Every field but the sealed link as text (the hash in hex): what a privacy scan checks.
    public var fieldTexts: [String] {
        [
            modality.name, String(bodyPart), urgency.name, jurisdiction, requiredSubspecialty,
            String(requiresCredentialing), String(maxPrice), String(deadlineTicks),
            requisitionHash.bytes.map { String(format: "%02x", $0) }.joined(),
        ]
    }
}

/// A study together with its off-chain record.
public struct GeneratedStudy: Sendable, Equatable {
    public var study: Study
    public var record: SyntheticPatientRecord

    /// The on-chain projection, given the client's terms: the Contracts `StudyOrder` to post
    /// (`Message.postStudy`), with a placeholder access link until the client seals the real one to itself.
    public func order(for group: ClientGroup) -> StudyOrder {
        let hash = Hash.sha256(domain: "readchain.requisition", record.salt, Array(record.requisitionText.utf8))
        let surcharge: UInt64 = study.urgency == .stat ? group.statSurcharge : 0
        return StudyOrder(
            modality: study.modality, bodyPart: study.bodyPart.rawValue, urgency: study.urgency,
            jurisdiction: group.jurisdiction, requiredSubspecialty: study.subspecialty ?? "",
            requiresCredentialing: group.requiresCredentialing,
            maxPrice: group.willingnessToPay[study.modality] + surcharge,
            deadlineTicks: study.arrivalTicks + group.turnaroundTicks[study.urgency], requisitionHash: hash,
            clientSealedLink: StudyOrder.placeholderLink())
    }
}
