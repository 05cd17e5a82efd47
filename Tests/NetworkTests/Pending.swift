import Testing
@Test func networkPending() {}
