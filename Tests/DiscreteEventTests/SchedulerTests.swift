import DiscreteEvent
import PropertyBased
import Testing

@Suite struct SchedulerTests {
    @Test func firesInTimeThenPriorityThenInsertionOrder() {
        var s = Scheduler<String>()
        s.schedule("t5-p0-a", at: .seconds(5))
        s.schedule("t1-p0", at: .seconds(1))
        s.schedule("t5-p-1", at: .seconds(5), priority: -1)
        s.schedule("t5-p0-b", at: .seconds(5))
        s.schedule("t5-p1", at: .seconds(5), priority: 1)
        s.schedule("t3", at: .seconds(3))
        var fired: [String] = []
        s.run(until: .distantFuture) { _, e in fired.append(e) }
        #expect(fired == ["t1-p0", "t3", "t5-p-1", "t5-p0-a", "t5-p0-b", "t5-p1"])
        #expect(s.now == .seconds(5))
        #expect(s.eventsHandled == 6)
        #expect(s.pendingCount == 0)
    }

    /// Whatever the schedule, events come out sorted by (time, priority, insertion sequence).
    @Test func totalOrderHoldsForRandomSchedules() async {
        let entry = zip(Gen.int(in: 0...50), Gen.int(in: -2...2))
        await propertyCheck(count: 300, input: entry.array(of: 0...200)) { entries in
            var s = Scheduler<Int>()
            for (i, (t, p)) in entries.enumerated() {
                s.schedule(i, at: .microseconds(Int64(t)), priority: Int32(p))
            }
            var fired: [Int] = []
            while let e = s.next() { fired.append(e) }
            let expected = entries.indices.sorted { a, b in
                let (ta, pa) = entries[a]
                let (tb, pb) = entries[b]
                return (ta, pa, a) < (tb, pb, b)
            }
            #expect(fired == expected)
        }
    }

    /// Events scheduled from inside handlers interleave correctly with those already pending.
    @Test func handlersScheduleIntoTheFuture() {
        var s = Scheduler<Int>()
        s.schedule(0, at: .zero)
        var times: [Int64] = []
        s.run(until: .seconds(100)) { s, n in
            times.append(s.now.ticks)
            if n < 5 { s.schedule(n + 1, after: .seconds(10)) }
        }
        #expect(times == [0, 10, 20, 30, 40, 50].map { $0 * SimTime.ticksPerSecond })
        #expect(s.now == .seconds(100), "the clock ends at the run's end time")
    }

    @Test func cancelledEventsNeverFire() {
        var s = Scheduler<String>()
        let a = s.schedule("a", at: .seconds(1))
        let b = s.schedule("b", at: .seconds(2))
        s.schedule("c", at: .seconds(3))
        #expect(s.pendingCount == 3)
        let first = s.cancel(b)
        let second = s.cancel(b)
        #expect(first)
        #expect(!second, "a second cancel is a no-op")
        #expect(!s.isPending(b))
        #expect(s.isPending(a))
        #expect(s.pendingCount == 2)
        var fired: [String] = []
        s.run(until: .distantFuture) { _, e in fired.append(e) }
        #expect(fired == ["a", "c"])
        let late = s.cancel(a)
        #expect(!late, "cancelling a fired event does nothing")
    }

    /// A stale handle must not cancel a later event that reuses the freed slot.
    @Test func staleHandleCannotCancelSlotReuser() {
        var s = Scheduler<String>()
        let old = s.schedule("old", at: .seconds(1))
        let cancelledOld = s.cancel(old)
        #expect(cancelledOld)
        let new = s.schedule("new", at: .seconds(2))  // reuses old's slot
        let again = s.cancel(old)
        #expect(!again)
        #expect(s.isPending(new))
        let fired = s.next()
        #expect(fired == "new")
    }

    @Test func cancellationFromInsideAHandler() {
        var s = Scheduler<String>()
        let timeout = s.schedule("timeout", at: .seconds(10))
        s.schedule("reply", at: .seconds(4))
        var fired: [String] = []
        s.run(until: .distantFuture) { s, e in
            fired.append(e)
            if e == "reply" { s.cancel(timeout) }
        }
        #expect(fired == ["reply"])
    }

    @Test func runUntilIncludesTheEndTimeAndLeavesLaterEvents() {
        var s = Scheduler<Int>()
        for t in 1...10 { s.schedule(t, at: .seconds(Int64(t))) }
        var fired: [Int] = []
        s.run(until: .seconds(5)) { _, e in fired.append(e) }
        #expect(fired == [1, 2, 3, 4, 5])
        #expect(s.pendingCount == 5)
        let nextTime = s.peekTime()
        #expect(nextTime == .seconds(6))
        s.run(until: .distantFuture) { _, e in fired.append(e) }
        #expect(fired == Array(1...10))
    }

    @Test func runStopsOnPredicate() {
        var s = Scheduler<Int>()
        for t in 1...10 { s.schedule(t, at: .seconds(Int64(t))) }
        var sum = 0
        let stopped = s.run(while: { _, e in sum += e }, stopWhen: { _ in sum >= 10 })
        #expect(stopped)
        #expect(sum == 10)  // 1+2+3+4
        #expect(s.now == .seconds(4))
    }

    @Test func randomCancellationsMatchAReferenceModel() async {
        // ops: (time, cancel-an-earlier-one?)
        await propertyCheck(count: 200, input: zip(Gen.int(in: 0...30), Gen.int(in: 0...3)).array(of: 1...150)) { ops in
            var s = Scheduler<Int>()
            var ids: [EventID] = []
            var alive: [Bool] = []
            for (i, (t, c)) in ops.enumerated() {
                ids.append(s.schedule(i, at: .microseconds(Int64(t))))
                alive.append(true)
                if c == 0, i > 0 {
                    let victim = (i * 7) % i
                    let was = alive[victim]
                    let cancelled = s.cancel(ids[victim])
                    #expect(cancelled == was)
                    alive[victim] = false
                }
            }
            #expect(s.pendingCount == alive.filter { $0 }.count)
            var fired: [Int] = []
            while let e = s.next() { fired.append(e) }
            let expected = ops.indices.filter { alive[$0] }.sorted { (ops[$0].0, $0) < (ops[$1].0, $1) }
            #expect(fired == expected)
        }
    }

    @Test func simTimeUnitsAndRange() {
        #expect(SimTime.ticksPerSecond == 1_000_000)
        #expect(SimTime.hours(1).ticks == 3_600_000_000)
        #expect(SimTime(seconds: 1.5e-6).ticks == 2)  // rounds to nearest tick
        #expect(SimTime(seconds: 0.25).ticks == 250_000)
        // Years at sub-millisecond resolution: 100 years of microseconds fit many times over.
        let century = SimTime.days(36_525)
        #expect(century.ticks < Int64.max / 1000)
        #expect((century + .microseconds(1)).ticks - century.ticks == 1)
    }
}
