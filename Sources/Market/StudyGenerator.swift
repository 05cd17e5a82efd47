import DiscreteEvent
import MarketModel
import Stochastic

/// The study stream of one client: for each of the client group's volumes, a non-homogeneous Poisson process
/// with hourly rate `studiesPerDay / 24 × arrivalProfile.multipliers[hour of week]`, merged in time order.
///
/// **Common random numbers.** Every (client, volume) source draws from its own named streams, derived only from
/// (seed, replication, name), so the same studies and truths appear under every market design, and adding a
/// client group or a volume never changes another source's studies:
///
/// - `study.<client>.<source>.arrivals`: the arrival times (Lewis–Shedler thinning);
/// - `study.<client>.<source>.attributes`: body part, requisition quality (in that order, per study);
/// - `study.<client>.<source>.truth`: finding, severity, finding code;
/// - `study.<client>.<source>.identity`: the off-chain synthetic patient record.
///
/// Truths and records use their own streams so that a change in what is drawn for one never shifts another.
public struct StudyGenerator: Sendable {
    /// Share of present findings that are major (default 0.3 **[derived]** from domain-parameters.md §4 "UK
    /// outsourced after-hours CT": cat 1–3 disagreements 6.1% of the 21% with any disagreement ≈ 0.29; the
    /// pediatric RADPEER split in §4 gives 3.0 / 7.7 ≈ 0.39 of discrepancies at score 3–4).
    public static let defaultMajorShare = 0.3

    /// One (client, volume) source.
    public struct Source: Sendable {
        public var index: Int
        public var volume: StudyVolume
        public var arrivals: NonHomogeneousPoissonArrivals
        public var bodyParts: [BodyPart]
        public var bodyPartMix: Categorical
    }

    public let group: ClientGroup
    /// `<group name>-<n>`, n from 1.
    public let clientName: String
    public let sources: [Source]
    public let majorShare: Double

    /// - Parameters:
    ///   - group: the client group (volumes are per client).
    ///   - clientNumber: which client of the group, 1...count.
    /// - Throws: `StochasticError` for a volume with a non-positive rate.
    public init(group: ClientGroup, clientNumber: Int, majorShare: Double = defaultMajorShare)
        throws(StochasticError)
    {
        self.group = group
        self.clientName = "\(group.name)-\(clientNumber)"
        self.majorShare = majorShare
        let multipliers = group.arrivalProfile.multipliers
        var sources: [Source] = []
        for (index, volume) in group.volumes.enumerated() {
            let rates = multipliers.map { volume.studiesPerDay / 24 * $0 }
            let mix = Self.bodyPartMix(volume.modality)
            sources.append(
                Source(
                    index: index, volume: volume, arrivals: try NonHomogeneousPoissonArrivals(hourOfWeekRates: rates),
                    bodyParts: mix.map(\.0), bodyPartMix: try Categorical(weights: mix.map(\.1))))
        }
        self.sources = sources
    }

    /// Body-part mix per modality. CT: abdomen–pelvis 54%, head 29%, chest 12%, C-spine 5% (domain-parameters.md
    /// §1 "Overnight teleradiology CT case mix", Platts-Mills 2008); MG: breast; the others **[assumption]**.
    public static func bodyPartMix(_ modality: Modality) -> [(BodyPart, Double)] {
        switch modality {
        case .ct: [(.abdomenPelvis, 0.54), (.head, 0.29), (.chest, 0.12), (.cervicalSpine, 0.05)]
        case .xr: [(.chest, 0.5), (.extremity, 0.35), (.lumbarSpine, 0.1), (.abdomenPelvis, 0.05)]
        case .mr: [(.head, 0.4), (.lumbarSpine, 0.25), (.extremity, 0.25), (.abdomenPelvis, 0.1)]
        case .us: [(.abdomenPelvis, 0.7), (.neck, 0.1), (.extremity, 0.2)]
        case .mg: [(.breast, 1)]
        case .nm: [(.wholeBody, 0.6), (.chest, 0.4)]
        case .pet: [(.wholeBody, 1)]
        }
    }

    /// The name of a source's stream (see the type's documentation).
    public func streamName(source: Int, _ purpose: String) -> String {
        "study.\(clientName).\(source).\(purpose)"
    }

    /// A cursor over this client's studies in time order, drawing from `streams`.
    public func cursor(_ streams: RandomStreams) -> StudyCursor {
        StudyCursor(generator: self, streams: streams)
    }

    /// Every study arriving before `horizonTicks`, in time order.
    public func studies(before horizonTicks: Int64, streams: RandomStreams) -> [GeneratedStudy] {
        var cursor = cursor(streams)
        var out: [GeneratedStudy] = []
        while cursor.peekArrivalTicks < horizonTicks { out.append(cursor.next()) }
        return out
    }

