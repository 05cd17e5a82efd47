// The market's chain: genesis (accounts, authority, market design, value-based terms, fees, validators) and the
// cluster of validators that runs it, from the run's spec.

import Cluster
import Consensus
import Contracts
import DiscreteEvent
import Ledger
import MarketModel
import Network

extension MarketWorld {
    /// The run's chain at genesis.
    struct Chain {
        var cluster: ChainCluster<ReadChainApp, Event>
        /// `Genesis.canonicalBytes` of the chain's application.
        var genesisBytes: [UInt8]
        /// The nodes' transaction size limit.
        var maxTxBytes: Int
    }

    /// Builds genesis (every party's account, the authority, the design's market terms) and the validators.
    static func makeCluster(
        spec: MarketRunSpec, chainID: String, clients: [Address], radiologists: [Address], authority: Party,
        intermediary: Party, operators: [Party] = [], randomness: [RandomnessParticipant] = []
    ) throws -> Chain {
        let genesis = try makeGenesis(
            spec: spec, chainID: chainID, clients: clients, radiologists: radiologists, authority: authority,
            intermediary: intermediary, operators: operators, randomness: randomness)
        let config = clusterConfig(spec: spec, chainID: chainID)
        return Chain(
            cluster: ChainCluster(config: config, makeApp: { ReadChainApp(genesis: genesis) }),
            genesisBytes: genesis.canonicalBytes, maxTxBytes: config.node.mempool.maxTxBytes)
    }

    /// Genesis: every party's account, the authority, the design's market and value-based terms, fees, validators,
    /// the randomness beacon's participants (the validators' operators, each with an account for its fees); with
    /// `operators` (scheduled membership changes), their accounts and the governance section.
    static func makeGenesis(
        spec: MarketRunSpec, chainID: String, clients: [Address], radiologists: [Address], authority: Party,
        intermediary: Party, operators: [Party] = [], randomness: [RandomnessParticipant] = []
    ) throws -> Genesis {
        let model = spec.model
        let chain = model.chain
        let validators = chain.validators.count
        let seed = spec.seed
        let nodeKeys = (0..<validators).map { ClusterConfig.nodeKey($0, seed: seed) }
        let powers = genesisPowers(chain)
        let treasury = SigningKey.derive(label: "consortium-treasury", seed: seed).publicKey.address
        let big: UInt64 = 1 << 50
        var accounts: [GenesisAccount] = clients.map { GenesisAccount(address: $0, balance: big) }
        accounts += radiologists.map { GenesisAccount(address: $0, balance: 100_000_000) }
        accounts.append(GenesisAccount(address: authority.address, balance: 100_000_000))
        accounts.append(GenesisAccount(address: intermediary.address, balance: 100_000_000))
        accounts += operators.map { GenesisAccount(address: $0.address, balance: 100_000_000) }
        accounts += randomness.map { GenesisAccount(address: $0.address, balance: big) }
        let market: MarketDesign
        switch spec.design.mechanism {
        case .intermediary(let i):
            market = .intermediary(operator: intermediary.address, marginBasisPoints: UInt64(i.marginBasisPoints))
        case .postedPrice:
            market = .postedPrice
        case .sealedBidAuction(let a):
            market = .sealedBidAuction(
                AuctionParameters(
                    biddingWindowTicks: a.biddingWindowTicks, revealWindowTicks: a.revealWindowTicks,
                    pricing: a.pricing == .firstPrice ? .firstPrice : .secondPrice,
                    weights: ScoreWeights(
                        price: UInt64(a.priceWeightBasisPoints), quality: UInt64(a.qualityWeightBasisPoints),
                        turnaround: UInt64(a.turnaroundWeightBasisPoints))))
        }
        let vb = spec.design.valueBased.map { v in
            ValueBasedParameters(
                holdbackBasisPoints: UInt64(v.holdbackBasisPoints), levyBasisPoints: UInt64(v.levyBasisPoints),
                bonusPeriodTicks: v.bonusPeriodTicks,
                payout: {
                    switch v.payout {
                    case .proportionalToQualityPoints: .proportionalToQualityPoints
                    case .equalAmongQualified(let m): .equalAmongQualified(minPoints: UInt64(m))
                    }
                }(), holdbackTimeoutTicks: v.holdbackTimeoutTicks, feedbackThreshold: UInt8(v.feedbackThreshold))
        }
        let genesis = Genesis(
            chainID: chainID, accounts: accounts, authorities: [authority.signing.publicKey], market: market,
            valueBased: vb, fees: FeeParameters(minFee: chain.fees.minFee, perByte: chain.fees.perByte),
            feeCollector: treasury, peerReviewSamplingBasisPoints: UInt64(model.peerReview.rateBasisPoints),
            validators: zip(nodeKeys, powers).filter { $0.1 > 0 }.map {
                ValidatorUpdate(publicKey: $0.0.publicKey, power: $0.1)
            },
            governance: operators.isEmpty ? nil : GovernanceParameters(operators: operators.map(\.signing.publicKey)),
            randomness: RandomnessParameters(
                epochHeights: UInt64(chain.randomnessEpochHeights), participants: randomness),
            quality: MarketTerms.qualityParameters(model: model, design: spec.design))
        if let problem = genesis.problems().first { throw MarketSimulationError("genesis: \(problem)") }
        return genesis
    }

