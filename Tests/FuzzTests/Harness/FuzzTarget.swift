// The fuzz targets: each decoder fed arbitrary bytes, and the properties its answer must have.
//
// Shared by the deterministic mutational fuzzer in the test target (Tests/FuzzTests) and by the libFuzzer
// driver (fuzz/, `make fuzz`), which sees this directory through a symbolic link.

import Consensus
import Contracts
import Ledger
import Scenario

/// A decoder under test.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `ScenarioLoader.check(text:path:)` on arbitrary text (`kind: queue` and `kind: market`).
    case scenario
    /// `Transaction`, and the Contracts `Message` it carries.
    case transaction
    /// `Block`, its transactions' messages and the commit certificate in `lastCommit`.
    case block
    /// The Contracts `Message` alone; a first byte of 0 (not a message tag) selects `Genesis` instead.
    case message
    /// The consensus messages; the first byte selects the type (`ConsensusFuzz.types`).
    case consensus
    /// The other Ledger types (header, receipt, proofs, sealed box, validator update, event: the contracts'
    /// `ContractEvent` too); the first byte selects.
    case ledger
}

/// What a target made of one input.
public enum FuzzOutcome: Sendable {
    /// Decoded (or, for scenarios, loaded without errors).
    case accepted
    /// Rejected with a `DecodingError` (or, for scenarios, with error diagnostics).
    case rejected
}

/// A property an input broke. (A trap ends the process instead; libFuzzer and the test runner report those.)
public struct FuzzViolation: Error, CustomStringConvertible {
    public var target: FuzzTarget
    public var property: String
    public var description: String { "\(target.rawValue): \(property)" }
}

extension FuzzTarget {
    /// Runs one input through the decoder and checks its properties.
    ///
    /// - Throws: `FuzzViolation` naming the first property the input broke.
    public func run(_ input: [UInt8]) throws(FuzzViolation) -> FuzzOutcome {
        let check = Checker(target: self)
        switch self {
        case .scenario: return try ScenarioFuzz.run(input, target: self)
        case .transaction:
            guard let tx = try check.canonical(Transaction.self, input) else { return .rejected }
            try check.transaction(tx)
        case .block:
            guard let block = try check.canonical(Block.self, input) else { return .rejected }
            _ = block.hash
            _ = block.bodyMatchesHeader
            for tx in block.transactions { try check.transaction(tx, verifySignature: false) }
            _ = try check.canonical(CommitCertificate.self, block.lastCommit)
        case .message:
            if input.first == 0 {
                return try check.canonical(Genesis.self, Array(input.dropFirst())) == nil ? .rejected : .accepted
            }
            guard let message = try check.canonical(Message.self, input) else { return .rejected }
            check.open(message)
        case .consensus:
            guard let selector = input.first else { return .rejected }
            let body = Array(input.dropFirst())
            return try ConsensusFuzz.run(selector, check, body) ? .accepted : .rejected
        case .ledger:
            guard let selector = input.first else { return .rejected }
            let body = Array(input.dropFirst())
            return try LedgerFuzz.run(selector, check, body) ? .accepted : .rejected
        }
        return .accepted
    }
}

/// The canonical-codec properties, for any type.
struct Checker {
    var target: FuzzTarget

    func fail(_ property: String) -> FuzzViolation { FuzzViolation(target: target, property: property) }

