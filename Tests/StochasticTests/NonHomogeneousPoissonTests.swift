import Testing

@testable import Stochastic

@Suite("Non-homogeneous Poisson arrivals")
struct NonHomogeneousPoissonTests {
    /// Weekdays: nothing 00–06, 0.5/h 06–08 and 18–24, 3/h 08–18; weekend: 0.2/h except 0 at 02–05.
    static let rates: [Double] = (0..<168).map { hourOfWeek in
        let (day, hour) = (hourOfWeek / 24, hourOfWeek % 24)
        if day >= 5 { return (2..<5).contains(hour) ? 0 : 0.2 }
        if hour < 6 { return 0 }
        return (8..<18).contains(hour) ? 3 : 0.5
    }

    @Test func expectedCountIntegratesThePiecewiseConstantRate() throws {
        let p = try NonHomogeneousPoissonArrivals(hourOfWeekRates: Self.rates)
        let weekly = Self.rates.reduce(0, +)
        #expect(isClose(p.expectedPerWeek, weekly))
        #expect(isClose(p.expectedCount(from: 0, to: 168), weekly))
        #expect(isClose(p.expectedCount(from: 10.5, to: 11.25), 0.75 * 3))
        #expect(isClose(p.expectedCount(from: 17.5, to: 18.5), 0.5 * 3 + 0.5 * 0.5))
        #expect(isClose(p.expectedCount(from: 167.5, to: 168.5), 0.5 * Self.rates[167] + 0.5 * Self.rates[0]))
        #expect(isClose(p.expectedCount(from: -168, to: 0), weekly))
        #expect(isClose(p.expectedCount(from: 3.2, to: 3.2 + 5 * 168), 5 * weekly))
        #expect(isClose(p.expectedCount(from: 20, to: 10), -p.expectedCount(from: 10, to: 20)))
        #expect(p.expectedCount(from: 1, to: 5.5) == 0)
        #expect(p.rate(at: -1) == Self.rates[167] && p.rate(at: 168 * 3 + 9.5) == 3)
    }

    /// Arrivals over W weeks, binned by hour of the week. Each bin's count is Poisson with mean
    /// W · rate, independently (Poisson process), so Pearson's statistic over the k positive bins is
    /// approximately χ² with k degrees of freedom (nothing is fitted): mean k, sd sqrt(2k).
    /// Allowing 5 sd catches a process shifted by an hour or thinned against the wrong rate.
    @Test func countsPerHourOfWeekMatchTheProfile() throws {
        let p = try NonHomogeneousPoissonArrivals(hourOfWeekRates: Self.rates)
        let weeks = 150
        let end = Double(weeks * 168)
        let stream = RandomStreams(seed: testSeed, replication: 0).stream("nhpp")
        var bins = [Int](repeating: 0, count: 168)
        var time = 0.0
        var total = 0
        while true {
            let next = p.nextArrival(after: time, stream: stream)
            #expect(next > time)
            time = next
            if time >= end { break }
            bins[Int(time) % 168] += 1
            total += 1
        }
        let expectedTotal = p.expectedCount(from: 0, to: end)
        #expect(
            abs(Double(total) - expectedTotal) <= 5 * expectedTotal.squareRoot(), "total \(total) vs \(expectedTotal)")
        for (hour, rate) in Self.rates.enumerated() where rate == 0 {
            #expect(bins[hour] == 0, "arrivals in zero-rate hour \(hour)")
        }
        let positive = Self.rates.indices.filter { Self.rates[$0] > 0 }
        let chiSquare = positive.reduce(0.0) { sum, hour in
            let expected = Double(weeks) * Self.rates[hour]
            return sum + (Double(bins[hour]) - expected) * (Double(bins[hour]) - expected) / expected
        }
        let k = Double(positive.count)
        #expect(chiSquare < k + 5 * (2 * k).squareRoot(), "χ² = \(chiSquare) with \(positive.count) bins")
    }

    /// Starting mid-week and mid-hour: the count in [t0, t0 + span] is Poisson(expectedCount).
    @Test func countsFromAnArbitraryStart() throws {
        let p = try NonHomogeneousPoissonArrivals.sinusoidal(meanPerHour: 2, amplitude: 0.8, peakHour: 14)
        let start = 1000.37
        let end = start + 24 * 7 * 40
        let stream = RandomStreams(seed: testSeed, replication: 1).stream("nhpp.sinusoidal")
        var time = start
        var count = 0
        while true {
            time = p.nextArrival(after: time, stream: stream)
            if time > end { break }
            count += 1
        }
        let expected = p.expectedCount(from: start, to: end)
        #expect(isClose(expected, 2 * (end - start), relative: 1e-3))
        #expect(abs(Double(count) - expected) <= 5 * expected.squareRoot(), "count \(count) vs \(expected)")
    }

    @Test func arrivalFromAZeroRateStretchLandsInAPositiveHour() throws {
        var rates = [Double](repeating: 0, count: 168)
        rates[100] = 5
        let p = try NonHomogeneousPoissonArrivals(hourOfWeekRates: rates)
        let stream = RandomStreams(seed: 2, replication: 0).stream("sparse")
        var time = 0.0
        for _ in 0..<200 {
            time = p.nextArrival(after: time, stream: stream)
            #expect(NonHomogeneousPoissonArrivals.hourOfWeek(time) == 100)
        }
    }

    @Test func sinusoidalProfile() throws {
        let p = try NonHomogeneousPoissonArrivals.sinusoidal(meanPerHour: 3, amplitude: 0.5, peakHour: 14)
        let r = p.hourOfWeekRates
        #expect(r.count == 168)
        #expect(r.allSatisfy { $0 >= 1.5 - 1e-12 && $0 <= 4.5 + 1e-12 })
        #expect(isClose(r[0..<24].reduce(0, +) / 24, 3))
        #expect(r[0..<24].firstIndex(of: r[0..<24].max()!) == 14)
        #expect(isClose(r[14], 4.5) && isClose(r[2], 1.5))
        for day in 1..<7 { #expect(Array(r[(24 * day)..<(24 * day + 24)]) == Array(r[0..<24])) }
        let flat = try NonHomogeneousPoissonArrivals.sinusoidal(meanPerHour: 3, amplitude: 0, peakHour: 0)
        #expect(flat.hourOfWeekRates.allSatisfy { $0 == 3 })
        let full = try NonHomogeneousPoissonArrivals.sinusoidal(meanPerHour: 3, amplitude: 1, peakHour: 6)
        #expect(full.hourOfWeekRates[18] == 0)
    }

    @Test func sameStreamSameArrivals() throws {
        let p = try NonHomogeneousPoissonArrivals(hourOfWeekRates: Self.rates)
        func arrivals() -> [Double] {
            let stream = RandomStreams(seed: 11, replication: 0).stream("arrivals")
            var time = 0.0
            return (0..<100).map { _ in
                time = p.nextArrival(after: time, stream: stream)
                return time
            }
        }
        #expect(arrivals() == arrivals())
    }
}
