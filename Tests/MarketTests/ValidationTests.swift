import Foundation
import Market
import MarketModel
import Testing

// World-level validation at the default parameters (Scenarios/default.yaml) against published levels, and the
// causal levers' tests. Each runs the whole simulation: clients, radiologists, contracts and consensus.
//
// `make test` runs the fast subset (short horizons, two designs); `make validate` sets READCHAIN_VALIDATE=1 and
// runs the full set: every design of the default study at its horizon, warm-up and replications. A level passes
// when its 99% interval (mean ± 2.58 standard errors, the error estimated from the units it averages) overlaps the
// published range; the tolerance is the sampling error, never widened.

/// Whether the full validation set runs (`make validate`).
let fullValidation = ProcessInfo.processInfo.environment["READCHAIN_VALIDATE"] == "1"

/// The escalation lever's sizes: `make test` runs two days, `make validate` the default horizon's first week.
let escalationHorizon: Int64 = (fullValidation ? 7 : 2) * dayTicks

/// A simulated level: its mean and standard error.
struct Level: CustomStringConvertible {
    var mean: Double
    var standardError: Double
    var description: String { String(format: "%.4f ± %.4f (SE)", mean, standardError) }

    /// Mean and standard error of a proportion of `n` independent units; the error is Agresti–Coull's (the
    /// proportion shrunk toward 1/2 by z²/2 of each), so a share of 0 or 1 in a small sample is not taken as exact.
    static func proportion(_ hits: Int, of n: Int, z: Double = 2.58) -> Level {
        let p = n > 0 ? Double(hits) / Double(n) : .nan
        let adjustedN = Double(n) + z * z
        let adjusted = (Double(hits) + z * z / 2) / adjustedN
        return Level(mean: p, standardError: (adjusted * (1 - adjusted) / adjustedN).squareRoot())
    }

    /// Mean and standard error of independent values (e.g. one per replication or per radiologist).
    static func of(_ xs: [Double]) -> Level {
        let n = Double(xs.count)
        let m = xs.reduce(0, +) / n
        // Fewer than two units: no error estimate (NaN), so `overlaps` fails instead of passing on an infinite one.
        let v = xs.count > 1 ? xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / (n - 1) : .nan
        return Level(mean: m, standardError: (v / n).squareRoot())
    }

    /// A ratio estimator Σy / Σn over units grouped in clusters, with its cluster-robust (sandwich) standard error
    /// √(C/(C−1) · Σ_c (y_c − R·n_c)²) / Σn: units of one cluster (the reads of one shift) share their conditions,
    /// so they are not independent. A mean is y = value, n = 1; a proportion y = 0 or 1, n = 1.
    static func clustered<K: Hashable & Comparable>(_ units: [(cluster: K, y: Double)]) -> Level {
        var sums: [K: (y: Double, n: Double)] = [:]
        for u in units {
            sums[u.cluster, default: (0, 0)].y += u.y
            sums[u.cluster, default: (0, 0)].n += 1
        }
        let keys = sums.keys.sorted()
        let total = keys.reduce((y: 0.0, n: 0.0)) { ($0.y + sums[$1]!.y, $0.n + sums[$1]!.n) }
        let r = total.y / total.n
        let c = Double(keys.count)
        guard c > 1 else { return Level(mean: r, standardError: .nan) }
        let ss = keys.reduce(0.0) { acc, k in
            let d = sums[k]!.y - r * sums[k]!.n
            return acc + d * d
        }
        return Level(mean: r, standardError: (c / (c - 1) * ss).squareRoot() / total.n)
    }

    /// Whether the 99% interval overlaps `range`.
    func overlaps(_ range: ClosedRange<Double>, z: Double = 2.58) -> Bool {
        mean + z * standardError >= range.lowerBound && mean - z * standardError <= range.upperBound
    }
}

