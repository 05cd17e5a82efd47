// Saturating time arithmetic: block times come from proposers, and a Byzantine one may say Int64.max.

extension Int64 {
    /// `self + other`, clamped to `Int64.min...Int64.max` instead of trapping on overflow.
    ///
    /// Every sum or difference of a block time and a span in the nodes and the contracts goes through these
    /// (issue 17): a proposer chooses its block's time, and `now + window` must not trap at `Int64.max`.
    @inlinable
    public func saturatingAdd(_ other: Int64) -> Int64 {
        let (r, o) = addingReportingOverflow(other)
        return o ? (other > 0 ? .max : .min) : r
    }

    /// `self - other`, clamped to `Int64.min...Int64.max`.
    @inlinable
    public func saturatingSubtract(_ other: Int64) -> Int64 {
        let (r, o) = subtractingReportingOverflow(other)
        return o ? (other < 0 ? .max : .min) : r
    }

    /// `self * other`, clamped to `Int64.min...Int64.max`.
    @inlinable
    public func saturatingMultiply(_ other: Int64) -> Int64 {
        let (r, o) = multipliedReportingOverflow(by: other)
        return o ? ((self < 0) == (other < 0) ? .max : .min) : r
    }
}
