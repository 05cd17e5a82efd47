import GRDB

/// An error from the results store: what went wrong, on which file, and SQLite's own code and message.
///
/// Adapter errors carry context rather than being a closed enum (STYLE.md, habit 9): the CLI prints
/// ``description`` as is.
public struct ResultsError: Error, CustomStringConvertible {
    /// What the store was doing, in words a user can act on.
    public let message: String
    /// The database file concerned, when there is one.
    public let path: String?
    /// The error that caused this one (usually a GRDB `DatabaseError`), if any.
    public let underlying: (any Error)?
    /// SQLite's extended result code, when the cause was an SQLite error.
    public let sqliteCode: Int32?
    /// SQLite's error message, when the cause was an SQLite error.
    public let sqliteMessage: String?

    /// Creates an error; SQLite's code and message are taken from `underlying` when it is a `DatabaseError`.
    public init(_ message: String, path: String? = nil, underlying: (any Error)? = nil) {
        self.message = message
        self.path = path
        self.underlying = underlying
        if let dbError = underlying as? DatabaseError {
            sqliteCode = dbError.extendedResultCode.rawValue
            sqliteMessage = dbError.message
        } else if let resultsError = underlying as? ResultsError {
            sqliteCode = resultsError.sqliteCode
            sqliteMessage = resultsError.sqliteMessage
        } else {
            sqliteCode = nil
            sqliteMessage = nil
        }
    }

    /// Creates an error from a raw SQLite result code (the bulk writer steps statements through the C API).
    init(_ message: String, path: String?, sqliteCode: Int32, sqliteMessage: String?) {
        self.message = message
        self.path = path
        self.underlying = nil
        self.sqliteCode = sqliteCode
        self.sqliteMessage = sqliteMessage
    }

    public var description: String {
        var text = message
        if let path, !message.contains(path) {
            text += " (\(path))"
        }
        if let sqliteCode {
            text += ": SQLite error \(sqliteCode)"
            if let sqliteMessage { text += ": \(sqliteMessage)" }
        } else if let underlying {
            text += ": \(underlying)"
        }
        return text
    }

    /// True when SQLite reported that the file is not a database (`SQLITE_NOTADB`, primary code 26).
    var isNotADatabase: Bool { sqliteCode.map { $0 & 0xFF == 26 } ?? false }
}