    /// Decodes `input` as a `T` and checks the canonical-encoding properties:
    ///
    /// - a rejection is a `DecodingError` whose offset lies inside the input (typed throws make any other error
    ///   impossible; a trap would end the run);
    /// - the reader never moves past the input;
    /// - a value read from a prefix re-encodes to exactly the bytes read, and those bytes decode to an equal
    ///   value (one encoding per value);
    /// - `decode(canonical:)` accepts exactly the inputs the reader consumes entirely.
    ///
    /// - Returns: the value when the whole input decodes, nil when it is rejected.
    func canonical<T: CanonicalCodable & Equatable>(_: T.Type, _ input: [UInt8]) throws(FuzzViolation) -> T? {
        var reader = CanonicalReader(input)
        let value: T
        do {
            value = try T(from: &reader)
        } catch {
            guard error.offset >= 0, error.offset <= input.count else {
                throw fail("\(T.self): error offset \(error.offset) outside an input of \(input.count) bytes")
            }
            if (try? T.decode(canonical: input)) != nil {
                throw fail("\(T.self): decode(canonical:) accepted an input the reader rejects")
            }
            return nil
        }
        guard reader.offset >= 0, reader.offset <= input.count else {
            throw fail("\(T.self): reader at \(reader.offset), past the \(input.count)-byte input")
        }
        let consumed = Array(input[..<reader.offset])
        let encoded = value.canonicalBytes
        guard encoded == consumed else {
            throw fail(
                "\(T.self): re-encoding differs from the \(consumed.count) bytes read (\(encoded.count) bytes, "
                    + "first difference at \(zip(encoded, consumed).prefix { $0 == $1 }.count))")
        }
        guard (try? T.decode(canonical: encoded)) == value else {
            throw fail("\(T.self): its own encoding does not decode to an equal value")
        }
        let whole = try? T.decode(canonical: input)
        if reader.offset == input.count {
            guard whole == value else { throw fail("\(T.self): decode(canonical:) disagrees with the reader") }
            return value
        }
        guard whole == nil else { throw fail("\(T.self): decode(canonical:) accepted trailing bytes") }
        return nil
    }

    /// A decoded transaction: its message decodes canonically or is rejected; hashing and verifying never trap.
    func transaction(_ tx: Transaction, verifySignature: Bool = true) throws(FuzzViolation) {
        guard tx.hash == Hash.sha256(tx.canonicalBytes) else { throw fail("Transaction: stale hash") }
        guard tx.encodedSize == tx.canonicalBytes.count else { throw fail("Transaction: encodedSize is wrong") }
        if verifySignature { _ = tx.hasValidSignature }
        if let message = try canonical(Message.self, tx.message) { open(message) }
    }

    /// A Ledger event is either refused by `ContractEvent` (with an error naming its type) or decodes to a value
    /// whose encoding is exactly that event: one spelling per contract event.
    func contractEvent(_ e: Event) throws(FuzzViolation) {
        let typed: ContractEvent
        do { typed = try ContractEvent(e) } catch { return }
        guard typed.event == e else { throw fail("ContractEvent: a '\(e.type)' event re-encodes differently") }
        guard typed.event.canonicalBytes == e.canonicalBytes else {
            throw fail("ContractEvent: a '\(e.type)' event re-encodes to different bytes")
        }
    }

    /// Opening a sealed box from the wire never traps.
    func open(_ message: Message) {
        switch message {
        case .postStudy(let order): _ = try? Sealing.open(order.clientSealedLink, with: FuzzSeeds.sealingKey, info: [])
        case .grantAccess(let id, let recipient, let box):
            _ = try? Sealing.open(
                box, with: FuzzSeeds.sealingKey, info: Message.accessInfo(studyID: id, recipient: recipient))
        default: break
        }
    }
}

/// The consensus types, by selector byte.
enum ConsensusFuzz {
    static let names = [
        "Proposal", "Vote", "CommitCertificate", "Evidence", "ProposalEvidence", "WALRecord", "ProposedValue",
        "SignerState", "ValidatorSet", "ConsensusWAL",
    ]