/// Runs `designs` of the default market for `replications` replications each.
func runDefault(
    designs names: [String], replications: Int, horizon: Int64, warmup: Int64,
    adjust: (inout MarketParameters) -> Void = { _ in }
) throws -> [MarketRunResult] {
    let (file, base) = try loadMarket("default.yaml")
    var model = base
    adjust(&model)
    let designs = model.designs.filter { names.contains($0.name) }
    var specs: [MarketRunSpec] = []
    for r in 0..<replications {
        for d in designs {
            specs.append(
                MarketRunSpec(
                    model: model, design: d, seed: file.seed, replication: r, horizonTicks: horizon,
                    warmupTicks: warmup))
        }
    }
    return try runAll(specs)
}

/// The published levels of one set of runs (one design or several), each from the measured studies and days.
struct MarketLevels {
    let reads: [StudyRecord]
    let measured: [StudyRecord]
    let days: [RadiologistDayRecord]
    /// The shift of each read (parallel to `reads`): replication, radiologist and the hour its shift began. The
    /// design is left out on purpose: under common random numbers the same shift in two designs shares its draws,
    /// so it is one cluster.
    let shifts: [ShiftKey]

    /// A shift, the cluster of the reads made in it.
    struct ShiftKey: Hashable, Comparable {
        var replication: Int
        var radiologist: Int
        var startHour: Int64
        /// The shift in which `s` was read, in replication `replication`.
        init(_ replication: Int, _ s: StudyRecord) {
            let start = (s.readStart ?? 0) - Int64((s.hoursIntoShift ?? 0) * Double(hourTicks))
            self.replication = replication
            radiologist = s.radiologist ?? -1
            startHour = (start + hourTicks / 2) / hourTicks
        }
        static func < (a: ShiftKey, b: ShiftKey) -> Bool {
            (a.replication, a.radiologist, a.startHour) < (b.replication, b.radiologist, b.startHour)
        }
    }

    init(_ results: [MarketRunResult], warmupDays: Int) {
        measured = results.flatMap { $0.studies.filter(\.measured) }
        let tagged = results.flatMap { r in
            r.studies.filter { $0.measured && $0.outcome != nil }.map { (r.replication, $0) }
        }
        reads = tagged.map(\.1)
        shifts = tagged.map { ShiftKey($0.0, $0.1) }
        days = results.flatMap { $0.radiologistDays.filter { $0.day >= warmupDays } }
    }

