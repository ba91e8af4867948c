import Foundation
import VQJSON
import VQModel

/// A database that holds a store's collections (vq's PostgreSQL store). A
/// `Store` opened on one reads each collection through it as it would read the
/// collection's file, and the session writes through it, so the engine,
/// simulator and renderers never know which kind of store is underneath.
public protocol StoreDatabase: AnyObject {
    /// How the store is named to the user (a connection string without its password).
    var location: String { get }
    /// The store's settings.json, as it was copied in (nil: none).
    func settings() throws(StoreError) -> Data?
    /// A collection's records, built into its table as its file's would be, with the collection's version.
    func read(_ collection: CollectionName) throws(StoreError) -> DatabaseRows
    /// Several collections, as `read` gives each (a database may read them at once).
    func read(_ collections: [CollectionName]) -> [Result<DatabaseRows, StoreError>]
    /// The records of a collection whose string `field` is one of `values`, in order, found by the database.
    func records(_ collection: CollectionName, field: String, isOneOf values: [String]) throws(StoreError) -> [JSONObject]
    /// The version of each collection now: a collection read at another version has been changed since.
    func versions() throws(StoreError) -> [CollectionName: Int64]
    /// Runs `body` as the one writer of the store, on its current data, and
    /// writes the edits it returns in one transaction with their audit rows.
    func write(statement: String, _ body: () throws -> (summary: String, edits: [CollectionName: FileEdit], store: Store)?) throws -> DatabaseChange?
    /// Puts back what a change replaced, unless someone has changed those records since.
    func undo(_ change: DatabaseChange, statement: String) throws(StoreError)
    /// The latest `limit` audit rows, newest first.
    func audit(limit: Int) throws(StoreError) -> [AuditRow]
}

extension StoreDatabase {
    public func read(_ collections: [CollectionName]) -> [Result<DatabaseRows, StoreError>] {
        collections.map { c in Result { () throws(StoreError) in try read(c) } }
    }
}

/// One collection as read from a database: its records, in row order, and
/// the collection's version then (a write checks it is still the one read).
public struct DatabaseRows: Sendable {
    public var records: RowLoader
    public var version: Int64

    public init(records: RowLoader, version: Int64) {
        self.records = records
        self.version = version
    }
}

/// A change written to a database: its number in the audit trail.
public struct DatabaseChange: Sendable, Equatable {
    public var id: Int64
    public var summary: String
    public init(id: Int64, summary: String) {
        self.id = id
        self.summary = summary
    }
}

/// One record's entry in the audit trail.
public struct AuditRow: Sendable {
    public var change: Int64
    public var at: String
    public var who: String
    public var statement: String
    public var collection: String
    public var record: String
    /// "insert", "update" or "delete".
    public var action: String
    /// The fields that differ, `field: before → after`.
    public var fields: String

    public init(change: Int64, at: String, who: String, statement: String, collection: String, record: String, action: String, fields: String) {
        self.change = change
        self.at = at
        self.who = who
        self.statement = statement
        self.collection = collection
        self.record = record
        self.action = action
        self.fields = fields
    }
}
