// Signed consensus messages, equivocation evidence and commit certificates.

import Ledger

/// ⟨PROPOSAL, h, r, v, vr⟩ signed by the proposer. Carries the whole value; the signature covers only its id.
public struct Proposal: Hashable, Sendable, CanonicalCodable, CustomStringConvertible {
    public var chainID: String
    public var height: Height
    public var round: Round
    public var value: ProposedValue
    /// The paper's `vr` (`validRound_p` of the proposer), −1 for a fresh value.
    public var validRound: Round
    public var proposer: Address
    public var signature: Signature

    public init(
        chainID: String, height: Height, round: Round, value: ProposedValue, validRound: Round, proposer: Address,
        signature: Signature
    ) {
        self.chainID = chainID
        self.height = height
        self.round = round
        self.value = value
        self.validRound = validRound
        self.proposer = proposer
        self.signature = signature
    }

    /// Canonical encoding of (`"readchain/proposal/v1"`, chainID, type 0x20, height, round, id(v), vr).
    public static func signBytes(chainID: String, height: Height, round: Round, valueID: Hash, validRound: Round)
        -> Bytes
    {
        var w = CanonicalWriter()
        w.writeString("readchain/proposal/v1")
        w.writeString(chainID)
        w.write(UInt8(0x20))
        w.write(height)
        w.write(round)
        w.write(valueID)
        w.write(validRound)
        return w.bytes
    }

    public var signBytes: Bytes {
        Self.signBytes(chainID: chainID, height: height, round: round, valueID: value.id, validRound: validRound)
    }

    public func encode(into w: inout CanonicalWriter) {
        w.writeString(chainID)
        w.write(height)
        w.write(round)
        w.write(value)
        w.write(validRound)
        w.write(proposer)
        w.write(signature)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        chainID = try r.readString(maxLength: Transaction.maxChainIDLength)
        height = try r.readUInt64()
        round = try r.readInt64()
        value = try r.read()
        validRound = try r.readInt64()
        proposer = try r.read()
        signature = try r.read()
    }

    public var description: String { "PROPOSAL(\(height)/\(round), \(value), vr=\(validRound))" }
}

/// ⟨PREVOTE|PRECOMMIT, h, r, id(v) or nil⟩ signed by a validator.
public struct Vote: Hashable, Sendable, CanonicalCodable, CustomStringConvertible {
    public var chainID: String
    public var type: VoteType
    public var height: Height
    public var round: Round
    /// `id(v)`, or nil for a nil vote.
    public var valueID: Hash?
    public var validator: Address
    public var signature: Signature

    public init(
        chainID: String, type: VoteType, height: Height, round: Round, valueID: Hash?, validator: Address,
        signature: Signature
    ) {
        self.chainID = chainID
        self.type = type
        self.height = height
        self.round = round
        self.valueID = valueID
        self.validator = validator
        self.signature = signature
    }

    /// Canonical encoding of (`"readchain/vote/v1"`, chainID, type, height, round, optional id(v)).
    public static func signBytes(chainID: String, type: VoteType, height: Height, round: Round, valueID: Hash?)
        -> Bytes
    {
        var w = CanonicalWriter()
        w.writeString("readchain/vote/v1")
        w.writeString(chainID)
        w.write(type.rawValue)
        w.write(height)
        w.write(round)
        w.writeOptional(valueID)
        return w.bytes
    }

    public var signBytes: Bytes {
        Self.signBytes(chainID: chainID, type: type, height: height, round: round, valueID: valueID)
    }

    public func encode(into w: inout CanonicalWriter) {
        w.writeString(chainID)
        w.write(type.rawValue)
        w.write(height)
        w.write(round)
        w.writeOptional(valueID)
        w.write(validator)
        w.write(signature)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        chainID = try r.readString(maxLength: Transaction.maxChainIDLength)
        guard let t = VoteType(rawValue: try r.readUInt8()) else { throw r.error("unknown vote type") }
        type = t
        height = try r.readUInt64()
        round = try r.readInt64()
        valueID = try r.readOptional(Hash.self)
        validator = try r.read()
        signature = try r.read()
    }

    public var description: String {
        "\(type.description.uppercased())(\(height)/\(round), \(valueID.map { String($0.hex.prefix(8)) } ?? "nil"), \(validator.hex.prefix(6)))"
    }
}

/// Two conflicting signed votes of one validator for the same (height, round, type): CometBFT's
/// `DuplicateVoteEvidence`. `first` is the vote that was counted.
public struct Evidence: Hashable, Sendable, CanonicalCodable {
    public var first: Vote
    public var second: Vote

