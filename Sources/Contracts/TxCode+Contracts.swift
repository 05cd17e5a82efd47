import Ledger

/// The Contracts' receipt codes, from 100 up (the Ledger's own codes are below 100).
extension TxCode {
    /// The sender does not meet the study's requirements (licence, credential, subspecialty, capacity, profile).
    public static let notEligible = TxCode(rawValue: 100)
    /// The licence for the study's jurisdiction has expired at the block's time.
    public static let licenceExpired = TxCode(rawValue: 101)
    /// Only the study's assignee may do this (or an access grant was not sealed to the assignee's key).
    public static let notAssignee = TxCode(rawValue: 102)
    /// The study is not in a state that allows this message (double assignment, report before assignment, …).
    public static let wrongStudyState = TxCode(rawValue: 103)
    public static let deadlinePassed = TxCode(rawValue: 104)
    /// The sender lacks the role (not an authority, not the operator, not the client).
    public static let unauthorized = TxCode(rawValue: 105)
    public static let notFound = TxCode(rawValue: 106)
    public static let alreadyExists = TxCode(rawValue: 107)
    public static let invalidArgument = TxCode(rawValue: 108)
    /// A revealed bid does not match its commitment.
    public static let bidMismatch = TxCode(rawValue: 109)
    /// Outside the auction's bidding or reveal window.
    public static let windowClosed = TxCode(rawValue: 110)
    /// The listed or offered price is above the client's maximum.
    public static let priceTooHigh = TxCode(rawValue: 111)
    /// The message does not exist under this chain's market design.
    public static let wrongMarketDesign = TxCode(rawValue: 112)
}
