// Validator sets, weighted thresholds and CometBFT's proposer selection.

import Ledger

/// One validator: address, Ed25519 public key, voting power (> 0).
public struct Validator: Hashable, Sendable, CanonicalCodable {
    public var publicKey: PublicKey
    public var power: UInt64
    public var address: Address

    public init(publicKey: PublicKey, power: UInt64) {
        precondition(power > 0, "voting power must be positive")
        self.publicKey = publicKey
        self.power = power
        self.address = publicKey.address
    }

    public func encode(into w: inout CanonicalWriter) {
        w.write(publicKey)
        w.write(power)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        let key: PublicKey = try r.read()
        let power = try r.readUInt64()
        guard power > 0 else { throw r.error("validator power must be positive") }
        self.init(publicKey: key, power: power)
    }
}

/// The validators of one height, ordered as CometBFT orders them: power descending, then address ascending.
///
/// Thresholds are weighted (the paper's n = 3f+1 generalised to power): a *quorum* ("2f+1") is more than 2/3 of
/// the total power, *f+1* is more than 1/3. Exactly 2/3 is not a quorum (A15).
public struct ValidatorSet: Hashable, Sendable, CanonicalCodable {
    public let validators: [Validator]
    public let totalPower: UInt64
    private let indexByAddress: [Address: Int]

    /// - Precondition: no duplicate addresses, total power ≤ 2^60 (so that 3·power never overflows).
    public init(_ validators: [Validator]) {
        let sorted = validators.sorted { a, b in a.power != b.power ? a.power > b.power : a.address < b.address }
        var index: [Address: Int] = [:]
        var total: UInt64 = 0
        for (i, v) in sorted.enumerated() {
            precondition(index[v.address] == nil, "duplicate validator \(v.address)")
            index[v.address] = i
            total += v.power
        }
        precondition(total <= 1 << 60, "total voting power too large")
        self.validators = sorted
        self.totalPower = total
        self.indexByAddress = index
    }

    public var count: Int { validators.count }

    /// The position of `address` in `validators`, or nil for a non-validator.
    public func index(of address: Address) -> Int? { indexByAddress[address] }

    /// The validator with `address`, or nil.
    public func validator(_ address: Address) -> Validator? { indexByAddress[address].map { validators[$0] } }

    /// Voting power of `address` (0 for a non-validator).
    public func power(of address: Address) -> UInt64 { validator(address)?.power ?? 0 }

    /// More than 2/3 of the total power (the paper's 2f+1).
    public func isQuorum(_ power: UInt64) -> Bool { isQuorum(power, mutations: []) }

    /// ``isQuorum(_:)``, or under the `thresholdTwoF` mutant (test builds): at least 2·fmax.
    func isQuorum(_ power: UInt64, mutations: ConsensusMutations) -> Bool {
        if mutations.contains(.thresholdTwoF) {
            let fmax = (totalPower - 1) / 3
            return power >= 2 * fmax
        }
        return power * 3 > totalPower * 2
    }

    /// More than 1/3 of the total power (the paper's f+1).
    public func isOneThirdPlus(_ power: UInt64) -> Bool { power * 3 > totalPower }

    /// `Hash.sha256(domain: "readchain/validators/v1", canonical bytes)` (order and powers; no priorities).
    public var hash: Hash { Hash.sha256(domain: "readchain/validators/v1", canonicalBytes) }

    public func encode(into w: inout CanonicalWriter) { w.writeArray(validators) }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        let vs = try r.readArray(of: Validator.self, maxCount: 10_000)
        var seen = Set<Address>()
        var total: UInt64 = 0
        for v in vs {
            guard seen.insert(v.address).inserted else { throw r.error("duplicate validator") }
            // `init` traps above 2^60; total ≤ 2^60 here, so the subtraction cannot underflow.
            guard v.power <= (1 << 60) - total else { throw r.error("total voting power too large") }
            total += v.power
        }
        // One encoding per set: `init` sorts, so an unsorted list would decode to a set that re-encodes differently.
        for (a, b) in zip(vs, vs.dropFirst()) where a.power != b.power ? a.power < b.power : a.address > b.address {
            throw r.error("validators not in canonical order (power descending, then address ascending)")
        }
        self.init(vs)
    }

    public static func == (a: ValidatorSet, b: ValidatorSet) -> Bool { a.validators == b.validators }
    public func hash(into h: inout Hasher) { h.combine(validators) }
}

