/// The Kaplan–Meier (product-limit) estimate of a time-to-event distribution from right-censored observations
/// (Kaplan & Meier, *JASA* 1958).
///
/// Each subject either has its event at a known time or is censored: known only to have had no event up to its
/// censoring time. A subject that will never have the event is censored at `+∞`: it stays at risk at every finite
/// time, so the estimated share with the event levels off below 1 (the market's never-reported studies). At each
/// distinct event time `t` with `d` events among the `n` subjects still at risk (observed at `t` or later,
/// censored ones included when censored at `t` itself), the survival estimate is multiplied by `1 − d/n`.
///
/// Quantiles follow the usual product-limit convention: the p-quantile is the smallest event time at which the
/// estimated share with the event, `1 − S(t)`, reaches `p`; when it never does (the subjects left beyond the last
/// event are all censored: never reported, or still open when observation stopped) the quantile is `+∞`.
/// Without censoring the estimate is the empirical distribution function, and the quantile its inverse (the
/// order statistic of rank ⌈p·n⌉). Pure.
public struct KaplanMeier: Sendable, Equatable {
    /// One step of the estimate: at `time`, the estimated share with the event by then rises to `share`.
    public struct Step: Sendable, Equatable {
        public var time: Double
        /// `1 − S(time)`, the estimated share with the event at or before `time`.
        public var share: Double
        /// Events at `time`.
        public var events: Int
        /// Subjects at risk just before `time`.
        public var atRisk: Int

        public init(time: Double, share: Double, events: Int, atRisk: Int) {
            self.time = time
            self.share = share
            self.events = events
            self.atRisk = atRisk
        }
    }

    /// The distinct event times in ascending order, with the estimate after each.
    public let steps: [Step]
    /// Subjects observed (events plus censored).
    public let subjects: Int
    /// Subjects with the event.
    public let events: Int

    /// The estimate from event times and censoring times.
    ///
    /// - Parameters:
    ///   - events: Times of the observed events; each finite.
    ///   - censored: Censoring times; `+∞` for a subject known never to have the event.
    /// - Precondition: no NaN, no infinite event time.
    /// - Complexity: O(n log n) for n observations.
    public init(events: [Double], censored: [Double]) {
        precondition(events.allSatisfy(\.isFinite), "an event time must be finite")
        precondition(!censored.contains { $0.isNaN }, "a censoring time must not be NaN")
        let sortedEvents = events.sorted()
        let sortedCensored = censored.sorted()
        var steps: [Step] = []
        var atRisk = events.count + censored.count
        var survival = 1.0
        var i = 0
        var j = 0
        while i < sortedEvents.count {
            let t = sortedEvents[i]
            // Censored strictly before t have left the risk set; those censored at t are still at risk.
            while j < sortedCensored.count && sortedCensored[j] < t {
                atRisk -= 1
                j += 1
            }
            var d = 0
            while i < sortedEvents.count && sortedEvents[i] == t {
                d += 1
                i += 1
            }
            survival *= 1 - Double(d) / Double(atRisk)
            steps.append(Step(time: t, share: 1 - survival, events: d, atRisk: atRisk))
            atRisk -= d
        }
        self.steps = steps
        subjects = events.count + censored.count
        self.events = events.count
    }

    /// The estimated share with the event at or before `t` (`1 − S(t)`); 0 before the first event.
    ///
    /// - Complexity: O(log k) for k steps.
    public func share(at t: Double) -> Double {
        var lo = 0
        var hi = steps.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if steps[mid].time <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? 0 : steps[lo - 1].share
    }

    /// The estimated share that never has the event within the observations: `S` after the last event (1 with no
    /// event; NaN with no subject).
    public var neverShare: Double {
        guard subjects > 0 else { return .nan }
        return 1 - (steps.last?.share ?? 0)
    }

    /// The p-quantile: the smallest event time at which the estimated share reaches `p` (within 1e-12, so a share
    /// of exactly p computed with rounding counts); `+∞` when it never does; NaN with no subject.
    ///
    /// - Precondition: `0 < p ≤ 1`.
    /// - Complexity: O(log k) for k steps.
    public func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p <= 1, "a quantile's probability must be in (0, 1]")
        guard subjects > 0 else { return .nan }
        var lo = 0
        var hi = steps.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if steps[mid].share >= p - 1e-12 { hi = mid } else { lo = mid + 1 }
        }
        return lo < steps.count ? steps[lo].time : .infinity
    }
}
