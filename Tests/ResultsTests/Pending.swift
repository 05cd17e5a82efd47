import Testing
@Test func resultsPending() {}