    /// Each validator's power at genesis: its declared power, or 0 (a running node outside the set) when its first
    /// scheduled membership change adds it.
    static func genesisPowers(_ chain: ChainParameters) -> [UInt64] {
        chain.validators.map { chain.startsInSet($0.name) ? UInt64($0.power) : 0 }
    }

    /// The validators' configuration: timeouts, blocks, faults and latency from the scenario's chain.
    static func clusterConfig(spec: MarketRunSpec, chainID: String) -> ClusterConfig {
        let chain = spec.model.chain
        let powers = genesisPowers(chain)
        var node = NodeConfig(
            chainID: chainID,
            timeouts: TimeoutConfig(
                proposeInit: chain.timeouts.proposeTicks, proposeDelta: chain.timeouts.proposeDeltaTicks,
                prevoteInit: chain.timeouts.prevoteTicks, prevoteDelta: chain.timeouts.prevoteDeltaTicks,
                precommitInit: chain.timeouts.precommitTicks, precommitDelta: chain.timeouts.precommitDeltaTicks),
            maxBlockTxs: chain.block.maxTransactions, maxBlockBytes: chain.block.maxBytes,
            verifyCost: chain.verificationCostTicks, commitTimeout: chain.block.intervalTicks)
        node.createEmptyBlocks = false
        node.retainBlocks = Self.retainedBlocks
        node.synchrony = SynchronyParams(
            precision: chain.synchrony.precisionTicks, messageDelay: chain.synchrony.messageDelayTicks)
        let names = chain.validators.map(\.name)
        func index(_ v: String) -> Int { names.firstIndex(of: v) ?? 0 }
        var faults: [ScheduledFault] = []
        for f in chain.faults {
            let at = SimTime(ticks: f.atTicks)
            switch f.action {
            case .crash(let v): faults.append(ScheduledFault(at: at, .crash(index(v))))
            case .restart(let v): faults.append(ScheduledFault(at: at, .restart(index(v))))
            case .partition(let groups, let d):
                faults.append(ScheduledFault(at: at, .partition(groups.map { $0.map(index) })))
                faults.append(ScheduledFault(at: at + SimTime(ticks: d), .heal))
            }
        }
        let latency: LatencyModel
        switch chain.latency {
        case .constant(let t): latency = .constant(SimTime(ticks: t))
        case .lognormal(let mean, let cv):
            latency = .lognormal(meanSeconds: Double(mean) / Double(SimTime.ticksPerSecond), cv: cv)
        case .regions(let regionNames, let matrix, let jitter):
            latency = .regions(
                region: chain.validators.map { v in v.region.flatMap { regionNames.firstIndex(of: $0) } ?? 0 },
                meanSeconds: matrix.map { $0.map { Double($0) / Double(SimTime.ticksPerSecond) } }, jitterCV: jitter)
        }
        var config = ClusterConfig(
            seed: spec.seed, replication: spec.replication, chainID: chainID, powers: powers,
            network: NetworkConfig(latency: latency), node: node, faults: faults,
            rebroadcastInterval: .seconds(5), termination: nil, invariantEvery: 0)
        config.signatureCaches = spec.signatureCaches
        config.sharedExecution = spec.sharedExecution
        config.signatures = SignatureScheme(chain.signatures)
        return config
    }
}

extension SignatureScheme {
    /// The Ledger's scheme of a scenario's `chain.signatures`.
    public init(_ s: ChainParameters.Signatures) {
        switch s {
        case .ed25519: self = .ed25519
        case .simulated: self = .simulated
        }
    }
}
