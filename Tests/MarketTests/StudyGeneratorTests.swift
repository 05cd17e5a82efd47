import Foundation
import Market
import MarketModel
import Stochastic
import Testing

@Suite struct StudyGeneratorTests {
    /// (e) 52 weeks of an ED: counts per hour-of-week bin pass a chi-square test against the profile, and counts
    /// per (modality, urgency) source are within 4 standard deviations of the volumes.
    @Test func arrivalsMatchTheProfileAndTheVolumes() throws {
        let group = edGroup()
        let generator = try StudyGenerator(group: group, clientNumber: 1)
        let weeks = 52
        let studies = generator.studies(
            before: Int64(weeks) * weekTicks, streams: RandomStreams(seed: 11, replication: 0))
        var perBin = Array(repeating: 0, count: 168)
        var perSource = Array(repeating: 0, count: group.volumes.count)
        for s in studies.map(\.study) {
            perBin[Int((s.arrivalTicks % weekTicks) / hourTicks)] += 1
            perSource[s.key.source] += 1
        }
        let multipliers = group.arrivalProfile.multipliers
        let perDay = group.volumes.map(\.studiesPerDay).reduce(0, +)
        var chiSquare = 0.0
        for h in 0..<168 {
            let expected = perDay / 24 * multipliers[h] * Double(weeks)
            chiSquare += pow(Double(perBin[h]) - expected, 2) / expected
        }
        // 167 degrees of freedom: mean 167, sd 18.3; 4 sd above the mean.
        #expect(chiSquare < 240, "chi-square \(chiSquare)")
        for (i, v) in group.volumes.enumerated() {
            let expected = v.studiesPerDay * 7 * Double(weeks)
            #expect(
                abs(Double(perSource[i]) - expected) < 4 * expected.squareRoot(),
                "\(v.modality): \(perSource[i]) vs \(expected)")
        }
        // Modality and urgency come from the source.
        #expect(
            studies.allSatisfy {
                group.volumes[$0.study.key.source].modality == $0.study.modality
                    && group.volumes[$0.study.key.source].urgency == $0.study.urgency
            })
        // Arrivals are in time order.
        #expect(zip(studies, studies.dropFirst()).allSatisfy { $0.study.arrivalTicks <= $1.study.arrivalTicks })
    }

    /// A profile with a strong peak puts more studies in its peak hour than its trough (the sinusoid is honoured).
    @Test func peakHoursGetMoreStudiesThanTroughHours() throws {
        let g = try StudyGenerator(group: edGroup(), clientNumber: 1)
        let studies = g.studies(before: 20 * weekTicks, streams: RandomStreams(seed: 3, replication: 0))
        let hourOfDay = studies.map { Int(($0.study.arrivalTicks % dayTicks) / hourTicks) }
        let peak = hourOfDay.filter { $0 == 17 }.count
        let trough = hourOfDay.filter { $0 == 5 }.count
        // ED profile: amplitude 0.6, so peak / trough ≈ 1.6 / 0.4 = 4.
        #expect(Double(peak) / Double(trough) > 3 && Double(peak) / Double(trough) < 5.3, "\(peak) / \(trough)")
    }

    @Test func truthsFollowPrevalenceAndSeverityShare() throws {
        let g = try StudyGenerator(group: edGroup(), clientNumber: 1)
        let studies = g.studies(before: 30 * weekTicks, streams: RandomStreams(seed: 5, replication: 0)).map(\.study)
        let ct = studies.filter { $0.modality == .ct }
        let prevalence = Double(ct.filter(\.truth.hasFinding).count) / Double(ct.count)
        #expect(abs(prevalence - 0.3) < 0.02, "CT prevalence \(prevalence)")
        let findings = studies.filter(\.truth.hasFinding)
        let major = Double(findings.filter { $0.truth.severity == .major }.count) / Double(findings.count)
        #expect(abs(major - StudyGenerator.defaultMajorShare) < 0.03, "major share \(major)")
        #expect(findings.allSatisfy { $0.truth.findingCode / 100 == $0.bodyPart.rawValue })
        #expect(studies.filter { !$0.truth.hasFinding }.allSatisfy { $0.truth == .normal })
        let good = Double(studies.filter(\.requisitionHasClinicalQuestion).count) / Double(studies.count)
        #expect(abs(good - 0.76) < 0.02, "requisitions with a question \(good)")
        let ctHeads = Double(ct.filter { $0.bodyPart == .head }.count) / Double(ct.count)
        #expect(abs(ctHeads - 0.29) < 0.03, "CT head share \(ctHeads)")
    }

    /// (f) Same seed, same studies; a different seed, different studies.
    @Test func sameSeedSameStudies() throws {
        let g = try StudyGenerator(group: edGroup(), clientNumber: 1)
        let a = g.studies(before: 2 * weekTicks, streams: RandomStreams(seed: 42, replication: 1))
        let b = g.studies(before: 2 * weekTicks, streams: RandomStreams(seed: 42, replication: 1))
        let c = g.studies(before: 2 * weekTicks, streams: RandomStreams(seed: 43, replication: 1))
        #expect(a == b)
        #expect(a.count > 500)
        #expect(a != c)
    }

    /// (f) Common random numbers: adding a client group, or drawing other streams first, or adding a volume to a
    /// group, does not change another source's studies.
    @Test func addingAStreamDoesNotChangeAnotherGroupsStudies() throws {
        let ed = try StudyGenerator(group: edGroup(), clientNumber: 1)
        let alone = ed.studies(before: weekTicks, streams: RandomStreams(seed: 9, replication: 0))

        let streams = RandomStreams(seed: 9, replication: 0)
        let centre = ClientGroup(
            name: "centre", type: .imagingCentre, jurisdiction: "US-CA",
            volumes: [StudyVolume(modality: .mg, urgency: .routine, studiesPerDay: 50)])
        let other = try StudyGenerator(group: centre, clientNumber: 1)
        var otherCursor = other.cursor(streams)
        var edCursor = ed.cursor(streams)
        var together: [GeneratedStudy] = []
        // Interleave the two clients as a simulation would.
        while edCursor.peekArrivalTicks < weekTicks {
            if otherCursor.peekArrivalTicks < edCursor.peekArrivalTicks {
                _ = otherCursor.next()
            } else {
                together.append(edCursor.next())
            }
        }
        #expect(together == alone)

        var more = edGroup()
        more.volumes.append(StudyVolume(modality: .us, urgency: .routine, studiesPerDay: 10))
        let extended = try StudyGenerator(group: more, clientNumber: 1)
            .studies(before: weekTicks, streams: RandomStreams(seed: 9, replication: 0))
        #expect(extended.filter { $0.study.key.source < 3 } == alone)
        #expect(extended.contains { $0.study.key.source == 3 })
    }

    /// (f) The off-chain identifiers never appear in any on-chain field, and the requisition hash commits to
    /// the requisition (distinct per study).
    @Test func identifiersNeverReachTheOnChainProjection() throws {
        let group = edGroup()
        let g = try StudyGenerator(group: group, clientNumber: 1)
        let studies = g.studies(before: weekTicks, streams: RandomStreams(seed: 1, replication: 0))
        var hashes: [[UInt8]] = []
        for s in studies {
            let fields = s.order(for: group)
            let text = fields.fieldTexts.joined(separator: "|")
            for id in s.record.identifiers {
                #expect(!text.contains(id), "\(id) in \(text)")
                #expect(!text.lowercased().contains(id.lowercased()))
            }
            // The canonical bytes of the Contracts StudyOrder hold none of the identifiers' UTF-8 either.
            let bytes = fields.onChainBytes()
            for id in s.record.identifiers + [s.record.requisitionText] {
                let needle = Array(id.utf8)
                let found =
                    bytes.count >= needle.count
                    && (0...(bytes.count - needle.count)).contains { Array(bytes[$0..<$0 + needle.count]) == needle }
                #expect(!found, "\(id) in the on-chain bytes")
            }
            #expect(bytes.count > 32 + 32)
            let mrnDigits = String(s.record.medicalRecordNumber.dropFirst(3))
            #expect(!text.contains(mrnDigits))
            #expect(fields.requisitionHash.bytes.count == 32)
            #expect(s.record.requisitionText.contains(s.record.medicalRecordNumber))
            #expect(fields.deadlineTicks == s.study.arrivalTicks + group.turnaroundTicks[s.study.urgency])
            hashes.append(fields.requisitionHash.bytes)
        }
        #expect(Set(hashes.map { $0.description }).count == hashes.count)
        // The records look like identifiers (so the scan is not vacuous).
        #expect(studies.allSatisfy { $0.record.medicalRecordNumber.count == 11 && $0.record.patientName.contains(" ") })
    }
}
