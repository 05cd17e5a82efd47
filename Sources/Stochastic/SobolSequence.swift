import CGSL

/// Sobol's low-discrepancy sequence in the unit cube, from GSL (`gsl_qrng_sobol`): the base samples of the Saltelli
/// design for variance-based sensitivity analysis (Analysis's `Sensitivity`). Deterministic: the same dimension gives
/// the same points everywhere.
public final class SobolSequence {
    /// GSL's limit on the dimension of `gsl_qrng_sobol`.
    public static let maxDimension = 40

    public let dimension: Int
    private let generator: UnsafeMutablePointer<gsl_qrng>

    /// - Precondition: `1 <= dimension <= maxDimension`.
    public init(dimension: Int) {
        precondition(
            (1...Self.maxDimension).contains(dimension), "Sobol dimension must be in 1...\(Self.maxDimension)")
        self.dimension = dimension
        guard let g = gsl_qrng_alloc(readchain_gsl_qrng_sobol(), UInt32(dimension)) else {
            fatalError("gsl_qrng_alloc failed (out of memory)")
        }
        generator = g
    }

    deinit { gsl_qrng_free(generator) }

    /// The next point, each coordinate in [0, 1). The first point of the sequence is the origin.
    public func next() -> [Double] {
        var x = [Double](repeating: 0, count: dimension)
        x.withUnsafeMutableBufferPointer { buffer in
            _ = gsl_qrng_get(generator, buffer.baseAddress)
        }
        return x
    }
}
