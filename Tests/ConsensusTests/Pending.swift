import Testing
@Test func consensusPending() {}
