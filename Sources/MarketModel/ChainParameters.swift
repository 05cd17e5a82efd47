// The permissioned chain a market runs on (`MarketParameters.chain`).

/// The permissioned BFT chain: validators, limits, timeouts, network, faults, costs, fees.
public struct ChainParameters: Sendable, Equatable {
    /// An organisation running validators.
    public struct Operator: Sendable, Equatable {
        public var name: String
        public init(name: String) { self.name = name }
    }

    public struct Validator: Sendable, Equatable {
        public var name: String
        /// The ``Operator`` running it.
        public var operatorName: String
        /// Voting power, at least 1 (default 1).
        public var power: Int
        /// Its region in a `regions` latency profile, or `nil`.
        public var region: String?
        public init(name: String, operatorName: String, power: Int = 1, region: String? = nil) {
            self.name = name
            self.operatorName = operatorName
            self.power = power
            self.region = region
        }
    }

    /// Block limits (defaults: the Ledger mempool's 5,000 transactions and Consensus's 4 MiB value).
    public struct BlockLimits: Sendable, Equatable {
        public var maxTransactions: Int
        public var maxBytes: Int
        /// Wait after a commit before the next height (CometBFT's `timeout_commit`; default 1 s).
        public var intervalTicks: Int64
        public init(maxTransactions: Int = 5000, maxBytes: Int = 4 << 20, intervalTicks: Int64 = 1_000_000) {
            self.maxTransactions = maxTransactions
            self.maxBytes = maxBytes
            self.intervalTicks = intervalTicks
        }
    }

    /// Consensus timeouts `init + round · delta`, ticks (defaults: CometBFT's, as Consensus `TimeoutConfig.cometBFT`).
    public struct Timeouts: Sendable, Equatable {
        public var proposeTicks: Int64
        public var proposeDeltaTicks: Int64
        public var prevoteTicks: Int64
        public var prevoteDeltaTicks: Int64
        public var precommitTicks: Int64
        public var precommitDeltaTicks: Int64
        public init(
            proposeTicks: Int64 = 3_000_000, proposeDeltaTicks: Int64 = 500_000, prevoteTicks: Int64 = 1_000_000,
            prevoteDeltaTicks: Int64 = 500_000, precommitTicks: Int64 = 1_000_000, precommitDeltaTicks: Int64 = 500_000
        ) {
            self.proposeTicks = proposeTicks
            self.proposeDeltaTicks = proposeDeltaTicks
            self.prevoteTicks = prevoteTicks
            self.prevoteDeltaTicks = prevoteDeltaTicks
            self.precommitTicks = precommitTicks
            self.precommitDeltaTicks = precommitDeltaTicks
        }
    }

    /// Proposer-based timestamps (Consensus `SynchronyParams`): a fresh proposal whose block time is not within
    /// `precision` (ahead) or `messageDelay + precision` (behind, +10 % per round) of a validator's clock when it
    /// first sees it gets that validator's nil prevote. Defaults: CometBFT's `DefaultSynchronyParams`
    /// (types/params.go), 505 ms and 15 s **[assumption]**: the market's validators are a LAN whose clocks agree far
    /// better than that, so the defaults never refuse an honest block and only bound a Byzantine proposer's lie.
    public struct Synchrony: Sendable, Equatable {
        public var precisionTicks: Int64
        public var messageDelayTicks: Int64
        public init(precisionTicks: Int64 = 505_000, messageDelayTicks: Int64 = 15_000_000) {
            self.precisionTicks = precisionTicks
            self.messageDelayTicks = messageDelayTicks
        }
    }
    /// One-way message delay between validators (and from agents to their validator).
    public enum Latency: Sendable, Equatable {
        case constant(ticks: Int64)
        case lognormal(meanTicks: Int64, cv: Double)
        /// `matrixTicks[i][j]` is the mean delay from region i to region j, with lognormal jitter of `jitterCV`
        /// (0 = constant).
        case regions(names: [String], matrixTicks: [[Int64]], jitterCV: Double)
    }

    public enum FaultAction: Sendable, Equatable {
        case crash(validator: String)
        case restart(validator: String)
        /// Validators split into groups that cannot reach each other for `durationTicks`.
        case partition(groups: [[String]], durationTicks: Int64)
    }

