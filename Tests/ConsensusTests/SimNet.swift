// A small discrete-event harness for multi-node core scenarios: addressed messages, Byzantine nodes, twins,
// partitions that hold messages until the link heals, dropped messages, crashes, gossip relay, re-broadcast
// ticks, and verdicts returned as values (for NC-2).

import Ledger
import Stochastic
import Testing

@testable import Consensus

/// A scenario's outcome as a value: failed checks are collected, not recorded as test issues, so that NC-2 can
/// run a scenario against a mutant and see that it fails.
struct Verdict: CustomStringConvertible {
    var failures: [String] = []
    var ok: Bool { failures.isEmpty }

    mutating func check(
        _ condition: Bool, _ message: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        if !condition { failures.append("\(message()) [\(sourceLocation.fileName):\(sourceLocation.line)]") }
    }

    /// Records the failures as test issues (for the ordinary tests).
    func expectOK(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(ok, "\(description)", sourceLocation: sourceLocation)
    }

    var description: String { ok ? "ok" : failures.joined(separator: "; ") }
}

/// A minimal binary min-heap of events ordered by (time, sequence).
struct EventHeap<T> {
    private var items: [(time: Int64, seq: UInt64, item: T)] = []
    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }
    var minTime: Int64? { items.first?.time }

    private func less(_ a: Int, _ b: Int) -> Bool {
        items[a].time != items[b].time ? items[a].time < items[b].time : items[a].seq < items[b].seq
    }

    mutating func push(_ time: Int64, _ seq: UInt64, _ item: T) {
        items.append((time, seq, item))
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard less(i, p) else { break }
            items.swapAt(i, p)
            i = p
        }
    }

    mutating func pop() -> (time: Int64, item: T)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1
            let r = l + 1
            var m = i
            if l < items.count, less(l, m) { m = l }
            if r < items.count, less(r, m) { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return (top.time, top.item)
    }
}

/// Nodes running cores (correct or Byzantine), with the validator identity each speaks for (twins share one).
struct SimNet {
    enum Event {
        case deliver(to: Int, from: Int, ConsensusInput)
        case timeout(Int, Timeout)
        case tick(Int)
        case heal
    }

    let fixture: Fixture
    /// Validator index each node signs as.
    var identity: [Int] = []
    var cores: [ConsensusCore?] = []
    var byzantine: [ByzantineNode?] = []
    var crashAt: [Int64?] = []
    var now: Int64 = 0
    var seq: UInt64 = 0
    var events = EventHeap<Event>()
    /// One-way delay of every message, in ticks (µs).
    var latency: Int64 = 1_000
    var maxHeight: Height
    var decisions: [[Decision]] = []
    var evidence: [Evidence] = []
    var proposalEvidence: [ProposalEvidence] = []
    /// Whether a message may cross from node `from` to node `to` at `time`; if not, it is held until a `heal`
    /// event finds the link up (reliable gossip, partial synchrony).
    var connected: (_ time: Int64, _ from: Int, _ to: Int) -> Bool = { _, _, _ in true }
    /// Whether a broadcast or relayed message is lost for good (dropped links).
    var drops: (_ time: Int64, _ from: Int, _ to: Int, _ input: ConsensusInput) -> Bool = { _, _, _, _ in false }
    var held: [(to: Int, from: Int, input: ConsensusInput)] = []
    /// Correct nodes forward every proposal and vote they see for the first time (CometBFT-style gossip).
    var relay = false
    var seen: [Set<Signature>] = []
    /// Re-broadcast period for every node (nil: no ticks).
    var rebroadcastEvery: Int64?
    /// Whether `requestVotes` is broadcast as `votesRequested` (POL catch-up).
    var answerVoteRequests = true
    /// Values ever proposed, by id (a stand-in for block fetching on `needValue`).
    var valueStore: [Hash: ProposedValue] = [:]
    var handled = 0
    var maxFootprint: [Int] = []
    var rejections: [[Rejection]] = []
    var trackRejections = false

