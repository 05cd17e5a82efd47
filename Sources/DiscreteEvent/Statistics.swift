import CGSL
import Histogram

/// A two-sided confidence interval for a mean.
public struct ConfidenceInterval: Sendable, Equatable, CustomStringConvertible {
    public var mean: Double
    /// Half the interval's width: the interval is `mean ± halfWidth`.
    public var halfWidth: Double
    /// The confidence level, e.g. 0.95.
    public var level: Double
    /// Number of observations behind it.
    public var count: Int

    public init(mean: Double, halfWidth: Double, level: Double, count: Int) {
        self.mean = mean
        self.halfWidth = halfWidth
        self.level = level
        self.count = count
    }

    public var lower: Double { mean - halfWidth }
    public var upper: Double { mean + halfWidth }
    public func contains(_ x: Double) -> Bool { x >= lower && x <= upper }
    public var description: String { "\(mean) ± \(halfWidth) (\(Int((level * 100).rounded()))%, n=\(count))" }
}

/// Student's t quantile: the value `t` with P(T ≤ t) = `p` for `degreesOfFreedom` d.f.
///
/// From GSL's `gsl_cdf_tdist_Pinv`. - Precondition: `0 < p < 1`, `degreesOfFreedom > 0`.
public func studentTQuantile(_ p: Double, degreesOfFreedom: Double) -> Double {
    precondition(p > 0 && p < 1 && degreesOfFreedom > 0)
    return gsl_cdf_tdist_Pinv(p, degreesOfFreedom)
}

/// Student's t upper tail: P(T > t) for `degreesOfFreedom` d.f.
///
/// From GSL's `gsl_cdf_tdist_Q`. - Precondition: `degreesOfFreedom > 0`.
public func studentTUpperTail(_ t: Double, degreesOfFreedom: Double) -> Double {
    precondition(degreesOfFreedom > 0)
    return gsl_cdf_tdist_Q(t, degreesOfFreedom)
}

/// A tally of independent observations: count, mean, variance (Welford's algorithm), extremes,
/// and a t-based confidence interval for the mean.
///
/// Use one for per-customer waits within a run, or for one metric's per-replication means across
/// replications (the usual way to get an honest interval from correlated output).
///
/// An infinite observation (a turnaround quantile never reached) makes the mean that infinity (NaN when both
/// signs occur) and the variance, and so the interval, NaN: Welford's update would turn ∞ − ∞ into a NaN mean.
public struct Tally: Sendable, Equatable {
    public private(set) var count: Int = 0
    public private(set) var mean: Double = 0
    private var m2: Double = 0
    public private(set) var min: Double = .infinity
    public private(set) var max: Double = -.infinity

    public init() {}

    /// Creates a tally of `values`.
    public init<S: Sequence>(_ values: S) where S.Element == Double {
        for v in values { record(v) }
    }

    /// Adds one observation. - Complexity: O(1).
    @inlinable public mutating func record(_ x: Double) {
        _record(x)
    }

    @usableFromInline mutating func _record(_ x: Double) {
        count += 1
        if x.isInfinite || mean.isInfinite {
            mean += x
            m2 = .nan
        } else {
            let delta = x - mean
            mean += delta / Double(count)
            m2 += delta * (x - mean)
        }
        if x < min { min = x }
        if x > max { max = x }
    }

    /// The unbiased sample variance (n − 1 in the denominator); 0 with fewer than two observations.
    public var variance: Double { count > 1 ? m2 / Double(count - 1) : 0 }
    public var standardDeviation: Double { variance.squareRoot() }
    /// The standard error of the mean.
    public var standardError: Double { count > 0 ? (variance / Double(count)).squareRoot() : .nan }

    /// The t-based confidence interval for the mean, `mean ± t(1−α/2, n−1)·s/√n`.
    ///
    /// Returns nil with fewer than two observations (no variance estimate).
    public func confidenceInterval(level: Double = 0.95) -> ConfidenceInterval? {
        guard count >= 2 else { return nil }
        let t = studentTQuantile(0.5 + level / 2, degreesOfFreedom: Double(count - 1))
        return ConfidenceInterval(mean: mean, halfWidth: t * standardError, level: level, count: count)
    }