    /// Decodes `b` as the type `names[selector % names.count]`; whether it was accepted.
    static func run(_ selector: UInt8, _ c: Checker, _ b: [UInt8]) throws(FuzzViolation) -> Bool {
        let set = FuzzSeeds.validatorSet
        let chainID = FuzzSeeds.chainID
        switch Int(selector) % names.count {
        case 0:
            guard let p = try c.canonical(Proposal.self, b) else { return false }
            _ = p.signBytes
            _ = p.value.isSelfConsistent
        case 1:
            guard let v = try c.canonical(Vote.self, b) else { return false }
            _ = v.signBytes
            _ = v.description
        case 2:
            guard let cert = try c.canonical(CommitCertificate.self, b) else { return false }
            _ = cert.verify(validatorSet: set, chainID: chainID, cache: SignatureCache(capacity: 16))
        case 3:
            guard let e = try c.canonical(Evidence.self, b) else { return false }
            _ = e.verify(validatorSet: set, chainID: chainID, cache: SignatureCache(capacity: 16))
        case 4:
            guard let e = try c.canonical(ProposalEvidence.self, b) else { return false }
            _ = e.verify(validatorSet: set, chainID: chainID, cache: SignatureCache(capacity: 16))
        case 5: return try c.canonical(WALRecord.self, b) != nil
        case 6: return try c.canonical(ProposedValue.self, b) != nil
        case 7: return try c.canonical(SignerState.self, b) != nil
        case 8:
            guard let decoded = try c.canonical(ValidatorSet.self, b) else { return false }
            _ = decoded.hash
        default:
            // A WAL read back after a crash: the intact prefix is kept, byte for byte.
            let (wal, truncated) = ConsensusWAL.recover(from: b)
            guard wal.bytes == Array(b.prefix(wal.bytes.count)) else {
                throw c.fail("ConsensusWAL: recovered frames differ from the input's prefix")
            }
            guard truncated == (wal.bytes.count != b.count) else {
                throw c.fail(
                    "ConsensusWAL: 'truncated' is \(truncated) but \(wal.bytes.count) of \(b.count) bytes kept")
            }
            return !truncated
        }
        return true
    }
}

/// The other Ledger types, by selector byte.
enum LedgerFuzz {
    static let names = ["BlockHeader", "Receipt", "MerkleProof", "StateProof", "ValidatorUpdate", "SealedBox", "Event"]

    /// Decodes `b` as the type `names[selector % names.count]`; whether it was accepted.
    static func run(_ selector: UInt8, _ c: Checker, _ b: [UInt8]) throws(FuzzViolation) -> Bool {
        switch Int(selector) % names.count {
        case 0:
            guard let h = try c.canonical(BlockHeader.self, b) else { return false }
            _ = h.hash
        case 1:
            guard let r = try c.canonical(Receipt.self, b) else { return false }
            for e in r.events { try c.contractEvent(e) }
        case 2:
            guard let p = try c.canonical(MerkleProof.self, b) else { return false }
            _ = p.verify(leaf: [1, 2, 3], root: .zero)
        case 3:
            guard let p = try c.canonical(StateProof.self, b) else { return false }
            _ = p.verify(root: .zero)
        case 4: return try c.canonical(ValidatorUpdate.self, b) != nil
        case 5:
            guard let box = try c.canonical(SealedBox.self, b) else { return false }
            _ = try? Sealing.open(box, with: FuzzSeeds.sealingKey, info: [])
        default:
            guard let e = try c.canonical(Event.self, b) else { return false }
            try c.contractEvent(e)
        }
        return true
    }
}

/// The scenario loader: never traps; a rejection lists at least one error, each with a position and message.
enum ScenarioFuzz {
    static let path = "fuzz.yaml"

    static func run(_ input: [UInt8], target: FuzzTarget) throws(FuzzViolation) -> FuzzOutcome {
        let text = String(decoding: input, as: UTF8.self)
        let diagnostics: [Diagnostic]
        var loaded: ScenarioFile?
        do {
            loaded = try ScenarioLoader.parse(text: text, path: path)
            diagnostics = loaded?.warnings ?? []
        } catch {
            guard error.diagnostics.contains(where: { $0.severity == .error }) else {
                throw FuzzViolation(target: target, property: "rejected without an error diagnostic")
            }
            diagnostics = error.diagnostics
        }
        if let file = loaded {
            guard file.horizonTicks > file.warmupTicks, file.warmupTicks >= 0 else {
                throw FuzzViolation(target: target, property: "loaded with horizon \(file.horizonTicks) <= warmup")
            }
            guard !file.warnings.contains(where: { $0.severity == .error }) else {
                throw FuzzViolation(target: target, property: "loaded with an error among its warnings")
            }
        }
        for d in diagnostics {
            guard d.line >= 1, d.column >= 1, !d.message.isEmpty, d.path == path else {
                throw FuzzViolation(target: target, property: "malformed diagnostic '\(d)'")
            }
        }
        _ = Diagnostic.render(diagnostics, text: text)
        return loaded == nil ? .rejected : .accepted
    }
}
