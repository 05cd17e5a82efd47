import Foundation

/// Closed-form results for the M/M/c queue (Erlang C), used to validate the kernel.
///
/// With arrival rate λ, service rate μ per server, c servers, offered load a = λ/μ and
/// utilisation ρ = a/c < 1: the probability that an arrival waits is Erlang's C formula
/// C(c, a) = c·B / (c − a(1 − B)), where B = B(c, a) is Erlang's B (loss) formula computed by the
/// stable recursion B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)). The mean wait in queue is
/// Wq = C / (cμ − λ) and, by Little's law, the mean queue length is Lq = λ·Wq.
/// (Kleinrock, *Queueing Systems* vol. 1, §3.5; Gross & Harris, *Fundamentals of Queueing Theory*.)
public struct ErlangC: Sendable, Equatable {
    public let arrivalRate: Double
    public let serviceRate: Double
    public let servers: Int

    public init(arrivalRate: Double, serviceRate: Double, servers: Int) {
        precondition(arrivalRate > 0 && serviceRate > 0 && servers >= 1)
        self.arrivalRate = arrivalRate
        self.serviceRate = serviceRate
        self.servers = servers
    }

    public var offeredLoad: Double { arrivalRate / serviceRate }
    /// ρ = λ / (cμ): the long-run fraction of time a server is busy.
    public var utilisation: Double { offeredLoad / Double(servers) }
    public var isStable: Bool { utilisation < 1 }

    /// Erlang B: the blocking probability of an M/M/c/c loss system with offered load a.
    public var erlangB: Double {
        let a = offeredLoad
        var b = 1.0
        for k in 1...servers { b = a * b / (Double(k) + a * b) }
        return b
    }

    /// Erlang C: the probability that an arrival has to wait.
    public var waitProbability: Double {
        precondition(isStable, "Erlang C needs utilisation < 1")
        let b = erlangB
        let c = Double(servers)
        return c * b / (c - offeredLoad * (1 - b))
    }

    /// Mean time in queue (same time unit as 1/rate).
    public var meanWait: Double { waitProbability / (Double(servers) * serviceRate - arrivalRate) }
    /// Mean time in system: Wq + 1/μ.
    public var meanSojourn: Double { meanWait + 1 / serviceRate }
    /// Mean number waiting (Little's law on the queue).
    public var meanQueueLength: Double { arrivalRate * meanWait }
    /// The `p`-quantile of the wait in queue (same time unit as 1/rate).
    ///
    /// The wait is 0 with probability 1 − C and otherwise exponential with rate cμ − λ, so
    /// P(Wq > t) = C·exp(−(cμ − λ)t) and the quantile is 0 when p ≤ 1 − C.
    public func waitQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1)
        let c = waitProbability
        guard p > 1 - c else { return 0 }
        return -Foundation.log((1 - p) / c) / (Double(servers) * serviceRate - arrivalRate)
    }

    /// Mean number in system: Lq + a.
    public var meanInSystem: Double { meanQueueLength + offeredLoad }
}