    public init(first: Vote, second: Vote) {
        self.first = first
        self.second = second
    }

    public var validator: Address { first.validator }

    /// Whether the two votes really conflict and are both correctly signed by a validator of `validatorSet`.
    public func verify(validatorSet: ValidatorSet, chainID: String, cache: SignatureCache) -> Bool {
        guard first.validator == second.validator, ChainID.same(first.chainID, chainID),
            ChainID.same(second.chainID, chainID),
            first.type == second.type, first.height == second.height, first.round == second.round,
            first.valueID != second.valueID, let v = validatorSet.validator(first.validator)
        else { return false }
        return cache.verify(first.signature, message: first.signBytes, key: v.publicKey)
            && cache.verify(second.signature, message: second.signBytes, key: v.publicKey)
    }

    public func encode(into w: inout CanonicalWriter) {
        w.write(first)
        w.write(second)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        first = try r.read()
        second = try r.read()
    }
}

/// Two different signed proposals of one proposer for the same (height, round): an equivocating proposer (B08).
/// `first` is the proposal that was accepted.
public struct ProposalEvidence: Hashable, Sendable, CanonicalCodable {
    public var first: Proposal
    public var second: Proposal

    public init(first: Proposal, second: Proposal) {
        self.first = first
        self.second = second
    }

    public var validator: Address { first.proposer }

    /// Whether the two proposals really conflict and are both correctly signed by a validator of `validatorSet`.
    public func verify(validatorSet: ValidatorSet, chainID: String, cache: SignatureCache) -> Bool {
        guard first.proposer == second.proposer, ChainID.same(first.chainID, chainID),
            ChainID.same(second.chainID, chainID),
            first.height == second.height, first.round == second.round, first.signBytes != second.signBytes,
            let v = validatorSet.validator(first.proposer)
        else { return false }
        return cache.verify(first.signature, message: first.signBytes, key: v.publicKey)
            && cache.verify(second.signature, message: second.signBytes, key: v.publicKey)
    }

    public func encode(into w: inout CanonicalWriter) {
        w.write(first)
        w.write(second)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        first = try r.read()
        second = try r.read()
    }
}

/// One precommit signature in a commit certificate.
public struct CommitSignature: Hashable, Sendable, CanonicalCodable {
    /// Index into the height's `ValidatorSet.validators`.
    public var validatorIndex: UInt32
    public var signature: Signature

    public init(validatorIndex: UInt32, signature: Signature) {
        self.validatorIndex = validatorIndex
        self.signature = signature
    }

    public func encode(into w: inout CanonicalWriter) {
        w.write(validatorIndex)
        w.write(signature)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        validatorIndex = try r.readUInt32()
        signature = try r.read()
    }
}

/// Precommits for `blockID` at (height, round) from more than 2/3 of the power: the proof that a block is
/// decided (an Ed25519 list certificate; consensus-tests.md §6). Its canonical bytes go into the next block's
/// `lastCommit`.
public struct CommitCertificate: Hashable, Sendable, CanonicalCodable {
    public var height: Height
    public var round: Round
    public var blockID: Hash
    /// Sorted by `validatorIndex`, no repeats.
    public var signatures: [CommitSignature]

    public init(height: Height, round: Round, blockID: Hash, signatures: [CommitSignature]) {
        self.height = height
        self.round = round
        self.blockID = blockID
        self.signatures = signatures
    }

    /// Whether the certificate carries valid precommits for `blockID` from more than 2/3 of `validatorSet`'s
    /// power (the set in force at `height`).
    ///
    /// - Complexity: one signature check (cached) per entry.
    public func verify(validatorSet: ValidatorSet, chainID: String, cache: SignatureCache) -> Bool {
        let message = Vote.signBytes(
            chainID: chainID, type: .precommit, height: height, round: round, valueID: blockID)
        var power: UInt64 = 0
        var previous = -1
        for s in signatures {
            let i = Int(s.validatorIndex)
            guard i > previous, i < validatorSet.count else { return false }
            previous = i
            let v = validatorSet.validators[i]
            guard cache.verify(s.signature, message: message, key: v.publicKey) else { return false }
            power += v.power
        }
        return validatorSet.isQuorum(power)
    }

    public func encode(into w: inout CanonicalWriter) {
        w.write(height)
        w.write(round)
        w.write(blockID)
        w.writeArray(signatures)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        height = try r.readUInt64()
        round = try r.readInt64()
        blockID = try r.read()
        signatures = try r.readArray(of: CommitSignature.self, maxCount: 10_000)
    }
}
