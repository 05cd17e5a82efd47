import Testing
@Test func marketPending() {}
