import HeapModule

/// The handle of a scheduled event, used to cancel it.
///
/// It names a slot in the scheduler's slot table together with the event's sequence number, so a
/// handle kept after its event fired or was cancelled can never cancel a later event that reuses
/// the slot.
public struct EventID: Hashable, Sendable {
    @usableFromInline let slot: UInt32
    @usableFromInline let sequence: UInt64
    @inlinable init(slot: UInt32, sequence: UInt64) {
        self.slot = slot
        self.sequence = sequence
    }
}

/// The discrete-event scheduler: a future-event list with one total order and a clock.
///
/// Events are values of the model's own `Event` type (usually an enum), so scheduling allocates
/// nothing per event and the model's handler is a plain `switch`. Events fire in the total order
/// (time, priority, insertion sequence): earlier time first; at equal times, lower `priority`
/// first; at equal priority, the one scheduled first. The sequence number is what makes runs
/// reproducible: `Heap` itself promises no order among equal elements.
///
/// Cancellation is O(1) and lazy: a generational slot table marks the event dead, and the heap
/// entry is dropped when it surfaces. The kernel reads no wall clock and draws no randomness;
/// models draw from streams handed to them.
///
/// Modelled on SimPy's environment (`core.py`): one heap of `(time, priority, id, event)`.
public struct Scheduler<Event> {
    /// A heap entry: the order key and the slot whose payload holds the event. The events themselves live in
    /// `events[slot]`, so sifting the heap moves 24-byte keys, never the (possibly large) events.
    @usableFromInline
    struct Entry: Comparable {
        @usableFromInline var time: Int64
        @usableFromInline var sequence: UInt64
        @usableFromInline var priority: Int32
        @usableFromInline var slot: UInt32

        @inlinable init(time: Int64, sequence: UInt64, priority: Int32, slot: UInt32) {
            self.time = time
            self.sequence = sequence
            self.priority = priority
            self.slot = slot
        }

        @inlinable static func < (a: Entry, b: Entry) -> Bool {
            if a.time != b.time { return a.time < b.time }
            if a.priority != b.priority { return a.priority < b.priority }
            return a.sequence < b.sequence
        }

        @inlinable static func == (a: Entry, b: Entry) -> Bool {
            a.time == b.time && a.priority == b.priority && a.sequence == b.sequence
        }
    }

    @usableFromInline var heap: Heap<Entry> = []
    /// `slots[i]` holds the sequence number of the live event occupying slot `i`, or `freeSlot`.
    @usableFromInline var slots: [UInt64] = []
    @usableFromInline var freeSlots: [UInt32] = []
    /// `events[i]`: the payload of the live event in slot `i` (nil when the slot is free or its event was
    /// cancelled; a cancelled entry still in the heap is recognised by its sequence number in `slots`).
    @usableFromInline var events: [Event?] = []
    @usableFromInline var nextSequence: UInt64 = 0
    @usableFromInline static var freeSlot: UInt64 { .max }

    /// The current simulated time: the time of the event being handled, or where the last run stopped.
    public var now: SimTime { _now }
    @usableFromInline var _now: SimTime

    /// The number of events handled so far (cancelled events are not counted).
    public var eventsHandled: UInt64 { _eventsHandled }
    @usableFromInline var _eventsHandled: UInt64 = 0

    /// The number of live (scheduled, not yet fired, not cancelled) events.
    public var pendingCount: Int { _pendingCount }
    @usableFromInline var _pendingCount: Int = 0

    /// Creates an empty scheduler whose clock reads `start`.
    public init(start: SimTime = .zero) {
        self._now = start
    }

    /// Schedules `event` to fire at absolute time `time`.
    ///
    /// - Parameters:
    ///   - priority: Among events at the same time, lower priorities fire first. Default 0.
    /// - Returns: A handle that can cancel the event.
    /// - Precondition: `time >= now` (no event may be scheduled in the past).
    /// - Complexity: O(log n) in the number of entries in the future-event list.
    @inlinable @discardableResult
    public mutating func schedule(_ event: Event, at time: SimTime, priority: Int32 = 0) -> EventID {
        precondition(time >= now, "cannot schedule an event in the past (\(time) < now \(now))")
        let sequence = nextSequence
        nextSequence &+= 1
        let slot: UInt32
        if let free = freeSlots.popLast() {
            slot = free
            slots[Int(free)] = sequence
            events[Int(free)] = event
        } else {
            slot = UInt32(slots.count)
            slots.append(sequence)
            events.append(event)
        }
        _pendingCount += 1
        heap.insert(Entry(time: time.ticks, sequence: sequence, priority: priority, slot: slot))
        return EventID(slot: slot, sequence: sequence)
    }