    /// Reading errors (FN + FP) per study read: §4 "Day-to-day (real-time) error rate", 3–5% of studies.
    var errorsPerStudy: Level { .proportion(reads.filter { $0.outcome?.isError == true }.count, of: reads.count) }
    /// Major misses per study read: §4 "Teleradiology major discrepancy" 0.15% (found) to ~1% ("Resident
    /// overnight preliminary reads", "UK outsourced after-hours CT" 0.8% serious misreads).
    var majorPerStudy: Level {
        .proportion(reads.filter { $0.outcome == .falseNegative && $0.discrepancy == 2 }.count, of: reads.count)
    }
    /// Burned-out share of active radiologist-days after the warm-up: §5 "Radiologist burnout prevalence", 36–54%.
    /// Days of one radiologist are correlated, so the unit is the radiologist (its share of days).
    var burnout: Level {
        var byRad: [Int: (Int, Int)] = [:]
        for d in days where d.active {
            byRad[d.radiologist, default: (0, 0)].0 += d.burnedOut ? 1 : 0
            byRad[d.radiologist, default: (0, 0)].1 += 1
        }
        return .of(byRad.keys.sorted().map { Double(byRad[$0]!.0) / Double(byRad[$0]!.1) })
    }
    /// Income per shift hour, per radiologist: §3 "Radiologist compensation context", $413–476k a year; the
    /// 150–350 USD band of ../shared/tools/market-levels.py.
    var incomePerHour: Level {
        var byRad: [Int: (Double, Double)] = [:]
        for d in days {
            byRad[d.radiologist, default: (0, 0)].0 += Double(d.income) / 100
            byRad[d.radiologist, default: (0, 0)].1 += d.hoursOnShift
        }
        return .of(byRad.keys.sorted().compactMap { byRad[$0]!.1 > 0 ? byRad[$0]!.0 / byRad[$0]!.1 : nil })
    }
    /// Annual wRVU per radiologist at its days' rate: §2 "Annual wRVU per radiologist (recent)", average ~11,950,
    /// <8,000 academic to >14,000 teleradiologists.
    var annualWRVU: Level {
        var byRad: [Int: (Double, Int)] = [:]
        for d in days where d.active {
            byRad[d.radiologist, default: (0, 0)].0 += d.wRVU
            byRad[d.radiologist, default: (0, 0)].1 += 1
        }
        return .of(byRad.keys.sorted().map { 365 * byRad[$0]!.0 / Double(byRad[$0]!.1) })
    }
    /// Share of neuro-tagged STAT CT (stroke) reported within 45 minutes of arrival: §6 "Stroke CT".
    var strokeWithinGuideline: Level {
        let stroke = measured.filter { $0.subspecialty == "neuro" && $0.urgency == .stat }
        return .proportion(stroke.filter { ($0.turnaround ?? .max) <= 45 * 60_000_000 }.count, of: stroke.count)
    }
    /// Share of routine studies reported within their client's target (24 h for imaging centres, §6 "Routine
    /// outpatient"; 4 days for hospitals, §6 "Emergent (P1) report", P3/P4), among those whose target fell within
    /// the run (a study whose deadline is after the horizon cannot be judged yet).
    func routineWithinTarget(horizon: Int64) -> Level {
        let routine = measured.filter { $0.urgency == .routine && $0.arrival + $0.requiredTurnaround <= horizon }
        return .proportion(
            routine.filter { ($0.turnaround ?? .max) <= $0.requiredTurnaround }.count, of: routine.count)
    }
    /// The names of `model`'s cohorts whose shifts last `hours` hours.
    static func cohorts(_ model: MarketParameters, shiftHours hours: Int64) -> Set<String> {
        Set(model.cohorts.filter { $0.shift.lengthTicks == hours * hourTicks }.map(\.name))
    }

    /// Ivanovic's ratio rests on 643 errors (the row's source: 2.36 per 1,000 overall, so about 272,000 studies);
    /// its rates 1.59, 2.58 and 2.36 put 22.2% of the studies on light shifts, so about 96 errors against 547, and
    /// the log of 2.58/1.59 has a standard error of (1/96 + 1/547)^0.5 = 0.111 (Poisson counts).
    static let ivanovicLogSE = (1.0 / 96 + 1.0 / 547).squareRoot()
    /// Whether a simulated ratio agrees with Ivanovic's 1.62 within 99% of the sampling error of both sides.
    static func agreesWithIvanovic(_ v: (ratio: Double, logSE: Double, heavyReads: Int, lightReads: Int)) -> Bool {
        abs(log(v.ratio) - log(1.62)) <= 2.58 * (v.logSE * v.logSE + ivanovicLogSE * ivanovicLogSE).squareRoot()
    }

