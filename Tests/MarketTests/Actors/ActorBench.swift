// A small market without a chain, for the actors' transitions: two clients (a hospital that credentials its
// readers, an imaging centre that does not), two cohorts, one design, and studies placed by hand.

import Contracts
import Ledger
import MarketModel
import Stochastic

@testable import Market

struct ActorBench {
    /// A hospital in US-MA (credentialing required): radiographs, and neuro CT STAT.
    static let hospital = ClientGroup(
        name: "hospital", type: .hospitalSystem, jurisdiction: "US-MA",
        volumes: [
            StudyVolume(modality: .xr, urgency: .routine, studiesPerDay: 40),
            StudyVolume(modality: .ct, urgency: .stat, studiesPerDay: 10, subspecialty: "neuro"),
        ])
    /// An imaging centre in US-NH (no credentialing): MR.
    static let centre = ClientGroup(
        name: "centre", type: .imagingCentre, jurisdiction: "US-NH",
        volumes: [StudyVolume(modality: .mr, urgency: .routine, studiesPerDay: 8)])
    /// Day radiologists licensed in both states, 08:00-18:00 Monday to Friday, at most two studies at once.
    static let day = RadiologistCohort(
        name: "day", count: 2, licences: ["US-MA", "US-NH"],
        shift: ShiftPattern(startHour: 8, lengthTicks: 10 * hourTicks, daysPerWeek: 5),
        claiming: MarketModel.Claiming(maxQueue: 2))
    /// A neuroradiologist licensed in US-MA, credentialed only after the run starts.
    static let neuro = RadiologistCohort(
        name: "neuro", count: 1, subspecialties: ["neuro"], licences: ["US-MA"], credentialedAtStart: false)

    let model: MarketParameters
    let terms: MarketTerms
    let streams = RandomStreams(seed: 7, replication: 0)
    var now: Int64 = 0
    var dayStart: Int64 = 0
    var studies: [LocalStudy] = []
    var records: [StudyRecord] = []
    var book: [StudyID] = []
    var byChainID: [UInt64: StudyID] = [:]
    /// Studies each client would send (taken in order by ``addStudy(client:phase:chainID:deadline:source:)``).
    private var generated: [[GeneratedStudy]]

    init(
        _ mechanism: MarketDesignSpec.Mechanism, valueBased: MarketDesignSpec.ValueBased? = nil,
        horizon: Int64 = weekTicks, ai: AISecondReader = AISecondReader()
    ) {
        model = MarketParameters(
            clients: [Self.hospital, Self.centre], cohorts: [Self.day, Self.neuro], ai: ai,
            designs: [MarketDesignSpec(name: "design", mechanism: mechanism, valueBased: valueBased)])
        terms = MarketTerms(
            model: model, design: model.designs[0], seed: 7, horizonTicks: horizon, warmupTicks: 0,
            clientGroups: [Self.hospital, Self.centre],
            clientAddresses: [Self.address("client-hospital"), Self.address("client-centre")])
        let streams = streams
        generated = [Self.hospital, Self.centre].enumerated().map { k, group in
            try! StudyGenerator(group: group, clientNumber: k + 1).studies(before: weekTicks, streams: streams)
        }
    }

    static func address(_ label: String) -> Address { SigningKey.derive(label: label, seed: 7).publicKey.address }
    static func sealing(_ label: String) -> SealingPublicKey { SealingKey.derive(label: label, seed: 7).publicKey }

    /// What an actor sees now.
    var view: MarketView {
        MarketView(
            terms: terms, now: now, dayStart: dayStart, studies: studies, records: records, book: book,
            byChainID: byChainID)
    }

    /// Radiologist `id`, the `number`-th of cohort `cohort` (0 day, 1 neuro), not yet registered.
    func radiologist(cohort: Int = 0, number: Int = 0, id: Int = 0) -> Radiologist {
        let c = model.cohorts[cohort]
        return Radiologist(
            id: RadiologistID(id), cohortIndex: cohort, cohort: c, number: number,
            address: Self.address("rad-\(id)"), sealingKey: Self.sealing("rad-\(id)"),
            readingTime: try! ReadingTimeModel(readingTime: c.readingTime), streams: streams)
    }

    /// A radiologist registered with its credentials (as `.enter` and its receipt leave it), on shift from 08:00
    /// (the bench's clock then).
    mutating func credentialed(cohort: Int = 0, id: Int = 0, onShiftAt start: Int64 = 8 * hourTicks) -> Radiologist {
        var r = radiologist(cohort: cohort, number: id, id: id)
        var market = self
        market.now = 0
        _ = r.handle(.enter, in: market.view)
        if !r.cohort.credentialedAtStart {
            _ = r.handle(.timer(.credential(step: 0)), in: market.view)
            _ = r.handle(.timer(.credential(step: 1)), in: market.view)
        }
        _ = r.handle(.registered(ok: true, balance: 100), in: market.view)
        market.now = start
        _ = r.handle(.timer(.shiftStart), in: market.view)
        now = start
        return r
    }

    /// Places the next study of client `client` (from volume `source`) in the market at `phase`, with chain id
    /// `chainID` and `deadline`; open and bidding studies go in the book.
    @discardableResult
    mutating func addStudy(
        client: Int, phase: Phase, chainID: UInt64, deadline: Int64, source: Int = 0, maxPrice: UInt64 = 100_000
    ) -> StudyID {
        let k = generated[client].firstIndex { $0.study.key.source == source }!
        let g = generated[client].remove(at: k)
        var study = LocalStudy(generated: g, client: ClientID(client))
        study.phase = phase
        study.chainID = chainID
        study.deadline = deadline
        study.maxPrice = maxPrice
        let s = StudyID(studies.count)
        studies.append(study)
        let group = terms.clientGroups[client]
        var record = StudyRecord(
            key: g.study.key.description, client: group.name, clientType: group.type.rawValue,
            modality: g.study.modality, urgency: g.study.urgency, subspecialty: g.study.subspecialty,
            arrival: g.study.arrivalTicks, requiredTurnaround: group.turnaroundTicks[g.study.urgency],
            truthFinding: g.study.truth.hasFinding, truthSeverity: g.study.truth.severity?.rawValue, measured: true)
        record.posted = now
        records.append(record)
        byChainID[chainID] = s
        if phase == .open || phase == .bidding { book.append(s) }
        return s
    }

    /// The study assigned to `r` with access granted, as the world leaves it after the receipts.
    mutating func assign(_ s: StudyID, to r: inout Radiologist) {
        book.removeAll { $0 == s }
        studies[s].phase = .assigned
        studies[s].assignee = r.id
        studies[s].granted = true
        _ = r.handle(.assigned(s), in: view)
    }
}
