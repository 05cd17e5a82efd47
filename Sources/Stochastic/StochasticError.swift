import CGSL

/// An error from the stochastic layer: a rejected distribution parameter or a failed GSL call.
///
/// Parameter checks done in Swift carry `GSL_EINVAL`; failures reported by GSL carry GSL's own
/// errno (`GSL_EDOM`, `GSL_ENOMEM`, ...), whose text comes from `gsl_strerror`.
public struct StochasticError: Error, CustomStringConvertible, Equatable {
    /// The GSL error number (see `gsl_errno.h`), e.g. `GSL_EINVAL` for a bad parameter.
    public let code: Int32
    /// What went wrong, naming the distribution and the parameter,
    /// e.g. `"exponential: mean must be > 0 and finite, got -2.0"`.
    public let message: String

    /// Creates an error with a GSL error number and a message.
    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    /// `message`, followed by the GSL error number and GSL's text for it.
    public var description: String {
        "\(message) [GSL error \(code): \(StochasticError.gslText(for: code))]"
    }

    /// GSL's text for an error number (`gsl_strerror`).
    public static func gslText(for code: Int32) -> String {
        GSL.ensureInitialised()
        return String(cString: gsl_strerror(code))
    }

    /// A rejected parameter: `"<distribution>: <requirement>, got <value>"`, code `GSL_EINVAL`.
    static func invalid(_ distribution: String, _ requirement: String, got value: some CustomStringConvertible)
        -> StochasticError
    {
        StochasticError(code: GSL.invalidArgument, message: "\(distribution): \(requirement), got \(value)")
    }

    /// A failure reported by GSL itself: `"<context>: <gsl_strerror(code)>"`.
    static func gsl(_ code: Int32, _ context: String) -> StochasticError {
        StochasticError(code: code, message: "\(context): \(gslText(for: code))")
    }
}

/// Process-wide GSL set-up.
enum GSL {
    /// Turns GSL's default error handler (which calls `abort()`) off, exactly once per process.
    ///
    /// A `static let` initialiser runs once and is thread safe (swift_once), so every entry point
    /// that touches GSL calls `ensureInitialised()` first. Afterwards GSL reports errors only
    /// through return values, which this module checks and turns into `StochasticError`s.
    private static let errorHandlerOff: Void = {
        _ = gsl_set_error_handler_off()
    }()

    /// Runs the one-time set-up if it has not run yet.
    /// - Complexity: O(1).
    @inline(__always) static func ensureInitialised() {
        _ = errorHandlerOff
    }

    static let invalidArgument = Int32(GSL_EINVAL)
    static let outOfMemory = Int32(GSL_ENOMEM)
}