    /// Ivanovic's comparison (§4 "Neuroradiology error rate vs studies per shift": 2.58 vs 1.59 errors per 1,000
    /// reads, a ratio of 1.62): the expected error rate (the error model's probability at each read's recorded
    /// conditions; MarketWorldTests checks the observed errors agree with it, and light shifts are too few for the
    /// handful of errors on them to carry the ratio) on reads in shifts whose realised volume (all the shift's
    /// reads, in CT equivalents, the error model's unit) is above 26 over the rate at or below 26, with the standard
    /// error of its logarithm (cluster-robust by shift). Classified by the whole shift, as Ivanovic did: by the
    /// volume projected at each read, every read of a shift's first hour would count as light. Ivanovic compared
    /// shifts of one kind, so only the reads of cohorts on `shiftHours`-hour shifts count.
    static func volumeErrorRatio(
        _ results: [MarketRunResult], warmupDays: Int, model: MarketParameters, shiftHours: Int64
    ) -> (ratio: Double, logSE: Double, heavyReads: Int, lightReads: Int) {
        let cohorts = Self.cohorts(model, shiftHours: shiftHours)
        let ct = model.studyWRVU[.ct]
        var heavy: [(cluster: ShiftKey, y: Double)] = []
        var light: [(cluster: ShiftKey, y: Double)] = []
        for r in results {
            let l = MarketLevels([r], warmupDays: warmupDays)
            var volume: [ShiftKey: Double] = [:]
            for s in r.studies where s.outcome != nil {
                volume[ShiftKey(r.replication, s), default: 0] += model.studyWRVU[s.modality] / ct
            }
            let onThem = Set(r.radiologistDays.filter { cohorts.contains($0.cohort) }.map(\.radiologist))
            for (k, s) in zip(l.shifts, l.reads) where s.radiologist.map(onThem.contains) == true {
                guard let p = s.errorProbability else { continue }
                let unit = (k, p)
                if volume[k, default: 0] > 26 { heavy.append(unit) } else { light.append(unit) }
            }
        }
        let h = Level.clustered(heavy)
        let l = Level.clustered(light)
        let logSE = (pow(h.standardError / h.mean, 2) + pow(l.standardError / l.mean, 2)).squareRoot()
        return (h.mean / l.mean, logSE, heavy.count, light.count)
    }
    /// Share of peer reviews that concur (RADPEER score 1): §4 "RADPEER score distribution (overnight pediatric
    /// neuro CT)" 92.3% to §4 "Peer review (RADPEER pilot)" 96.3% (100 − 2.9 − 0.8).
    var concurShare: Level {
        let reviewed = measured.filter(\.peerReviewed)
        return .proportion(reviewed.filter { $0.reviewScore == .concur }.count, of: reviewed.count)
    }
    /// Hours into the shift of the errors made by the radiologists of `cohorts` (e.g. those on 12-hour shifts),
    /// each with its shift.
    func errorHoursIntoShift(cohorts: Set<String>) -> [(cluster: ShiftKey, hours: Double)] {
        let onThem = Set(days.filter { cohorts.contains($0.cohort) }.map(\.radiologist))
        return reads.indices.compactMap { i in
            guard reads[i].outcome?.isError == true, let r = reads[i].radiologist, onThem.contains(r),
                let h = reads[i].hoursIntoShift
            else { return nil }
            return (shifts[i], h)
        }
    }
    /// Intermediary gross margin: §3 "Radiologist pay per XR read and intermediary margin", 20–50%.
    var margin: Double {
        let reported = measured.filter { $0.status == .reported }
        let m = reported.reduce(0.0) { $0 + Double($1.intermediaryMargin) }
        let p = reported.reduce(0.0) { $0 + Double($1.pricePaid) }
        return p > 0 ? m / p : .nan
    }
}

