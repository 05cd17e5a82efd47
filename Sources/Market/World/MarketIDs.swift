import DiscreteEvent
import MarketModel

// Typed indices of the market world's actors and studies: a radiologist, a client and a study are each told
// apart by their position in the world's tables, never by a bare `Int`.

/// A position in one of the market world's tables (radiologists, clients, studies).
protocol LocalID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The position in the table, from 0.
    var index: Int { get }
    init(_ index: Int)
}

extension LocalID {
    static func < (a: Self, b: Self) -> Bool { a.index < b.index }
    var description: String { "\(index)" }
}

/// A radiologist of the world, by its position in cohort order (the `radiologist` column of the records).
struct RadiologistID: LocalID {
    let index: Int
    init(_ index: Int) { self.index = index }
}

/// A client of the world, by its position in the scenario's client groups, each group's clients in order.
struct ClientID: LocalID {
    let index: Int
    init(_ index: Int) { self.index = index }
}

/// A study of the world, by arrival order: its local index (the same for its `StudyRecord`), not the chain's study
/// id (a repost gets a new chain id; the local study stays).
struct StudyID: LocalID {
    let index: Int
    init(_ index: Int) { self.index = index }
}

/// A value kept in a table indexed by a ``LocalID``.
protocol Identified {
    associatedtype ID: LocalID
}

extension Array where Element: Identified {
    /// The element of `id`.
    /// - Complexity: O(1); reads borrow the element (reading one field of a large element, as the radiologists'
    ///   walks over the book do, copies nothing: a `get` here copied and retained every field, issue 16 item 1);
    ///   mutation in place.
    subscript(_ id: Element.ID) -> Element {
        _read { yield self[id.index] }
        _modify { yield &self[id.index] }
    }

    /// Every element's id, in table order.
    var ids: LazyMapSequence<Range<Int>, Element.ID> { indices.lazy.map(Element.ID.init) }
}

extension StudyRecord: Identified {
    typealias ID = StudyID
}
