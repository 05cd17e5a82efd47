import Testing
@Test func contractsPending() {}