@Suite("Validation at the default parameters", .serialized)
struct ValidationTests {
    /// The default market after its warm-up, two designs (fast) or all four at the scenario's horizon and
    /// replications (`make validate`): errors, major misses, burnout, income, workload, stroke and routine
    /// turnaround, and the intermediary's margin at their published levels.
    @Test func defaultMarketSitsAtPublishedLevels() throws {
        let (file, model) = try loadMarket("default.yaml")
        let names = fullValidation ? model.designs.map(\.name) : ["intermediary", "posted-price"]
        let horizon = fullValidation ? file.horizonTicks : 4 * dayTicks
        let warmup = fullValidation ? file.warmupTicks : dayTicks
        let results = try runDefault(
            designs: names, replications: fullValidation ? file.replications : 1, horizon: horizon, warmup: warmup)
        let warmupDays = Int(warmup / dayTicks)
        for name in names {
            let l = MarketLevels(results.filter { $0.design == name }, warmupDays: warmupDays)
            #expect(l.errorsPerStudy.overlaps(0.03...0.05), "\(name) errors per study \(l.errorsPerStudy)")
            #expect(l.majorPerStudy.overlaps(0.0015...0.01), "\(name) major misses per study \(l.majorPerStudy)")
            #expect(l.burnout.overlaps(0.36...0.54), "\(name) burnout \(l.burnout)")
            #expect(l.incomePerHour.overlaps(150...350), "\(name) income per shift hour \(l.incomePerHour)")
            #expect(l.annualWRVU.overlaps(10_000...14_000), "\(name) annual wRVU \(l.annualWRVU)")
            #expect(
                l.strokeWithinGuideline.overlaps(0.9...1), "\(name) stroke CT within 45 min \(l.strokeWithinGuideline)")
            let routine = l.routineWithinTarget(horizon: horizon)
            #expect(routine.overlaps(0.9...1), "\(name) routine within target \(routine)")
            if name == "intermediary" {
                #expect((0.2...0.5).contains(l.margin), "margin \(l.margin)")
            }
            #expect(l.concurShare.overlaps(0.923...0.963), "\(name) peer reviews concurring \(l.concurShare)")
        }
        // Standard errors below are cluster-robust by shift (`MarketLevels.ShiftKey`), the same shift under two
        // designs being one cluster: under common random numbers it shares its draws.
        let all = MarketLevels(results, warmupDays: warmupDays)
        // When in a long shift errors fall, over all designs' reads on the default's 12-hour (overnight) shifts.
        let atError = all.errorHoursIntoShift(cohorts: MarketLevels.cohorts(model, shiftHours: 12))
        // §4 "Resident overnight preliminary reads" (Ruutiainen): 29% of errors in the final 2 h of a 12-h shift,
        // of 79 errors; the tolerance is both samples' errors (2.58 × the root of the sum of their variances).
        let late = Level.clustered(atError.map { ($0.cluster, $0.hours >= 10 ? 1.0 : 0.0) })
        let published = (0.29 * 0.71 / 79).squareRoot()
        #expect(
            abs(late.mean - 0.29) <= 2.58
                * (late.standardError * late.standardError + published * published)
                .squareRoot(), "share of 12-h-shift errors in its last 2 h \(late) (n = \(atError.count))")
        // §4 "Time into shift at error" (Hanna): errors at a mean 8.97 ± 2.28 h into the shift, peaking at 10–12 h.
        // Stated distance: the mean must lie within one published standard deviation (2.28 h) of 8.97 h, beyond its
        // own sampling error. Not tighter, because Hanna's shifts averaged 7.98-8.97 h (the same report gives 8.97
        // ± 2.28 h as the mean length of the shifts with an error), so its mean time at error and a 12-h shift's
        // are not the same quantity, and Ruutiainen's late share above is the sharper check.
        let mean = Level.clustered(atError.map { ($0.cluster, $0.hours) })
        #expect(mean.overlaps((8.97 - 2.28)...(8.97 + 2.28)), "mean hours into a 12-h shift at error \(mean)")
        // Ivanovic's per-shift-volume ratio, over all designs' reads (the error model is the same in each).
        let v = MarketLevels.volumeErrorRatio(results, warmupDays: warmupDays, model: model, shiftHours: 10)
        print(
            "validation: 12-h-shift errors \(atError.count), last 2 h \(late), mean hours \(mean); Ivanovic ratio"
                + " \(v.ratio) ± \(v.logSE) (log SE), reads \(v.heavyReads) heavy vs \(v.lightReads) light")
        #expect(
            MarketLevels.agreesWithIvanovic(v),
            "error ratio >26 vs <=26 CT equivalents a shift \(v.ratio) ± \(v.logSE) (log SE)")
    }

    /// Lever: credentialing delay (§9 "Telemedicine credentialing by proxy (CMS/TJC)": "from 90 days to as little
    /// as one week"; 103 days traditional). The general-day and msk radiologists (4 of 10) join not yet credentialed
    /// by the hospitals and the ED (they hold their licences, so they read for the imaging centres, which do not
    /// credential); with credentialing in 7 days they read hospital and ED studies from day 7, with 103 days not
    /// within the run. Outcome: the mean turnaround of hospital and ED studies arriving on days 7-9 (never-reported
    /// ones counted at the horizon) falls by at least a fifth. Seen to fail with the lever disabled (both arms at
    /// 103 days: equal turnaround).
    @Test func fasterCredentialingCutsTurnaround() throws {
        func meanTurnaroundHours(clientDays: Int64) throws -> Double {
            let horizon = 10 * dayTicks
            let results = try runDefault(
                designs: ["posted-price"], replications: 1, horizon: horizon, warmup: 7 * dayTicks
            ) { model in
                model.credentialing = Credentialing(licenceTicks: 0, clientTicks: clientDays * dayTicks)
                for i in model.cohorts.indices where ["general-day", "msk"].contains(model.cohorts[i].name) {
                    model.cohorts[i].credentialedAtStart = false
                }
            }
            let needing = results.flatMap(\.studies).filter { $0.measured && $0.clientType != "imaging_centre" }
            let hours = needing.map { Double(($0.reportCommitted ?? horizon) - $0.arrival) / Double(hourTicks) }
            return hours.reduce(0, +) / Double(hours.count)
        }
        let fast = try meanTurnaroundHours(clientDays: 7)
        let slow = try meanTurnaroundHours(clientDays: 103)
        print("validation: credentialing 7 d \(fast) h vs 103 d \(slow) h")
        #expect(fast <= 0.8 * slow, "mean turnaround of studies needing credentials: 7 d \(fast) h vs 103 d \(slow) h")
    }

    /// Lever: value-based settlement (the default design's 10% hold-back and 2% levy, Scenarios/default.yaml)
    /// against per-read pay on the same posted prices. Outcome: the pace radiologists choose (PaceChoice; speed
    /// raises misses with elasticity 1.4, §4 "Reading speed vs major misses") is lower under value-based settlement
    /// on the same radiologists' shifts. Predicted size: the expected loss per error grows by detection × (hold-back
    /// + bonus point) ≈ 0.10 × ($4 + $2.6) ≈ $0.66 at default detection (peer review 5% × 0.6 plus feedback), which
    /// at an optimum 1 − p ≈ 2.4 · e · L / pay (e ≈ 0.035 errors per read, pay ≈ $40) lowers the pace by ≈ 0.0014;
    /// the test asserts at least 0.001. Small: at published rates only about a tenth of errors are ever found.
    /// Seen to fail with the lever disabled (hold-back and levy 0: equal paces).
    @Test func valueBasedSettlementSlowsThePace() throws {
        let results = try runDefault(
            designs: ["posted-price", "posted-price-value-based"], replications: 1, horizon: 2 * dayTicks,
            warmup: 0)
        func meanPace(_ design: String) -> Double {
            let paces = results.filter { $0.design == design }.flatMap(\.studies).compactMap(\.pace)
            return paces.reduce(0, +) / Double(paces.count)
        }
        let perRead = meanPace("posted-price")
        let valueBased = meanPace("posted-price-value-based")
        print("validation: pace per-read \(perRead) vs value-based \(valueBased)")
        #expect(perRead - valueBased >= 0.001, "pace: per-read \(perRead) vs value-based \(valueBased)")
    }

    /// Mean chosen pace over the reads of the value-based design, with the model adjusted.
    func valueBasedPace(_ adjust: @escaping (inout MarketParameters) -> Void) throws -> Double {
        let results = try runDefault(
            designs: ["posted-price-value-based"], replications: 1, horizon: 2 * dayTicks, warmup: 0, adjust: adjust)
        let paces = results.flatMap(\.studies).compactMap(\.pace)
        return paces.reduce(0, +) / Double(paces.count)
    }

    /// Lever: peer-review rate under value-based settlement, 5% (the chain's default, §4 "Peer review (RADPEER
    /// pilot)") against 50% **[assumption]** (an intensive QA programme): more review means more of a reader's
    /// errors are found and forfeit their hold-back and bonus point, so radiologists read slower. Outcome: mean
    /// pace lower by at least 0.002 at 50%. Seen to fail with the lever disabled (both arms at 5%).
    @Test func morePeerReviewSlowsThePace() throws {
        let low = try valueBasedPace { $0.peerReview.rateBasisPoints = 500 }
        let high = try valueBasedPace { $0.peerReview.rateBasisPoints = 5_000 }
        print("validation: pace review 5% \(low) vs 50% \(high)")
        #expect(low - high >= 0.002, "pace: review 5% \(low) vs 50% \(high)")
    }

    /// Lever: the bonus levy, 2% (the default design, Scenarios/default.yaml) against 10% **[assumption]** (a
    /// pool the size of §7 "MIPS weighting"'s ±9% payment adjustment): a larger pool makes each quality point, and
    /// so each detected error, worth more. Outcome: mean pace lower by at least 0.002 at 10%. Seen to fail with the
    /// lever disabled (both arms at 2%).
    @Test func largerBonusLevySlowsThePace() throws {
        func setLevy(_ basisPoints: Int) -> (inout MarketParameters) -> Void {
            { model in
                for i in model.designs.indices where model.designs[i].valueBased != nil {
                    model.designs[i].valueBased!.levyBasisPoints = basisPoints
                }
            }
        }
        let low = try valueBasedPace(setLevy(200))
        let high = try valueBasedPace(setLevy(1_000))
        print("validation: pace levy 2% \(low) vs 10% \(high)")
        #expect(low - high >= 0.002, "pace: levy 2% \(low) vs 10% \(high)")
    }

    /// Lever: escalating offers (issue 18 item 2, "clients who need faster reads would need to pay more"). Beside
    /// the default posted-price design, the same design in which the hospital systems' routed (non-STAT, first)
    /// orders escalate by 25% of the opening offer per hour waited, up to their willingness to pay **[assumption]**,
    /// and the claimer is paid the bid. Readers claim by deadline (the default), so a bid buys eligibility: a routed
    /// order admits only readers no dearer than the dearest of the best three, and escalation opens it, hour by
    /// hour, to dearer readers on shift. Outcome, paired on the same studies (common random numbers): hospital
    /// orders wait less from commit to assignment (measured −0.074 ± 0.017 h over two days) and pay more per read
    /// (+2.05 ± 0.20 USD); each change must be significant at 99% (|mean| > 2.58 SE). Seen to fail with the lever
    /// disabled (no escalation in the second design).
    @Test func escalatingOffersBuySpeed() throws {
        let escalating = "posted-price-escalating"
        let results = try runDefault(
            designs: ["posted-price", escalating], replications: 1, horizon: escalationHorizon, warmup: 0
        ) { model in
            let terms = MarketDesignSpec.Escalation(perHourBasisPoints: 2_500)
            model.designs.append(
                MarketDesignSpec(name: escalating, mechanism: .postedPrice, escalation: [.hospitalSystem: terms]))
        }
        // Routed hospital orders (non-STAT, first posts, assigned), by study key.
        func routed(_ design: String) -> [String: StudyRecord] {
            let xs = results.filter { $0.design == design }.flatMap(\.studies).filter {
                $0.clientType == "hospital_system" && $0.urgency != .stat && $0.reposts == 0 && $0.assigned != nil
                    && $0.firstCommitted != nil
            }
            return Dictionary(xs.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        }
        let fixed = routed("posted-price")
        let rising = routed(escalating)
        let keys = fixed.keys.filter { rising[$0] != nil }.sorted()
        func wait(_ s: StudyRecord) -> Double { Double(s.assigned! - s.firstCommitted!) / Double(hourTicks) }
        let dWait = Level.of(keys.map { wait(rising[$0]!) - wait(fixed[$0]!) })
        let dPrice = Level.of(keys.map { (Double(rising[$0]!.pricePaid) - Double(fixed[$0]!.pricePaid)) / 100 })
        print(
            "validation: escalating hospital orders: paired wait change \(dWait) h, price change \(dPrice) USD (\(keys.count) studies)"
        )
        #expect(keys.count > 100)
        #expect(dWait.mean + 2.58 * dWait.standardError < 0, "hospital orders wait less: \(dWait) h")
        #expect(dPrice.mean - 2.58 * dPrice.standardError > 0, "and pay more: \(dPrice) USD")
    }
    /// Lever: speed premiums (issue 18 item 2, "a client paying for speed can offer a premium for a shorter promised
    /// turnaround"). Beside the default posted-price design, the same design in which the hospital systems' routed
    /// (non-STAT, first) orders promise 20% of the opening offer on top of the price for a report within an hour of
    /// posting **[assumption]**, escrowed and refunded when the promise is missed. Readers' claiming software counts
    /// the premium and takes the promise as the order's deadline when it expects to meet it, so premium orders are
    /// claimed and read first. Outcome, paired on the same studies (common random numbers): hospital orders' mean
    /// turnaround is shorter and their price paid higher; each change must be significant at 99% (|mean| > 2.58
    /// SE). Seen to fail with the lever disabled (no premium in the second design).
    @Test func speedPremiumsBuySpeed() throws {
        let premium = "posted-price-premium"
        let results = try runDefault(
            designs: ["posted-price", premium], replications: 1, horizon: escalationHorizon, warmup: 0
        ) { model in
            let terms = MarketDesignSpec.SpeedPremium(withinTicks: hourTicks, premiumBasisPoints: 2_000)
            model.designs.append(
                MarketDesignSpec(name: premium, mechanism: .postedPrice, speedPremium: [.hospitalSystem: terms]))
        }
        // Routed hospital orders (non-STAT, first posts, reported), by study key.
        func routed(_ design: String) -> [String: StudyRecord] {
            let xs = results.filter { $0.design == design }.flatMap(\.studies).filter {
                $0.clientType == "hospital_system" && $0.urgency != .stat && $0.reposts == 0 && $0.turnaround != nil
            }
            return Dictionary(xs.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        }
        let plain = routed("posted-price")
        let paying = routed(premium)
        let keys = plain.keys.filter { paying[$0] != nil }.sorted()
        func hours(_ s: StudyRecord) -> Double { Double(s.turnaround!) / Double(hourTicks) }
        let dTurnaround = Level.of(keys.map { hours(paying[$0]!) - hours(plain[$0]!) })
        let dPrice = Level.of(keys.map { (Double(paying[$0]!.pricePaid) - Double(plain[$0]!.pricePaid)) / 100 })
        let within = keys.filter { hours(paying[$0]!) <= 1 }.count
        print(
            "validation: speed premiums for hospital orders: paired turnaround change \(dTurnaround) h, price change \(dPrice) USD (\(keys.count) studies; \(within) reported within the hour)"
        )
        #expect(keys.count > 100)
        #expect(
            dTurnaround.mean + 2.58 * dTurnaround.standardError < 0, "hospital orders are read sooner: \(dTurnaround) h"
        )
        #expect(dPrice.mean - 2.58 * dPrice.standardError > 0, "and pay more: \(dPrice) USD")
    }
}