    /// - Parameters:
    ///   - twins: validator indices that get a second node with the same key (appended after the n nodes).
    init(
        fixture: Fixture, maxHeight: Height, mutations: ConsensusMutations = [], twins: [Int] = [],
        cache: SignatureCache? = nil, memo: SigningMemo? = nil
    ) {
        self.fixture = fixture
        self.maxHeight = maxHeight
        let ids = Array(0..<fixture.n) + twins
        for id in ids {
            identity.append(id)
            cores.append(
                ConsensusCore(
                    config: mutated(ConsensusConfig(chainID: testChainID), mutations),
                    key: fixture.keys[id], recovering: nil, cache: cache ?? fixture.cache, signingMemo: memo,
                    validity: { _, v in v.payload.first != UInt8(ascii: "!") }))
            byzantine.append(nil)
            crashAt.append(nil)
            decisions.append([])
            seen.append([])
            maxFootprint.append(0)
            rejections.append([])
        }
    }

    var count: Int { identity.count }

    /// Makes node `i` Byzantine with `behaviour` (wrapping its correct core).
    mutating func makeByzantine(_ i: Int, _ behaviour: any ByzantineBehaviour) {
        let me = identity[i]
        let peers = (0..<fixture.n).filter { $0 != me }.map { fixture.address($0) }
        byzantine[i] = ByzantineNode(core: cores[i]!, key: fixture.keys[me], peers: peers, behaviour: behaviour)
        cores[i] = nil
    }

    func core(_ i: Int) -> ConsensusCore { cores[i] ?? byzantine[i]!.core }
    func isCorrect(_ i: Int) -> Bool { byzantine[i] == nil }

    static func blockValue(height: Height, round: Round, node: Int) -> ProposedValue {
        value("block h=\(height) r=\(round) node \(node)")
    }

    private mutating func push(_ at: Int64, _ e: Event) {
        seq += 1
        events.push(at, seq, e)
    }

    private func crashed(_ i: Int) -> Bool { crashAt[i].map { now >= $0 } ?? false }

    /// Sends `input` from node `from` to every node speaking for validator `target` (or to all other nodes).
    private mutating func send(_ input: ConsensusInput, from: Int, toIdentity target: Int?, broadcast: Bool) {
        for j in 0..<count where j != from {
            if let t = target, identity[j] != t { continue }
            if broadcast, drops(now, from, j, input) { continue }
            if connected(now, from, j) {
                push(now + latency, .deliver(to: j, from: from, input))
            } else {
                held.append((j, from, input))
            }
        }
    }

    private mutating func carryOut(_ i: Int, _ out: [ConsensusOutput]) {
        for o in out {
            switch o {
            case .broadcastProposal(let p):
                valueStore[p.value.id] = p.value
                send(.proposal(p), from: i, toIdentity: nil, broadcast: true)
            case .broadcastVote(let v):
                send(.vote(v), from: i, toIdentity: nil, broadcast: true)
            case .sendProposal(let p, let to):
                valueStore[p.value.id] = p.value
                send(.proposal(p), from: i, toIdentity: fixture.index(of: to), broadcast: false)
            case .sendVote(let v, let to):
                send(.vote(v), from: i, toIdentity: fixture.index(of: to), broadcast: false)
            case .scheduleTimeout(let t, let d):
                push(now + d, .timeout(i, t))
            case .requestValue(let h, let r):
                handle(i, .proposeValue(height: h, round: r, value: Self.blockValue(height: h, round: r, node: i)))
            case .decide(let d):
                decisions[i].append(d)
                if d.height < maxHeight {
                    handle(i, .startHeight(height: d.height + 1, proposers: fixture.selector(at: d.height + 1)))
                }
            case .evidence(let e):
                evidence.append(e)
            case .proposalEvidence(let e):
                proposalEvidence.append(e)
            case .needValue(let h, _, let id):
                if let v = valueStore[id] { push(now + 2 * latency, .deliver(to: i, from: i, .valueReceived(v))) }
                _ = h
            case .requestVotes(let h, let r):
                if answerVoteRequests {
                    send(
                        .votesRequested(height: h, round: r, from: fixture.address(identity[i])), from: i,
                        toIdentity: nil, broadcast: false)
                }
            case .rejected(let r):
                if trackRejections { rejections[i].append(r) }
            case .persistSignerState, .persistWAL:
                break
            }
        }
    }