    public struct Fault: Sendable, Equatable {
        public var atTicks: Int64
        public var action: FaultAction
        public init(atTicks: Int64, action: FaultAction) {
            self.atTicks = atTicks
            self.action = action
        }
    }

    /// A scheduled change of the validator set (`chain.membership`, issue 17 item 4): at `atTicks` the operators submit
    /// the governance transactions that add `validator` (at its declared power) or remove it; the change takes effect
    /// two heights after the block that adopts it.
    public struct MembershipChange: Sendable, Equatable {
        public enum Action: String, Sendable, Equatable {
            case add
            case remove
        }
        public var atTicks: Int64
        public var action: Action
        /// A name in ``ChainParameters/validators``.
        public var validator: String
        public init(atTicks: Int64, action: Action, validator: String) {
            self.atTicks = atTicks
            self.action = action
            self.validator = validator
        }
    }

    /// Transaction fee `minFee + perByte × size`, minor units (defaults: the Contracts genesis, 0.10 USD and 0).
    public struct Fees: Sendable, Equatable {
        public var minFee: UInt64
        public var perByte: UInt64
        public init(minFee: UInt64 = 10, perByte: UInt64 = 0) {
            self.minFee = minFee
            self.perByte = perByte
        }
    }

    public var operators: [Operator]
    public var validators: [Validator]
    public var block: BlockLimits
    public var timeouts: Timeouts
    /// Default: constant 200 us, a LAN **[assumption]**.
    public var latency: Latency
    public var faults: [Fault]
    /// CPU time charged per signature verification, ticks (default 77 us: bench/README.md, Ed25519 verify 77.5 µs).
    public var verificationCostTicks: Int64
    public var fees: Fees
    public var synchrony: Synchrony
    /// How the chain's signatures are made and checked (default `ed25519`). Both modes charge
    /// ``verificationCostTicks`` per check, so every market record is the same; only chain bytes differ.
    public var signatures: Signatures = .ed25519
    /// Scheduled validator-set changes, in time order (default none). A validator whose first change is an `add`
    /// runs from the start without voting power (``startsInSet(_:)``).
    public var membership: [MembershipChange] = []

    /// Whether validator `name` is in the genesis set: every validator unless its first scheduled change adds it.
    public func startsInSet(_ name: String) -> Bool {
        membership.first { $0.validator == name }?.action != .add
    }

    /// Heights per epoch of the randomness beacon that draws peer-review samples (a report is drawn at the end of
    /// the epoch after its own). Default 10 heights **[assumption]**: about 10 s of a busy chain at the default 1 s
    /// block interval; since heights advance only with transactions (no empty blocks), the length is also how many
    /// blocks a quiet market waits for its draws (market-tiny makes 48 blocks in 6 h; at 30 heights none of its
    /// draws would come). Every proposer of four, in rotation, still has two or more turns per epoch, so a censored
    /// reveal lands in another proposer's block of the same epoch.
    public var randomnessEpochHeights: Int = 10

    /// The chain's signature scheme (the Ledger's `SignatureScheme`, by name).
    public enum Signatures: String, Sendable, Equatable, CaseIterable {
        /// Real Ed25519: for audits and load tests.
        case ed25519
        /// A keyed hash of Ed25519's size and simulated cost: for sweeps (same market results, faster).
        case simulated
    }

    /// Four validators `v1`...`v4`, each run by its own operator `op1`...`op4`, on a LAN, no faults.
    public init(
        operators: [Operator] = (1...4).map { Operator(name: "op\($0)") },
        validators: [Validator] = (1...4).map { Validator(name: "v\($0)", operatorName: "op\($0)") },
        block: BlockLimits = BlockLimits(), timeouts: Timeouts = Timeouts(), latency: Latency = .constant(ticks: 200),
        faults: [Fault] = [], verificationCostTicks: Int64 = 77, fees: Fees = Fees(), synchrony: Synchrony = Synchrony()
    ) {
        self.operators = operators
        self.validators = validators
        self.block = block
        self.timeouts = timeouts
        self.latency = latency
        self.faults = faults
        self.verificationCostTicks = verificationCostTicks
        self.fees = fees
        self.synchrony = synchrony
    }
}
