/// A point on (or a span of) the simulated clock, as an integer count of ticks.
///
/// **One tick is one microsecond.** This is the only place the unit is defined; everything else
/// converts through ``ticksPerSecond``. An `Int64` of microseconds spans about 292,000 years at
/// microsecond resolution, comfortably "years at sub-millisecond resolution": a ten-year market run
/// uses 3.2e14 ticks of the 9.2e18 available, and an Ed25519 verification (~50 µs) is still 50 ticks.
///
/// Integer time makes event ordering exact: two events computed by different float paths can
/// never land a rounding error apart and swap order between processes or platforms.
public struct SimTime: Hashable, Comparable, Sendable, AdditiveArithmetic, CustomStringConvertible {
    /// Ticks since the start of the simulation (or the length of a span).
    public var ticks: Int64

    /// The number of ticks in one simulated second (1 tick = 1 µs).
    public static let ticksPerSecond: Int64 = 1_000_000
    public static let ticksPerMillisecond: Int64 = 1_000
    public static let ticksPerMinute: Int64 = 60 * ticksPerSecond
    public static let ticksPerHour: Int64 = 3_600 * ticksPerSecond
    public static let ticksPerDay: Int64 = 24 * ticksPerHour

    /// One second, minute, hour and day as spans (for arithmetic on `Int64` ticks or `Double`s, use the
    /// `ticksPer...` constants: `Double(SimTime.ticksPerHour)` is exactly 3.6e9).
    public static let second = SimTime(ticks: ticksPerSecond)
    public static let minute = SimTime(ticks: ticksPerMinute)
    public static let hour = SimTime(ticks: ticksPerHour)
    public static let day = SimTime(ticks: ticksPerDay)

    @inlinable public init(ticks: Int64) { self.ticks = ticks }

    public static let zero = SimTime(ticks: 0)
    /// A time after every schedulable event; used as "run forever".
    public static let distantFuture = SimTime(ticks: .max)

    @inlinable public static func microseconds(_ n: Int64) -> SimTime { SimTime(ticks: n) }
    @inlinable public static func milliseconds(_ n: Int64) -> SimTime { SimTime(ticks: n * ticksPerMillisecond) }
    @inlinable public static func seconds(_ n: Int64) -> SimTime { SimTime(ticks: n * ticksPerSecond) }
    @inlinable public static func minutes(_ n: Int64) -> SimTime { SimTime(ticks: n * ticksPerMinute) }
    @inlinable public static func hours(_ n: Int64) -> SimTime { SimTime(ticks: n * ticksPerHour) }
    @inlinable public static func days(_ n: Int64) -> SimTime { SimTime(ticks: n * ticksPerDay) }

    /// The span nearest to `seconds` (rounded to the nearest tick, ties away from zero).
    ///
    /// Used to turn a continuous random variate (a service time, a latency) into clock ticks.
    /// - Precondition: `seconds` is finite and fits in the tick range.
    @inlinable public init(seconds: Double) {
        let t = (seconds * Double(SimTime.ticksPerSecond)).rounded()
        precondition(t.isFinite && abs(t) < 9.2e18, "SimTime(seconds:) out of range: \(seconds)")
        self.ticks = Int64(t)
    }

    /// The span in (floating-point) seconds.
    @inlinable public var seconds: Double { Double(ticks) / Double(SimTime.ticksPerSecond) }
    /// The span in (floating-point) hours.
    @inlinable public var hours: Double { Double(ticks) / Double(SimTime.ticksPerHour) }

    @inlinable public static func < (a: SimTime, b: SimTime) -> Bool { a.ticks < b.ticks }
    @inlinable public static func + (a: SimTime, b: SimTime) -> SimTime { SimTime(ticks: a.ticks + b.ticks) }
    @inlinable public static func - (a: SimTime, b: SimTime) -> SimTime { SimTime(ticks: a.ticks - b.ticks) }

    public var description: String {
        let h = ticks / SimTime.ticksPerHour
        let rem = ticks % SimTime.ticksPerHour
        let m = rem / SimTime.ticksPerMinute
        let s = Double(rem % SimTime.ticksPerMinute) / Double(SimTime.ticksPerSecond)
        return "\(h)h\(m)m\(s)s"
    }
}
