// Test fixtures: keys, crafted signed messages, output filters, and a tiny all-to-all harness.

import Foundation
import Ledger
import Testing

@testable import Consensus

/// A mutant injected into every core of the suite, named by `READCHAIN_MUTANT` (one of `ConsensusMutations.all`);
/// for the NC-2 spot check (a test build, which has the knobs):
/// `READCHAIN_TEST_BUILD=1 READCHAIN_MUTANT=skipL55 swift test --filter ConsensusTests`.
let injectedMutant: ConsensusMutations = {
    guard let name = ProcessInfo.processInfo.environment["READCHAIN_MUTANT"] else { return [] }
    return ConsensusMutations.all.first { $0.name == name }?.mutation ?? []
}()

/// `config` with the deliberate bugs `mutations` and the injected mutant switched on. Only a test build
/// (`READCHAIN_TEST_BUILD`, as `make test` sets) has the knobs; without them a scenario runs as written, and asking
/// for a mutant stops the run rather than pass vacuously.
func mutated(_ config: ConsensusConfig, _ mutations: ConsensusMutations) -> ConsensusConfig {
    #if CONSENSUS_MUTATIONS
        var config = config
        config.mutations = mutations.union(injectedMutant)
        return config
    #else
        precondition(
            mutations.isEmpty && injectedMutant.isEmpty, "mutants need a test build (READCHAIN_TEST_BUILD=1)")
        return config
    #endif
}

let testChainID = "readchain-test"

/// An opaque test value.
func value(_ s: String) -> ProposedValue { ProposedValue(payload: Array(s.utf8)) }

/// Validators with given powers and their keys, in `ValidatorSet` order.
struct Fixture {
    let validatorSet: ValidatorSet
    let keys: [SigningKey]
    let cache = SignatureCache(capacity: 100_000)

    init(powers: [UInt64], seed: UInt64 = 1) {
        let raw = powers.enumerated().map { i, p in (SigningKey.derive(label: "validator-\(i)", seed: seed), p) }
        let set = ValidatorSet(raw.map { Validator(publicKey: $0.0.publicKey, power: $0.1) })
        validatorSet = set
        keys = set.validators.map { v in raw.first { $0.0.publicKey == v.publicKey }!.0 }
    }

    var n: Int { keys.count }
    func address(_ i: Int) -> Address { validatorSet.validators[i].address }
    func index(of a: Address) -> Int { validatorSet.index(of: a)! }
    var selector: ProposerSelector { ProposerSelector(validatorSet: validatorSet) }
    /// Index of proposer(1, r) under the genesis selector.
    func proposer(round r: Round) -> Int { index(of: selector.proposer(round: r).address) }
    /// A validator that proposes none of rounds 0..<rounds.
    func nonProposer(rounds: Round) -> Int {
        let ps = Set((0..<rounds).map { proposer(round: $0) })
        return (0..<n).first { !ps.contains($0) }!
    }

    func vote(_ type: VoteType, h: Height = 1, r: Round, _ id: Hash?, by i: Int, chainID: String = testChainID)
        -> Vote
    {
        let bytes = Vote.signBytes(chainID: chainID, type: type, height: h, round: r, valueID: id)
        return Vote(
            chainID: chainID, type: type, height: h, round: r, valueID: id, validator: address(i),
            signature: keys[i].sign(bytes))
    }

    func prevote(r: Round, _ v: ProposedValue?, by i: Int, h: Height = 1) -> ConsensusInput {
        .vote(vote(.prevote, h: h, r: r, v?.id, by: i))
    }

    func precommit(r: Round, _ v: ProposedValue?, by i: Int, h: Height = 1) -> ConsensusInput {
        .vote(vote(.precommit, h: h, r: r, v?.id, by: i))
    }

    func proposal(h: Height = 1, r: Round, _ v: ProposedValue, vr: Round = -1, by i: Int? = nil) -> Proposal {
        let who = i ?? proposer(round: r)
        let bytes = Proposal.signBytes(chainID: testChainID, height: h, round: r, valueID: v.id, validRound: vr)
        return Proposal(
            chainID: testChainID, height: h, round: r, value: v, validRound: vr, proposer: address(who),
            signature: keys[who].sign(bytes))
    }

    func propose(r: Round, _ v: ProposedValue, vr: Round = -1) -> ConsensusInput {
        .proposal(proposal(r: r, v, vr: vr))
    }

