import VQJSON
import VQLanguage
import VQModel
import VQStore
import VQSupport

/// What each row of a pipeline is at some stage: a record of a collection, a
/// row of computed columns, or a group of rows with its keys.
public indirect enum Scope: Sendable {
    case records(CollectionName)
    case columns([String])
    /// Groups with their key columns; `count` and aggregates read the members.
    case groups(keys: [String], member: Scope)
    /// No rows: a constant expression (`let x = 0.9`).
    case constant

    /// Column names of this scope's rows when shown as a table.
    public var columnNames: [String]? {
        switch self {
        case .columns(let names): names
        case .groups(let keys, _): keys + ["count"]
        default: nil
        }
    }
}

public enum Row: Sendable {
    case record(Int)
    case values([Value])
    case group(Group)
    case none
}

public struct Group: Sendable {
    public var keys: [Value]
    public var members: [Row]
}

/// The rows a query produced, with what they are.
public struct Relation: Sendable {
    public init(scope: Scope, rows: [Row]) {
        self.scope = scope
        self.rows = rows
    }

    public var scope: Scope
    public var rows: [Row]
    /// Derived fields the query used, shown after the stored fields of records.
    public var derivedShown: [DerivedField] = []
}

/// A statement's result.
public enum QueryResult: Sendable {
    case relation(Relation)
    case scalar(Value)
}

/// A result as columns and rows of plain values, ready to render.
public struct ResultTable: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[Value]]
    public init(columns: [String], rows: [[Value]]) {
        self.columns = columns
        self.rows = rows
    }
}
