import Analysis
import DequeModule
import DiscreteEvent
import Stochastic

/// Parameters of one M/M/c replication, in kernel units.
public struct QueueParameters: Sendable, Equatable {
    /// Poisson arrival rate, customers per second.
    public var arrivalRatePerSecond: Double
    /// Exponential service rate per server, customers per second.
    public var serviceRatePerSecond: Double
    public var servers: Int
    /// Simulated length of the replication.
    public var horizon: SimTime
    /// Statistics are reset at this time: customers arriving earlier are not tallied.
    public var warmup: SimTime

    public init(
        arrivalRatePerSecond: Double, serviceRatePerSecond: Double, servers: Int,
        horizon: SimTime, warmup: SimTime
    ) {
        self.arrivalRatePerSecond = arrivalRatePerSecond
        self.serviceRatePerSecond = serviceRatePerSecond
        self.servers = servers
        self.horizon = horizon
        self.warmup = warmup
    }
}

/// One tallied customer: arrival time (ticks) and wait in queue (seconds).
public struct WaitObservation: Sendable, Equatable {
    public var time: Int64
    public var wait: Double
}

/// What one M/M/c replication measured after warm-up. Times are in seconds.
public struct QueueReplicationResult: Sendable, Equatable {
    public var replication: Int
    /// Customers who arrived after warm-up and began service before the horizon.
    public var customersServed: Int
    /// Of those, how many had to wait (found every server busy).
    public var waited: Int
    /// Customers who arrived in [warm-up, horizon].
    public var arrivals: Int
    public var waits: Tally
    public var sojourns: Tally
    /// Time-average number of busy servers divided by c.
    public var utilisation: Double
    public var meanQueueLength: Double
    public var meanInSystem: Double
    /// p50 and p90 of the wait in queue, seconds.
    public var waitP50: Double
    public var waitP90: Double
    /// Observed arrival rate in the measurement window, per second.
    public var observedArrivalRate: Double
    /// Events the kernel handled in the whole replication.
    public var events: UInt64
    /// (arrival time in ticks, wait in seconds) of every tallied customer, if recording was asked for.
    public var waitObservations: [WaitObservation]
}

/// An M/M/c FIFO queue built on the kernel: the validation model (checked against ``ErlangC``)
/// and the benchmark model (against SimPy on the same model, bench/README.md).
///
/// Random numbers come from two named streams, "arrivals" and "service", so the arrival process
/// is identical across models that differ only in service.
public struct MMcQueue: EventHandler {
    public enum Event {
        case arrival
        case departure
        /// Statistics are reset here (priority −1: before any customer event at the same time).
        case endOfWarmup
    }

    let parameters: QueueParameters
    let interarrival: Exponential
    let service: Exponential
    let arrivals: RandomStream
    let services: RandomStream
    let recordObservations: Bool

    var busy = 0
    /// Arrival times (ticks) of customers waiting, oldest first.
    var queue = Deque<Int64>()
    var measuring = false

    var waits = Tally()
    var sojourns = Tally()
    var waitPercentiles = Percentiles()
    var busyServers = TimeWeighted()
    var queueLength = TimeWeighted()
    var inSystem = TimeWeighted()
    var arrivalsInWindow = 0
    var waitedCount = 0
    var observations: [WaitObservation] = []

    /// - Throws: ``StochasticError`` if a rate is not positive and finite.
    public init(parameters: QueueParameters, streams: RandomStreams, recordObservations: Bool = false) throws {
        self.parameters = parameters
        interarrival = try Exponential(rate: parameters.arrivalRatePerSecond)
        service = try Exponential(rate: parameters.serviceRatePerSecond)
        arrivals = streams.stream("arrivals")
        services = streams.stream("service")
        self.recordObservations = recordObservations
        measuring = parameters.warmup == .zero
    }

    @inline(__always) mutating func startService(arrivedAt: Int64, now: SimTime, scheduler: inout Scheduler<Event>) {
        busy += 1
        let serviceTime = SimTime(seconds: service.sample(services))
        if measuring && arrivedAt >= parameters.warmup.ticks {
            let wait = now.ticks - arrivedAt
            let waitSeconds = Double(wait) / Double(SimTime.ticksPerSecond)
            waits.record(waitSeconds)
            if wait > 0 { waitedCount += 1 }
            sojourns.record(waitSeconds + serviceTime.seconds)
            waitPercentiles.record(SimTime(ticks: wait))
            if recordObservations { observations.append(WaitObservation(time: arrivedAt, wait: waitSeconds)) }
        }
        scheduler.schedule(.departure, after: serviceTime)
    }