    mutating func handle(_ i: Int, _ input: ConsensusInput) {
        guard !crashed(i) else { return }
        handled += 1
        let out: [ConsensusOutput]
        if cores[i] != nil {
            out = cores[i]!.handle(input)
        } else {
            out = byzantine[i]!.handle(input)
        }
        carryOut(i, out)
    }

    private mutating func relayIfNew(_ i: Int, from: Int, _ input: ConsensusInput) {
        guard relay, isCorrect(i) else { return }
        let sig: Signature
        switch input {
        case .proposal(let p): sig = p.signature
        case .vote(let v): sig = v.signature
        default: return
        }
        guard seen[i].insert(sig).inserted else { return }
        for j in 0..<count where j != i && j != from {
            if drops(now, i, j, input) { continue }
            if connected(now, i, j) {
                push(now + latency, .deliver(to: j, from: i, input))
            } else {
                held.append((j, i, input))
            }
        }
    }

    /// Schedules a `heal` check (held messages whose link is up are sent) at `time`.
    mutating func healAt(_ time: Int64) { push(time, .heal) }

    mutating func start() {
        for i in 0..<count {
            handle(i, .startHeight(height: 1, proposers: fixture.selector(at: 1)))
            if let p = rebroadcastEvery { push(p + Int64(i), .tick(i)) }
        }
    }

    /// Runs until `until` (simulated ticks) or until nothing is left to do.
    mutating func run(until: Int64, trackFootprint: Bool = false) {
        while let next = events.minTime, next <= until, let (t, e) = events.pop() {
            now = t
            switch e {
            case .deliver(let to, let from, let input):
                handle(to, input)
                relayIfNew(to, from: from, input)
                if trackFootprint { maxFootprint[to] = max(maxFootprint[to], core(to).footprint) }
            case .timeout(let i, let timeout):
                handle(i, .timeout(timeout))
            case .tick(let i):
                handle(i, .rebroadcastTick)
                if let p = rebroadcastEvery, !crashed(i) { push(now + p, .tick(i)) }
            case .heal:
                let pending = held
                held = []
                for m in pending {
                    if connected(now, m.from, m.to) {
                        push(now + latency, .deliver(to: m.to, from: m.from, m.input))
                    } else {
                        held.append(m)
                    }
                }
            }
        }
        now = max(now, until)
    }

    /// Agreement among the given nodes: at every height, every decision names the same value.
    func agreement(among nodes: [Int]) -> (ok: Bool, detail: String) {
        var byHeight: [Height: Hash] = [:]
        for i in nodes {
            for d in decisions[i] {
                if let v = byHeight[d.height], v != d.value.id {
                    return (false, "height \(d.height): node \(i) decided \(d.value) against \(v.hex.prefix(8))")
                }
                byHeight[d.height] = d.value.id
            }
        }
        return (true, "")
    }

    /// The highest height every one of `nodes` decided.
    func decidedHeight(_ nodes: [Int]) -> Height {
        nodes.map { decisions[$0].last?.height ?? 0 }.min() ?? 0
    }
}

extension Fixture {
    /// The proposer selector of height `h` (advanced once per height from genesis).
    func selector(at h: Height) -> ProposerSelector {
        var s = selector
        var k: Height = 1
        while k < h {
            s.advanceHeight()
            k += 1
        }
        return s
    }
}