/// CometBFT's priority-based weighted round-robin (`spec/consensus/proposer-selection.md`,
/// `types/validator_set.go`).
///
/// Each step adds every validator's power to its priority, picks the highest priority (ties: the lower
/// address) and subtracts the total power from the winner. Before a batch of steps, priorities are rescaled so
/// that max − min ≤ 2·total, and centred on their (floored) average. In a window of `totalPower` consecutive
/// steps every validator is chosen about `power` times.
///
/// As in CometBFT, the selector at a height is advanced once per height (`advanceHeight()`), and the proposer
/// of round r > 0 is that of a copy advanced r more steps (`proposer(round:)`), so rounds do not disturb the
/// rotation across heights.
public struct ProposerSelector: Hashable, Sendable {
    public let validatorSet: ValidatorSet
    /// Priorities, parallel to `validatorSet.validators`.
    public private(set) var priorities: [Int64]
    /// Index of the proposer of round 0 at the current height.
    public private(set) var proposerIndex: Int

    /// The genesis selector: priorities 0, advanced once (as `NewValidatorSet` does).
    public init(validatorSet: ValidatorSet) {
        precondition(validatorSet.count > 0, "empty validator set")
        self.validatorSet = validatorSet
        self.priorities = Array(repeating: 0, count: validatorSet.count)
        self.proposerIndex = 0
        self.proposerIndex = increment(times: 1)
    }

    /// Moves to the next height (CometBFT `IncrementProposerPriority(1)` in `updateState`).
    public mutating func advanceHeight() { proposerIndex = increment(times: 1) }

    /// Moves to the next height with a changed validator set, carrying priorities the way CometBFT does
    /// (`ValidatorSet.UpdateWithChangeSet` then `IncrementProposerPriority(1)` in `updateState`): validators that
    /// stay keep their priority (with their new power); a new validator starts at −1.125 × the total power
    /// after updates and before removals (`-(t + t >> 3)`, so it does not propose at once); removed ones are dropped; then the priorities are
    /// rescaled to a window of 2 × total and centred, and the selector advances one step.
    ///
    /// With an unchanged set this is `advanceHeight()`.
    public mutating func advanceHeight(to newSet: ValidatorSet) {
        guard newSet != validatorSet else { return advanceHeight() }
        self = ProposerSelector(carrying: self, to: newSet)
        advanceHeight()
    }

    /// The selector of `newSet` with `old`'s priorities carried over (before the step `advanceHeight` takes).
    private init(carrying old: ProposerSelector, to newSet: ValidatorSet) {
        precondition(newSet.count > 0, "empty validator set")
        let total = Int64(newSet.totalPower)
        // CometBFT uses the total after updates and before removals (`verifyUpdates`).
        let removed = old.validatorSet.validators.reduce(Int64(0)) {
            $0 + (newSet.index(of: $1.address) == nil ? Int64($1.power) : 0)
        }
        let basis = total + removed
        let fresh = -(basis + (basis >> 3))
        validatorSet = newSet
        priorities = newSet.validators.map { v in
            old.validatorSet.index(of: v.address).map { old.priorities[$0] } ?? fresh
        }
        proposerIndex = 0
        rescale(diffMax: 2 * total)
        centre()
    }

    /// The proposer of round 0 at the current height.
    public var proposer: Validator { validatorSet.validators[proposerIndex] }

    /// The proposer of `round` at the current height.
    ///
    /// - Complexity: O(round · n).
    public func proposer(round: Round) -> Validator {
        guard round > 0 else { return proposer }
        var copy = self
        let i = copy.increment(times: Int(round))
        return validatorSet.validators[i]
    }

    /// `IncrementProposerPriority(times)`: rescale, centre, then `times` steps; returns the last winner.
    private mutating func increment(times: Int) -> Int {
        precondition(times > 0)
        let total = Int64(validatorSet.totalPower)
        rescale(diffMax: 2 * total)
        centre()
        var winner = 0
        for _ in 0..<times { winner = step(total: total) }
        return winner
    }

    private mutating func rescale(diffMax: Int64) {
        guard diffMax > 0, let hi = priorities.max(), let lo = priorities.min() else { return }
        let diff = hi - lo
        guard diff > diffMax else { return }
        let ratio = (diff + diffMax - 1) / diffMax
        for i in priorities.indices { priorities[i] /= ratio }  // truncation toward zero, as Go's `/`
    }

    private mutating func centre() {
        let n = Int64(priorities.count)
        let sum = priorities.reduce(0, +)
        // Go's big.Int.Div is Euclidean: with n > 0 it is floor division.
        var avg = sum / n
        if sum % n != 0 && sum < 0 { avg -= 1 }
        for i in priorities.indices { priorities[i] -= avg }
    }

    private mutating func step(total: Int64) -> Int {
        let vs = validatorSet.validators
        for i in priorities.indices { priorities[i] += Int64(vs[i].power) }
        var best = 0
        for i in priorities.indices.dropFirst() {
            if priorities[i] > priorities[best]
                || (priorities[i] == priorities[best] && vs[i].address < vs[best].address)
            {
                best = i
            }
        }
        priorities[best] -= total
        return best
    }
}