    /// Forgets everything recorded (warm-up deletion).
    public mutating func reset() { self = Tally() }

    /// Combines two tallies as if all observations had been recorded in one (Chan et al.).
    public mutating func merge(_ other: Tally) {
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        if mean.isInfinite || other.mean.isInfinite {
            mean += other.mean
            m2 = .nan
        } else {
            let n = Double(count + other.count)
            let delta = other.mean - mean
            mean += delta * Double(other.count) / n
            m2 += other.m2 + delta * delta * Double(count) * Double(other.count) / n
        }
        count += other.count
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
    }
}

/// The time-weighted average of a piecewise-constant quantity (queue length, busy servers, stock).
///
/// Record each change with ``update(_:at:)``; the average over `[start, t]` is the area under the
/// step function divided by `t − start`. ``reset(at:)`` restarts the window (warm-up) while keeping
/// the current level.
public struct TimeWeighted: Sendable, Equatable {
    public private(set) var current: Double
    public private(set) var start: SimTime
    private var lastChange: SimTime
    private var area: Double = 0  // value × ticks
    public private(set) var maximum: Double

    public init(initial: Double = 0, at time: SimTime = .zero) {
        current = initial
        start = time
        lastChange = time
        maximum = initial
    }

    /// Sets the level to `value` from time `t` on. - Precondition: `t` is not before the last change.
    @inlinable public mutating func update(_ value: Double, at t: SimTime) {
        _update(value, at: t)
    }

    @usableFromInline mutating func _update(_ value: Double, at t: SimTime) {
        precondition(t >= lastChange, "time-weighted statistic updated out of order")
        area += current * Double(t.ticks - lastChange.ticks)
        lastChange = t
        current = value
        if value > maximum { maximum = value }
    }

    /// Adds `delta` to the level at time `t`.
    @inlinable public mutating func add(_ delta: Double, at t: SimTime) { update(current + delta, at: t) }

    /// The time average over `[start, t]`; the current level if the window is empty.
    public func mean(at t: SimTime) -> Double {
        precondition(t >= lastChange)
        let span = Double(t.ticks - start.ticks)
        guard span > 0 else { return current }
        return (area + current * Double(t.ticks - lastChange.ticks)) / span
    }

    /// Restarts the averaging window at `t`, keeping the current level (warm-up deletion).
    public mutating func reset(at t: SimTime) {
        precondition(t >= lastChange)
        area = 0
        start = t
        lastChange = t
        maximum = current
    }
}

/// Percentiles of non-negative durations in ticks, kept in an HdrHistogram (3 significant digits).
///
/// Values are recorded exactly up to 1 ms of ticks and with 0.1% relative precision beyond, from
/// one tick up to about a year (the histogram resizes itself past that).
public struct Percentiles: Sendable {
    public private(set) var histogram: Histogram<UInt64>

    public init(highestTrackableTicks: Int64 = 366 * SimTime.ticksPerDay) {
        var h = Histogram<UInt64>(
            lowestDiscernibleValue: 1, highestTrackableValue: UInt64(highestTrackableTicks),
            numberOfSignificantValueDigits: .three)
        h.autoResize = true
        histogram = h
    }

    /// Records one duration. Negative spans are a model bug. - Complexity: O(1).
    public mutating func record(_ span: SimTime) {
        precondition(span.ticks >= 0, "negative duration recorded")
        _ = histogram.record(UInt64(span.ticks))
    }

    public var count: UInt64 { histogram.totalCount }

    /// The value at percentile `p` in 0...100 (e.g. 90 for p90), as a span.
    public func value(atPercentile p: Double) -> SimTime {
        SimTime(ticks: Int64(histogram.valueAtPercentile(p)))
    }

    public mutating func reset() { histogram.reset() }
    public mutating func merge(_ other: Percentiles) { histogram.add(other.histogram) }
}