    public mutating func handle(_ event: Event, scheduler: inout Scheduler<Event>) {
        let now = scheduler.now
        switch event {
        case .arrival:
            scheduler.schedule(.arrival, after: SimTime(seconds: interarrival.sample(arrivals)))
            if measuring { arrivalsInWindow += 1 }
            inSystem.add(1, at: now)
            if busy < parameters.servers {
                startService(arrivedAt: now.ticks, now: now, scheduler: &scheduler)
                busyServers.update(Double(busy), at: now)
            } else {
                queue.append(now.ticks)
                queueLength.update(Double(queue.count), at: now)
            }
        case .departure:
            busy -= 1
            inSystem.add(-1, at: now)
            if let next = queue.popFirst() {
                queueLength.update(Double(queue.count), at: now)
                startService(arrivedAt: next, now: now, scheduler: &scheduler)
            }
            busyServers.update(Double(busy), at: now)
        case .endOfWarmup:
            measuring = true
            busyServers.reset(at: now)
            queueLength.reset(at: now)
            inSystem.reset(at: now)
            waits.reset()
            sojourns.reset()
            waitPercentiles.reset()
            arrivalsInWindow = 0
            waitedCount = 0
        }
    }

    /// Runs one replication from an empty system to the horizon.
    ///
    /// - Parameters:
    ///   - replication: the replication index (also part of every stream's seed).
    ///   - seed: the master seed.
    ///   - recordObservations: keep every tallied customer's (arrival time, wait) for the results database.
    public static func run(
        _ parameters: QueueParameters, seed: UInt64, replication: Int, recordObservations: Bool = false
    ) throws -> QueueReplicationResult {
        let streams = RandomStreams(seed: seed, replication: replication)
        var model = try MMcQueue(parameters: parameters, streams: streams, recordObservations: recordObservations)
        var scheduler = Scheduler<Event>()
        if parameters.warmup > .zero {
            scheduler.schedule(.endOfWarmup, at: parameters.warmup, priority: -1)
        }
        scheduler.schedule(.arrival, after: SimTime(seconds: model.interarrival.sample(model.arrivals)))
        scheduler.run(&model, until: parameters.horizon)
        let end = parameters.horizon
        let window = (end - parameters.warmup).seconds
        return QueueReplicationResult(
            replication: replication,
            customersServed: model.waits.count,
            waited: model.waitedCount,
            arrivals: model.arrivalsInWindow,
            waits: model.waits,
            sojourns: model.sojourns,
            utilisation: model.busyServers.mean(at: end) / Double(parameters.servers),
            meanQueueLength: model.queueLength.mean(at: end),
            meanInSystem: model.inSystem.mean(at: end),
            waitP50: model.waitPercentiles.value(atPercentile: 50).seconds,
            waitP90: model.waitPercentiles.value(atPercentile: 90).seconds,
            observedArrivalRate: window > 0 ? Double(model.arrivalsInWindow) / window : .nan,
            events: scheduler.eventsHandled,
            waitObservations: model.observations)
    }

    /// Runs the model until `customers` have arrived, with no statistics beyond the wait tally: the
    /// benchmark loop (bench/README.md). Returns the handled event count and the mean wait (seconds).
    public static func runCustomers(
        _ customers: Int, arrivalRatePerSecond: Double, serviceRatePerSecond: Double, servers: Int, seed: UInt64
    ) throws -> (events: UInt64, meanWait: Double, served: Int) {
        let p = QueueParameters(
            arrivalRatePerSecond: arrivalRatePerSecond, serviceRatePerSecond: serviceRatePerSecond,
            servers: servers, horizon: .distantFuture, warmup: .zero)
        let streams = RandomStreams(seed: seed, replication: 0)
        var model = try MMcQueue(parameters: p, streams: streams)
        var scheduler = Scheduler<Event>()
        scheduler.schedule(.arrival, after: SimTime(seconds: model.interarrival.sample(model.arrivals)))
        var arrived = 0
        while let event = scheduler.next() {
            if case .arrival = event {
                arrived += 1
                if arrived > customers { break }
            }
            model.handle(event, scheduler: &scheduler)
        }
        return (scheduler.eventsHandled, model.waits.mean, model.waits.count)
    }
}
