import Foundation
import VQJSON
import VQModel
import VQStore
import VQSupport

/// Opens a store by what the user named: a PostgreSQL connection string or URI, else a directory.
public enum StoreLocation {
    public static func open(_ location: String, today: Int = Dates.today(), cache: ColumnCache? = nil) throws(StoreError) -> Store {
        if PostgresDatabase.names(location) { return try Store(database: PostgresDatabase(location), today: today) }
        return try Store(path: location, today: today, cache: cache)
    }
}

/// `vq copy SRC DST`: a store from a directory into an empty database, or out
/// of a database into a new directory, every record, field and value kept.
public enum StoreCopy {
    public struct Copied: Sendable {
        public var collections: Int
        public var records: Int
    }

    public static func copy(from source: String, to destination: String) throws(StoreError) -> Copied {
        if let problem = unsupported(from: source, to: destination) { throw StoreError(problem) }
        return PostgresDatabase.names(source) ? try outOfDatabase(source, destination) : try intoDatabase(source, destination)
    }

    /// Why a copy between these two cannot be made (both directories, or both databases); nil when it can.
    public static func unsupported(from source: String, to destination: String) -> String? {
        switch (PostgresDatabase.names(source), PostgresDatabase.names(destination)) {
        case (true, true): "vq copy goes between a directory and a database; to copy one database to another, copy it out to a directory and in again"
        case (false, false): "vq copy goes between a directory and a database (postgresql://…); to copy a directory, use cp -r"
        default: nil
        }
    }

    private static func intoDatabase(_ directory: String, _ location: String) throws(StoreError) -> Copied {
        // Opened first: a path that is not a store is refused before the database is touched.
        _ = try Store(path: directory)
        let settings = FileManager.default.contents(atPath: Commit.path(directory, StoreSettings.fileName))
        var copied = Copied(collections: 0, records: 0)
        // One transaction: a file that cannot be read stops the copy with nothing made.
        let db = try PostgresDatabase.create(location) { db throws(StoreError) in
            for c in CollectionName.allCases {
                // Each record as its file holds it (a table keeps only the first of a repeated key).
                guard let data = FileManager.default.contents(atPath: Commit.path(directory, c.fileName)) else { continue }
                let value: JSONValue
                do { value = try JSONReader.parse(bytes: Array(data)) } catch { throw StoreError("cannot read \(c.fileName): \(error)") }
                guard case .array(let elements) = value else { throw StoreError("cannot read \(c.fileName): it is not a JSON array") }
                var records: [(Int64, JSONObject)] = []
                for case .object(let record) in elements { records.append((Int64(records.count + 1), record)) }
                guard !records.isEmpty else { continue }
                try db.insert(c, records, version: 1)
                try db.continuePositions(c, after: Int64(records.count))
                copied.collections += 1
                copied.records += records.count
            }
            if let settings {
                guard let text = String(data: settings, encoding: .utf8) else { throw StoreError("\(StoreSettings.fileName) is not UTF-8 text") }
                try db.setSettings(text)
            }
        }
        // Statistics for the planner, and every row marked visible now rather than by the first reads.
        try db.vacuum()
        return copied
    }

    private static func outOfDatabase(_ location: String, _ directory: String) throws(StoreError) -> Copied {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue, (try? FileManager.default.contentsOfDirectory(atPath: directory))?.isEmpty == true else {
                throw StoreError("cannot copy into \(directory): it exists and is not an empty directory; name a new one")
            }
        } else {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw StoreError("cannot make \(directory): \(error.localizedDescription)")
            }
        }
        let db = try PostgresDatabase(location)
        var copied = Copied(collections: 0, records: 0)
        // One snapshot: the files agree with each other as the database did at one moment.
        let files = try db.consistently { () throws(StoreError) -> [(name: String, contents: FileBytes?)] in
            var files: [(name: String, contents: FileBytes?)] = []
            for c in CollectionName.allCases {
                let (bytes, records) = try db.file(c)
                guard records > 0 else { continue }
                files.append((c.fileName, FileBytes(bytes: bytes)))
                copied.collections += 1
                copied.records += records
            }
            if let settings = try db.settings() { files.append((StoreSettings.fileName, FileBytes(settings))) }
            return files
        }
        try Commit.write(files, in: directory)
        return copied
    }
}
