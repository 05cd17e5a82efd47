import Testing
@Test func ledgerPending() {}