    /// Schedules `event` to fire `delay` after `now`.
    /// - Complexity: O(log n).
    @inlinable @discardableResult
    public mutating func schedule(_ event: Event, after delay: SimTime, priority: Int32 = 0) -> EventID {
        precondition(delay.ticks >= 0, "negative delay \(delay)")
        return schedule(event, at: SimTime(ticks: now.ticks &+ delay.ticks), priority: priority)
    }

    /// Cancels a pending event.
    ///
    /// - Returns: `true` if the event was pending and is now cancelled; `false` if it had already
    ///   fired or been cancelled (then nothing changes).
    /// - Complexity: O(1); the dead entry is discarded when it reaches the top of the heap.
    @inlinable @discardableResult
    public mutating func cancel(_ id: EventID) -> Bool {
        let i = Int(id.slot)
        guard i < slots.count, slots[i] == id.sequence else { return false }
        slots[i] = Self.freeSlot
        events[i] = nil
        freeSlots.append(id.slot)
        _pendingCount -= 1
        return true
    }

    /// Whether `id` is still pending.
    @inlinable public func isPending(_ id: EventID) -> Bool {
        let i = Int(id.slot)
        return i < slots.count && slots[i] == id.sequence
    }

    /// The time of the next live event, if any, without removing it.
    /// - Complexity: amortised O(log n) (dead entries on top are discarded).
    @inlinable public mutating func peekTime() -> SimTime? {
        while let top = heap.min {
            if slots[Int(top.slot)] == top.sequence { return SimTime(ticks: top.time) }
            _ = heap.removeMin()
        }
        return nil
    }

    /// Removes the next live event and advances the clock to its time.
    /// - Complexity: O(log n) amortised.
    @inlinable public mutating func next() -> Event? {
        while let entry = heap.popMin() {
            let i = Int(entry.slot)
            guard slots[i] == entry.sequence else { continue }  // cancelled
            slots[i] = Self.freeSlot
            let event = events[i].take()
            freeSlots.append(entry.slot)
            _pendingCount -= 1
            _now = SimTime(ticks: entry.time)
            _eventsHandled &+= 1
            return event
        }
        return nil
    }

    /// Handles events in order until none is left or the next one is after `end`; the clock then
    /// reads `end` (or stays where the last event left it if `end` is ``SimTime/distantFuture``).
    ///
    /// Events exactly at `end` are handled. The handler may schedule and cancel freely.
    @inlinable
    public mutating func run(until end: SimTime, _ handle: (inout Scheduler<Event>, Event) -> Void) {
        while let t = peekTime(), t <= end {
            let event = next()!
            handle(&self, event)
        }
        if end != .distantFuture, end > _now { _now = end }
    }

    /// Handles events in order until `stop` returns true (checked after each event) or none is
    /// left. Returns whether the predicate stopped the run.
    @inlinable @discardableResult
    public mutating func run(
        while handleNext: (inout Scheduler<Event>, Event) -> Void,
        stopWhen stop: (borrowing Scheduler<Event>) -> Bool
    ) -> Bool {
        while let event = next() {
            handleNext(&self, event)
            if stop(self) { return true }
        }
        return false
    }

    /// Handles events with a model conforming to ``EventHandler`` until `end`.
    @inlinable
    public mutating func run<H: EventHandler>(_ handler: inout H, until end: SimTime) where H.Event == Event {
        while let t = peekTime(), t <= end {
            let event = next()!
            handler.handle(event, scheduler: &self)
        }
        if end != .distantFuture, end > _now { _now = end }
    }
}

/// A model driven by a ``Scheduler``: it reacts to each event by updating its state and
/// scheduling or cancelling further events.
public protocol EventHandler {
    associatedtype Event
    mutating func handle(_ event: Event, scheduler: inout Scheduler<Event>)
}
