import MarketModel

/// A scenario file, loaded and validated: everything a run needs to start.
///
/// Values are already converted out of their written units: durations into ticks
/// (1 tick = 1 microsecond, `Int64`) and rates into events per second (`Double`).
/// `sha256` is the hex SHA-256 of the exact bytes that were read, so a result can name the
/// scenario it came from.
public struct ScenarioFile: Sendable {
    /// The path the scenario was loaded from, as given to the loader.
    public let path: String
    /// The scenario text, exactly as read.
    public let text: String
    /// Lower-case hex SHA-256 of the file's bytes.
    public let sha256: String
    /// The scenario's name; matches `[A-Za-z0-9._-]+`, so it is safe as a file name.
    public let name: String
    /// Which model the scenario describes.
    public let kind: ScenarioKind
    /// Free-text description, if the file has one.
    public let description: String?
    /// Master seed for the run's random streams.
    public let seed: UInt64
    /// Number of independent replications, `1...100_000`.
    public let replications: Int
    /// Simulated time per replication, in ticks (microseconds); greater than `warmupTicks`.
    public let horizonTicks: Int64
    /// Observations before this time are discarded, in ticks (microseconds); at least 0.
    public let warmupTicks: Int64
    /// The kind-specific model parameters.
    public let model: ScenarioModel
    /// Warnings found while loading (errors make the load fail instead).
    public let warnings: [Diagnostic]

    /// Creates a scenario from already validated values (for tests and generated scenarios).
    public init(
        path: String,
        text: String,
        sha256: String,
        name: String,
        kind: ScenarioKind,
        description: String?,
        seed: UInt64,
        replications: Int,
        horizonTicks: Int64,
        warmupTicks: Int64,
        model: ScenarioModel,
        warnings: [Diagnostic] = []
    ) {
        self.path = path
        self.text = text
        self.sha256 = sha256
        self.name = name
        self.kind = kind
        self.description = description
        self.seed = seed
        self.replications = replications
        self.horizonTicks = horizonTicks
        self.warmupTicks = warmupTicks
        self.model = model
        self.warnings = warnings
    }
}

/// The kinds of scenario the loader understands (the `kind:` key).
///
/// Later kinds (`loadtest`) are added here, in ``ScenarioModel`` and in the JSON schema.
public enum ScenarioKind: String, Sendable, CaseIterable {
    /// An M/M/c queue, used to validate the simulator against Erlang C.
    case queue
    /// A teleradiology market running on the chain (issue 5).
    case market
}

/// The kind-specific part of a scenario.
public enum ScenarioModel: Sendable {
    /// Parameters of an M/M/c queue (`kind: queue`).
    case queue(QueueModel)
    /// A teleradiology market (`kind: market`).
    case market(MarketParameters)
}

/// An M/M/c queue: Poisson arrivals, exponential service, `servers` identical servers, FIFO.
public struct QueueModel: Sendable, Equatable {
    /// Arrival rate λ, in arrivals per second.
    public let arrivalRatePerSecond: Double
    /// Service rate μ of one server, in completions per second.
    public let serviceRatePerSecond: Double
    /// Number of servers c, at least 1.
    public let servers: Int

    /// Creates a queue model; the loader checks the ranges, this initialiser does not.
    public init(arrivalRatePerSecond: Double, serviceRatePerSecond: Double, servers: Int) {
        self.arrivalRatePerSecond = arrivalRatePerSecond
        self.serviceRatePerSecond = serviceRatePerSecond
        self.servers = servers
    }

    /// Offered load a = λ/μ, in Erlangs (the mean number of busy servers when stable).
    public var offeredLoad: Double { arrivalRatePerSecond / serviceRatePerSecond }

    /// Utilisation ρ = λ/(cμ); the queue is stable only when ρ < 1.
    public var utilisation: Double { offeredLoad / Double(servers) }

    /// Whether waits stay bounded in the long run (ρ < 1).
    public var isStable: Bool { utilisation < 1 }
}