    /// The study `source` produces at `arrivalTicks` as its `sequence`-th, drawing attributes, truth and
    /// identity from that source's streams.
    func draw(source: Source, sequence: Int, arrivalTicks: Int64, streams: RandomStreams) -> GeneratedStudy {
        let attributes = streams.stream(streamName(source: source.index, "attributes"))
        let truthStream = streams.stream(streamName(source: source.index, "truth"))
        let identity = streams.stream(streamName(source: source.index, "identity"))
        let bodyPart = source.bodyParts[source.bodyPartMix.sample(attributes)]
        let goodRequisition = attributes.uniform() < group.requisitionQuality
        // Truth: three draws per study whatever the outcome, so one study's truth never shifts the next one's.
        let u1 = truthStream.uniform()
        let u2 = truthStream.uniform()
        let code = UInt16(truthStream.uniformInt(below: 20)) + 1
        let truth: LatentTruth =
            u1 < source.volume.findingPrevalence
            ? LatentTruth(
                hasFinding: true, severity: u2 < majorShare ? .major : .minor,
                findingCode: bodyPart.rawValue * 100 + code)
            : .normal
        let study = Study(
            key: StudyKey(client: clientName, source: source.index, sequence: sequence), arrivalTicks: arrivalTicks,
            modality: source.volume.modality, urgency: source.volume.urgency, bodyPart: bodyPart,
            subspecialty: source.volume.subspecialty, requisitionHasClinicalQuestion: goodRequisition, truth: truth)
        return GeneratedStudy(study: study, record: SyntheticIdentity.record(for: study, stream: identity))
    }
}

/// Iterates one client's studies in time order (ties: lower source index first). Holds the next arrival of
/// each source; `next()` advances the earliest.
public struct StudyCursor {
    public let generator: StudyGenerator
    let streams: RandomStreams
    /// Next arrival per source, hours since Monday 00:00 of week 0.
    private var nextHours: [Double]
    private var sequences: [Int]

    init(generator: StudyGenerator, streams: RandomStreams) {
        self.generator = generator
        self.streams = streams
        nextHours = generator.sources.map {
            $0.arrivals.nextArrival(
                after: 0, stream: streams.stream(generator.streamName(source: $0.index, "arrivals")))
        }
        sequences = Array(repeating: 0, count: generator.sources.count)
    }

    private var earliest: Int? {
        nextHours.indices.min { (nextHours[$0], $0) < (nextHours[$1], $1) }
    }

    /// When the next study arrives, ticks (`Int64.max` if the client sends nothing).
    public var peekArrivalTicks: Int64 {
        guard let i = earliest else { return .max }
        return Self.ticks(hours: nextHours[i])
    }

    /// The next study, advancing its source.
    /// - Precondition: the client has at least one volume.
    public mutating func next() -> GeneratedStudy {
        guard let i = earliest else { preconditionFailure("a client with no volumes sends no studies") }
        let source = generator.sources[i]
        let ticks = Self.ticks(hours: nextHours[i])
        let study = generator.draw(source: source, sequence: sequences[i], arrivalTicks: ticks, streams: streams)
        sequences[i] += 1
        nextHours[i] = source.arrivals.nextArrival(
            after: nextHours[i], stream: streams.stream(generator.streamName(source: i, "arrivals")))
        return study
    }

    static func ticks(hours: Double) -> Int64 { Int64((hours * Double(SimTime.ticksPerHour)).rounded()) }
}

/// Fake patient identifiers drawn from a stream (never from ambient randomness).
enum SyntheticIdentity {
    static let given = [
        "Alex", "Maria", "Sam", "Priya", "Jonas", "Amara", "Lena", "Omar", "Chen", "Fatima", "Noah", "Ines", "Tomas",
        "Yuki", "Kwame", "Sofia",
    ]
    static let family = [
        "Okafor", "Lindqvist", "Haddad", "Moreau", "Tanaka", "Novak", "Silva", "Kowalski", "Abebe", "Fischer",
        "Romano", "Nguyen", "Petrov", "Murphy", "Castillo", "Schmidt",
    ]
    static let questions = [
        "query fracture after fall", "rule out pulmonary embolism", "abdominal pain, query appendicitis",
        "headache, rule out haemorrhage", "follow-up of known lesion", "shortness of breath",
    ]

    static func record(for study: Study, stream: RandomStream) -> SyntheticPatientRecord {
        let mrnNumber = 10_000_000 + stream.uniformInt(below: 90_000_000)
        let name =
            given[Int(stream.uniformInt(below: UInt64(given.count)))] + " "
            + family[Int(stream.uniformInt(below: UInt64(family.count)))]
        let year = 1930 + stream.uniformInt(below: 90)
        let month = 1 + stream.uniformInt(below: 12)
        let day = 1 + stream.uniformInt(below: 28)
        let dob = "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
        let question = questions[Int(stream.uniformInt(below: UInt64(questions.count)))]
        let salt = (0..<32).map { _ in UInt8(stream.uniformInt(below: 256)) }
        let mrn = "MRN\(mrnNumber)"
        let text =
            study.requisitionHasClinicalQuestion
            ? "\(name), \(mrn), DOB \(dob): \(study.modality.name) \(study.bodyPart): \(question)"
            : "\(name), \(mrn), DOB \(dob): \(study.modality.name) \(study.bodyPart)"
        return SyntheticPatientRecord(
            medicalRecordNumber: mrn, patientName: name, dateOfBirth: dob, requisitionText: text, salt: salt)
    }
}