    /// A core for validator `i`, started at height 1.
    func core(
        _ i: Int, mutations: ConsensusMutations = [], signerState: SignerState = .initial,
        maxValueBytes: Int = 1 << 20,
        validity: @escaping ValueValidity = { _, v in v.payload.first != UInt8(ascii: "!") },
        timely: ProposalTimeliness? = nil
    ) -> (ConsensusCore, [ConsensusOutput]) {
        var c = ConsensusCore(
            config: mutated(ConsensusConfig(chainID: testChainID, maxValueBytes: maxValueBytes), mutations),
            key: keys[i], signerState: signerState, cache: cache, validity: validity, timely: timely)
        let out = c.handle(.startHeight(height: 1, proposers: selector))
        return (c, out)
    }
}

extension ConsensusCore {
    /// Feeds several inputs, returning all outputs.
    mutating func feed(_ inputs: ConsensusInput...) -> [ConsensusOutput] { inputs.flatMap { handle($0) } }
}

extension Array where Element == ConsensusOutput {
    var votes: [Vote] { compactMap { if case .broadcastVote(let v) = $0 { v } else { nil } } }
    var prevotes: [Vote] { votes.filter { $0.type == .prevote } }
    var precommits: [Vote] { votes.filter { $0.type == .precommit } }
    var proposals: [Proposal] { compactMap { if case .broadcastProposal(let p) = $0 { p } else { nil } } }
    var decisions: [Decision] { compactMap { if case .decide(let d) = $0 { d } else { nil } } }
    var evidence: [Evidence] { compactMap { if case .evidence(let e) = $0 { e } else { nil } } }
    var rejections: [Rejection] { compactMap { if case .rejected(let r) = $0 { r } else { nil } } }
    var timeouts: [(Timeout, Int64)] {
        compactMap { if case .scheduleTimeout(let t, let d) = $0 { (t, d) } else { nil } }
    }
    var persisted: [SignerState] { compactMap { if case .persistSignerState(let s) = $0 { s } else { nil } } }
}

/// All-to-all, in-order delivery among `n` cores: every broadcast is queued for every other node in index
/// order; `requestValue` is answered at once with a value naming (height, round, proposer); after a decision the
/// node starts the next height until `maxHeight`. Timeouts are recorded, never fired (no clock).
struct Cluster {
    let fixture: Fixture
    var cores: [ConsensusCore] = []
    var queue: [(to: Int, input: ConsensusInput)] = []
    var head = 0
    var outputs: [[ConsensusOutput]]
    var decisions: [[Decision]]
    var selectors: [Height: ProposerSelector] = [:]
    let maxHeight: Height

    init(fixture: Fixture, maxHeight: Height, mutations: ConsensusMutations = []) {
        self.fixture = fixture
        self.maxHeight = maxHeight
        outputs = Array(repeating: [], count: fixture.n)
        decisions = Array(repeating: [], count: fixture.n)
        selectors[1] = fixture.selector
        for i in 0..<fixture.n {
            cores.append(
                ConsensusCore(
                    config: mutated(ConsensusConfig(chainID: testChainID), mutations),
                    key: fixture.keys[i],
                    cache: fixture.cache, validity: { _, _ in true }))
        }
    }

    static func blockValue(height: Height, round: Round, proposer: Int) -> ProposedValue {
        value("block h=\(height) r=\(round) by \(proposer)")
    }

    mutating func selector(_ h: Height) -> ProposerSelector {
        if let s = selectors[h] { return s }
        var s = selector(h - 1)
        s.advanceHeight()
        selectors[h] = s
        return s
    }

    mutating func deliver(_ i: Int, _ input: ConsensusInput) {
        let out = cores[i].handle(input)
        outputs[i] += out
        for o in out {
            switch o {
            case .broadcastProposal(let p):
                for j in 0..<fixture.n where j != i { queue.append((j, .proposal(p))) }
            case .broadcastVote(let v):
                for j in 0..<fixture.n where j != i { queue.append((j, .vote(v))) }
            case .requestValue(let h, let r):
                deliver(i, .proposeValue(height: h, round: r, value: Self.blockValue(height: h, round: r, proposer: i)))
            case .decide(let d):
                decisions[i].append(d)
                if d.height < maxHeight {
                    deliver(i, .startHeight(height: d.height + 1, proposers: selector(d.height + 1)))
                }
            default:
                break
            }
        }
    }

    mutating func run() {
        let s = selector(1)
        for i in 0..<fixture.n { deliver(i, .startHeight(height: 1, proposers: s)) }
        while head < queue.count {
            let (to, input) = queue[head]
            head += 1
            deliver(to, input)
        }
    }
}
