import Foundation
import VQJSON
import VQModel
import VQStore
import VQSupport

/// A vq store kept in PostgreSQL (SPEC §7), reached through libpq.
///
/// Reads copy a collection's rows out with `COPY … TO STDOUT` inside a
/// read-only snapshot, with the collection's version. A write is one
/// transaction that first takes the store's advisory lock, so vq's writers
/// go one at a time: the change is planned inside it on the data as it is
/// then (the session reads again when another has committed since), each
/// collection it edits is held at the version it was read at (a change
/// outside vq since refuses it), and its audit rows are written in the same
/// transaction. A vq killed mid-way leaves
/// the transaction to be rolled back by the server.
public final class PostgresDatabase: StoreDatabase {
    public let location: String
    private let connection: Connection
    /// Whether a transaction is open on the connection (statements join it rather than begin one).
    private var inTransaction = false
    /// Whether it is a write's (reads then use this one connection: a second would not see the write).
    private var writing = false
    /// Whom the audit trail names: `VQ_USER`, else the database user.
    private let who: String?

    /// Whether a store location names a database rather than a directory.
    public static func names(_ location: String) -> Bool {
        location.hasPrefix("postgresql:") || location.hasPrefix("postgres:")
    }

    /// Connects and checks that the database holds a vq store of this version;
    /// the audit trail names `user`, else `VQ_USER`, else the database user.
    public convenience init(_ location: String, user: String? = nil) throws(StoreError) {
        try self.init(connectingTo: location, user: user)
        // One round trip when the store is there; a second to say why when it is not.
        let meta: Rows
        do { meta = try connection.execute("SELECT schema_version, settings FROM vq.meta") } catch {
            guard try connection.execute("SELECT to_regclass('vq.meta') IS NOT NULL")[0, 0] == "t" else {
                throw StoreError("cannot open store \(self.location): the database holds no vq store (no schema vq); "
                                 + "move a store directory there with: vq copy DIR \(self.location)")
            }
            throw error
        }
        storedSettings = meta.count == 1 ? meta[0, 1] : nil
        let version = meta.count == 1 ? meta[0, 0].flatMap { Int($0) } : nil
        guard let version, version == DatabaseSchema.version else {
            let what = version.map { $0 < DatabaseSchema.version ? "an older vq (schema version \($0))" : "a newer vq (schema version \($0))" }
                ?? "no version"
            throw StoreError("cannot open store \(self.location): its schema is from \(what), and this vq reads version \(DatabaseSchema.version); "
                             + "copy it out with the vq that made it (vq copy URL DIR), then in with this one")
        }
    }

    private init(connectingTo location: String, user: String? = nil) throws(StoreError) {
        self.location = PostgresDatabase.shown(location)
        // `postgresql:` alone: everything from the PG* environment variables.
        conninfo = location == "postgresql:" || location == "postgres:" ? "" : location
        connection = try Connection(conninfo, shownAs: self.location)
        who = user ?? ProcessInfo.processInfo.environment["VQ_USER"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A connection string with its password left out, to show (in a URI the
    /// `:password` before `@`; in key-value form the `password=…` pair).
    public static func shown(_ location: String) -> String {
        if let scheme = location.range(of: "://") {
            var uri = location
            let authority = location[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" }
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                uri = String(location[..<colon] + location[at...])
            }
            // …and a password given as a parameter, `?password=…`.
            guard let question = uri.firstIndex(of: "?") else { return uri }
            let kept = uri[uri.index(after: question)...].split(separator: "&").filter { !$0.hasPrefix("password=") }
            return String(uri[..<question]) + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
        }
        var words: [Substring] = []
        var rest = Substring(location)
        while let start = rest.firstIndex(where: { !$0.isWhitespace }) {
            rest = rest[start...]
            // A value may be quoted, with \' and \\ inside.
            var end = rest.startIndex, quoted = false, escaped = false
            while end < rest.endIndex {
                let c = rest[end]
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "'" { quoted.toggle() } else if c.isWhitespace, !quoted { break }
                end = rest.index(after: end)
            }
            let word = rest[..<end]
            if !word.hasPrefix("password=") { words.append(word) }
            rest = rest[end...]
        }
        return words.joined(separator: " ")
    }

    /// Makes a store in a database that holds none: the schema and what `fill`
    /// writes, in one transaction (a failure leaves the database as it was).
    @discardableResult
    static func create(_ location: String, fill: (PostgresDatabase) throws(StoreError) -> Void) throws(StoreError) -> PostgresDatabase {
        let db = try PostgresDatabase(connectingTo: location)
        let found = try db.connection.execute("SELECT to_regclass('vq.meta') IS NOT NULL")
        if found[0, 0] == "t" {
            throw StoreError("\(db.location) already holds a vq store; copy into a database without one (or DROP SCHEMA vq CASCADE there first)")
        }
        do {
            try db.committed("BEGIN") { () throws in
                try db.connection.execute(DatabaseSchema.creation)
                try fill(db)
                try db.connection.execute(DatabaseSchema.indexes)
            }
        } catch {
            throw Self.storeError(error)
        }
        return db
    }

    func vacuum() throws(StoreError) {
        for c in CollectionName.allCases { try connection.execute("VACUUM (ANALYZE) \(DatabaseSchema.table(c))") }
    }

    func continuePositions(_ c: CollectionName, after last: Int64) throws(StoreError) {
        try connection.execute("UPDATE vq.collections SET next_pos = $2 WHERE name = $1", [c.rawValue, String(last + 1)])
    }

    func setSettings(_ text: String) throws(StoreError) {
        try connection.execute("UPDATE vq.meta SET settings = $1", [text])
    }

    /// Runs `body`'s reads in one snapshot.
    func consistently<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try snapshot { (opening) throws(StoreError) -> T in
            try connection.execute(opening + "SELECT 1")
            inTransaction = true
            defer { inTransaction = false }
            return try body()
        }
    }

    // MARK: reading

    /// settings.json as read when the database was opened (only `vq copy` writes it).
    private var storedSettings: String?

    public func settings() throws(StoreError) -> Data? { storedSettings.map { Data($0.utf8) } }

    public func versions() throws(StoreError) -> [CollectionName: Int64] {
        let rows = try connection.execute("SELECT name, version FROM vq.collections")
        var out: [CollectionName: Int64] = [:]
        for r in 0..<rows.count {
            if let name = rows[r, 0].flatMap(CollectionName.init(rawValue:)), let v = rows[r, 1].flatMap({ Int64($0) }) { out[name] = v }
        }
        return out
    }

    public func read(_ collection: CollectionName) throws(StoreError) -> DatabaseRows {
        let (records, version) = try rows(collection) { RowLoader(collection, expected: $0) }
        return DatabaseRows(records: records, version: version)
    }

    /// A collection's records as its file would hold them.
    func file(_ collection: CollectionName) throws(StoreError) -> (bytes: [UInt8], records: Int) {
        let text = try rows(collection) { _ in RecordText(RowCodec(collection)) }.sink
        return (text.file, text.count)
    }

    public func records(_ collection: CollectionName, field: String, isOneOf values: [String]) throws(StoreError) -> [JSONObject] {
        let codec = RowCodec(collection)
        // COPY takes no parameters: the values are written as literals (standard strings: only ' is doubled).
        let list = values.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }.joined(separator: ", ")
        var part = Part(sink: RecordText(codec))
        try snapshot { (opening) throws(StoreError) in
            if !opening.isEmpty { try connection.execute(opening + "SELECT 1") }
            try part.read(connection, "SELECT \(codec.recordColumns) FROM \(DatabaseSchema.table(collection)) "
                          + "WHERE \(DatabaseSchema.quoted(field)) = ANY(ARRAY[\(list)]::text[]) ORDER BY vq_pos", RowCodec.Decoder(codec, fieldsOnly: false))
        }
        guard case .array(let elements) = try? JSONReader.parse(bytes: part.sink.file) else {
            throw StoreError("the database's records of \(collection.rawValue) could not be read back")
        }
        return elements.compactMap { if case .object(let o) = $0 { o } else { nil } }
    }

    /// Several collections in one snapshot; with a large one among them, at once:
    /// the small ones two at a time (one on each connection), then each large one in halves on both.
    public func read(_ collections: [CollectionName]) -> [Result<DatabaseRows, StoreError>] {
        guard collections.count > 1, !writing else { return collections.map { c in Result { () throws(StoreError) in try read(c) } } }
        do throws(StoreError) {
            return try snapshot { (opening) throws(StoreError) -> [Result<DatabaseRows, StoreError>] in
                let abouts = try about(collections, after: opening)
                // A second connection costs a server process: worth it only for a large table.
                guard abouts.contains(where: \.isLarge), let helper = try? helperInSnapshot() else {
                    return zip(collections, abouts).map { c, a in
                        Result { () throws(StoreError) in DatabaseRows(records: try Self.readWhole(c, a, on: connection), version: a.version) }
                    }
                }
                defer { _ = try? helper.execute("COMMIT") }
                let slots = ResultSlots<Result<DatabaseRows, StoreError>>(count: collections.count)
                let small = collections.indices.filter { !abouts[$0].isLarge }.sorted { abouts[$0].estimate > abouts[$1].estimate }
                let next = Counter()
                let connections = UncheckedConnections(connection, helper)
                Parallel.run(2) { w in
                    while let k = next.take(below: small.count) {
                        let i = small[k]
                        slots.set(i, Result { () throws(StoreError) in
                            DatabaseRows(records: try PostgresDatabase.readWhole(collections[i], abouts[i], on: w == 0 ? connections.first : connections.second),
                                         version: abouts[i].version)
                        })
                    }
                }
                for i in collections.indices where abouts[i].isLarge {
                    slots.set(i, Result { () throws(StoreError) in
                        DatabaseRows(records: try PostgresDatabase.readHalves(collections[i], abouts[i], connections), version: abouts[i].version)
                    })
                }
                return slots.take()
            }
        } catch {
            return collections.map { _ in .failure(error) }
        }
    }

    /// What a read needs to know of a collection first: its version, its size, its positions' range.
    private struct About: Sendable {
        var version: Int64
        var estimate: Int
        var low: Int64?
        var high: Int64?
        /// Whether any row has keys or extra (else the model fields' columns are all there is to read).
        var unusual: Bool
        var isLarge: Bool { estimate >= PostgresDatabase.splitRows && (high ?? 0) > (low ?? 0) }
    }

    /// What to know of each collection, in one round trip (sent after `opening`, the snapshot's BEGIN).
    private func about(_ collections: [CollectionName], after opening: String) throws(StoreError) -> [About] {
        let parts = collections.enumerated().map { i, collection in
            let table = DatabaseSchema.table(collection)
            return """
                SELECT \(i), (SELECT version FROM vq.collections WHERE name = '\(collection.rawValue)'),
                       (SELECT reltuples FROM pg_class WHERE oid = '\(table)'::regclass),
                       (SELECT min(vq_pos) FROM \(table)), (SELECT max(vq_pos) FROM \(table)),
                       EXISTS (SELECT 1 FROM \(table) WHERE \(DatabaseSchema.unusual))
                """
        }
        let rows = try connection.execute(opening + parts.joined(separator: " UNION ALL ") + " ORDER BY 1")
        guard rows.count == collections.count else { throw StoreError("the database did not describe \(collections.map(\.rawValue).joined(separator: ", "))") }
        return (0..<rows.count).map { r in
            About(version: rows[r, 1].flatMap { Int64($0) } ?? 0, estimate: Int(max(0, rows[r, 2].flatMap { Double($0) } ?? 0)),
                  low: rows[r, 3].flatMap { Int64($0) }, high: rows[r, 4].flatMap { Int64($0) }, unusual: rows[r, 5] != "f")
        }
    }

    /// Copies a collection's rows out into a sink `make` gives (told how many rows to expect):
    /// a large one in halves on two connections at once, unless a write is under way.
    private func rows<S: RecordSink>(_ collection: CollectionName, _ make: @escaping @Sendable (Int) -> S) throws(StoreError) -> (sink: S, version: Int64) {
        try snapshot { (opening) throws(StoreError) -> (sink: S, version: Int64) in
            let a = try about([collection], after: opening)[0]
            if !writing, a.isLarge, let helper = try? helperInSnapshot() {
                defer { _ = try? helper.execute("COMMIT") }
                return (try Self.readHalves(collection, a, UncheckedConnections(connection, helper), make), a.version)
            }
            return (try Self.readWhole(collection, a, on: connection, make), a.version)
        }
    }

    private static func select(_ collection: CollectionName, _ about: About, _ condition: String = "") -> String {
        let codec = RowCodec(collection)
        return "SELECT \(about.unusual ? codec.recordColumns : codec.fieldColumns) FROM \(DatabaseSchema.table(collection))\(condition) ORDER BY vq_pos"
    }

    private static func readWhole<S: RecordSink>(_ collection: CollectionName, _ about: About, on connection: Connection,
                                                 _ make: (Int) -> S) throws(StoreError) -> S {
        var part = Part(sink: make(about.estimate))
        try part.read(connection, select(collection, about), RowCodec.Decoder(RowCodec(collection), fieldsOnly: !about.unusual))
        return part.sink
    }

    private static func readWhole(_ collection: CollectionName, _ about: About, on connection: Connection) throws(StoreError) -> RowLoader {
        try readWhole(collection, about, on: connection) { RowLoader(collection, expected: $0) }
    }

    /// The two halves of the positions at once, each by its own server process and thread, in the same snapshot.
    private static func readHalves<S: RecordSink>(_ collection: CollectionName, _ about: About, _ connections: UncheckedConnections,
                                                  _ make: @escaping @Sendable (Int) -> S) throws(StoreError) -> S {
        let middle = (about.low ?? 0) + ((about.high ?? 0) - (about.low ?? 0)) / 2
        let halves = ResultSlots<Result<Part<S>, StoreError>>(count: 2)
        Parallel.run(2) { i in
            var part = Part(sink: make(about.estimate / 2))
            halves.set(i, Result { () throws(StoreError) in
                try part.read(i == 0 ? connections.first : connections.second,
                              select(collection, about, i == 0 ? " WHERE vq_pos <= \(middle)" : " WHERE vq_pos > \(middle)"),
                              RowCodec.Decoder(RowCodec(collection), fieldsOnly: !about.unusual))
                return part
            })
        }
        let results = halves.take()
        var first = try results[0].get()
        first.sink.append(try results[1].get().sink)
        return first.sink
    }

    private static func readHalves(_ collection: CollectionName, _ about: About, _ connections: UncheckedConnections) throws(StoreError) -> RowLoader {
        try readHalves(collection, about, connections) { RowLoader(collection, expected: $0) }
    }

    /// Tables of at least this many rows are read in two halves at once.
    static let splitRows = 100_000

    /// A second connection for reading, opened on first need, in the snapshot of the first.
    private var helper: Connection?
    private let conninfo: String

    private func helperInSnapshot() throws(StoreError) -> Connection {
        let snapshot = try connection.execute("SELECT pg_export_snapshot()")[0, 0] ?? ""
        let helper: Connection
        if let open = self.helper { helper = open } else { helper = try Connection(conninfo, shownAs: location) }
        self.helper = helper
        try helper.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '\(snapshot)'")
        return helper
    }

    /// Two connections, each used by one thread only while a table is read in halves.
    private struct UncheckedConnections: @unchecked Sendable {
        let first: Connection, second: Connection
        init(_ first: Connection, _ second: Connection) {
            self.first = first
            self.second = second
        }
    }

    /// The rows of one COPY, their records in a sink.
    private struct Part<S: RecordSink>: @unchecked Sendable {
        var sink: S

        mutating func read(_ connection: Connection, _ select: String, _ decoder: RowCodec.Decoder) throws(StoreError) {
            var decoder = decoder
            var failure: StoreError?
            try connection.copyOut("COPY (\(select)) TO STDOUT") { line in
                guard failure == nil else { return }
                do throws(StoreError) { try decoder.decode(line: line, into: &sink) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }

    /// Runs `body` in one read-only snapshot, or in the write transaction under way.
    /// `body` sends `opening` (the snapshot's BEGIN, or nothing) before its first
    /// statement, in the same round trip.
    private func snapshot<T>(_ body: (_ opening: String) throws(StoreError) -> T) throws(StoreError) -> T {
        if inTransaction { return try body("") }
        do {
            return try committed(nil) { () throws -> T in try body("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ") }
        } catch {
            throw Self.storeError(error)
        }
    }

    /// `body` between `begin` (nil: `body` begins the transaction itself) and COMMIT; rolled back when it throws.
    private func committed<T>(_ begin: String?, _ body: () throws -> T) throws -> T {
        if let begin { try connection.execute(begin) }
        do {
            let value = try body()
            try connection.execute("COMMIT")
            return value
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    // MARK: writing

    /// One transaction holding the store's write lock; rolled back unless `body` finishes.
    private func transaction<T>(_ body: () throws -> T) throws -> T {
        try committed("BEGIN; SELECT pg_advisory_xact_lock(\(PostgresDatabase.lockKey))") {
            inTransaction = true
            writing = true
            defer {
                inTransaction = false
                writing = false
            }
            return try body()
        }
    }

    /// The advisory lock all vq writers of a database take (a fixed number: "vq").
    static let lockKey: Int64 = 0x7671

    public func write(statement: String, _ body: () throws -> (summary: String, edits: [CollectionName: FileEdit], store: Store)?) throws -> DatabaseChange? {
        try transaction { () throws -> DatabaseChange? in
            guard let (summary, edits, store) = try body() else { return nil }
            let changed = edits.filter { $0.value.isChanged }.sorted { $0.key < $1.key }
            guard !changed.isEmpty else { return nil }
            let (change, version) = try begin(statement: statement, summary: summary, undoes: nil)
            var audit: [UInt8] = []
            for (collection, edit) in changed {
                let table = try store.table(collection)
                guard let read = store.databaseRows[collection] else { continue }
                var (positions, next) = try rowPositions(collection, readAt: read.version, count: table.count)
                let gone = edit.removed.union(edit.replaced.keys).sorted()
                try remove(collection, gone.map { positions[$0] })
                var written: [(pos: Int64, before: JSONObject?, after: JSONObject)] = gone.compactMap { i in
                    edit.replaced[i].map { (positions[i], table.record(i), $0) }
                }
                for record in try edit.appendedRecords() {
                    written.append((next, nil, record))
                    next += 1
                }
                try insert(collection, written.map { ($0.pos, $0.after) }, version: version)
                try connection.execute("UPDATE vq.collections SET next_pos = $2 WHERE name = $1", [collection.rawValue, String(next)])
                for i in gone where edit.replaced[i] == nil {
                    appendAudit(change, collection, positions[i], before: table.record(i), after: nil, into: &audit)
                }
                for w in written { appendAudit(change, collection, w.pos, before: w.before, after: w.after, into: &audit) }
            }
            try writeAudit(audit)
            return DatabaseChange(id: change, summary: summary)
        }
    }

    public func undo(_ change: DatabaseChange, statement: String) throws(StoreError) {
        do {
            try transaction { () throws -> Void in
                let found = try connection.execute("SELECT version FROM vq.changes WHERE change = $1", [String(change.id)])
                guard let version = found[0, 0].flatMap({ Int64($0) }) else {
                    throw StoreError("cannot undo '\(change.summary)': change \(change.id) is not in the audit trail")
                }
                let entries = try connection.execute(
                    "SELECT collection, pos, record, before::text, after::text FROM vq.audit WHERE change = $1 ORDER BY collection, pos",
                    [String(change.id)])
                var byCollection: [CollectionName: [(pos: Int64, record: String, before: JSONObject?, after: JSONObject?)]] = [:]
                for r in 0..<entries.count {
                    guard let c = entries[r, 0].flatMap(CollectionName.init(rawValue:)), let pos = entries[r, 1].flatMap({ Int64($0) }) else { continue }
                    byCollection[c, default: []].append((pos, entries[r, 2] ?? "", try Self.object(entries[r, 3]), try Self.object(entries[r, 4])))
                }
                // Every record must still be as the change left it.
                for (c, items) in byCollection {
                    let now = try currentVersions(c, items.map(\.pos))
                    for item in items where (item.after == nil) != (now[item.pos] == nil) || (item.after != nil && now[item.pos] != version) {
                        throw StoreError("cannot undo '\(change.summary)': \(c.rawValue) \(item.record) has been changed since"
                                         + (try changedBy(c, item.pos, after: change.id)) + "; nothing was changed")
                    }
                }
                let (undo, newVersion) = try begin(statement: statement, summary: "undo: " + change.summary, undoes: change.id)
                var audit: [UInt8] = []
                for (c, items) in byCollection.sorted(by: { $0.key < $1.key }) {
                    try remove(c, items.filter { $0.after != nil }.map(\.pos))
                    try insert(c, items.compactMap { item in item.before.map { (item.pos, $0) } }, version: newVersion)
                    for item in items { appendAudit(undo, c, item.pos, before: item.after, after: item.before, into: &audit) }
                }
                try writeAudit(audit)
            }
        } catch {
            throw Self.storeError(error)
        }
    }

    /// Who changed a record after change `after`, for a refusal.
    private func changedBy(_ c: CollectionName, _ pos: Int64, after: Int64) throws(StoreError) -> String {
        let rows = try connection.execute("""
            SELECT c.who, to_char(c.at, 'YYYY-MM-DD HH24:MI:SS'), c.change FROM vq.audit a JOIN vq.changes c USING (change)
            WHERE a.collection = $1 AND a.pos = $2 AND a.change > $3 ORDER BY a.change DESC LIMIT 1
            """, [c.rawValue, String(pos), String(after)])
        guard rows.count == 1, let who = rows[0, 0], let at = rows[0, 1], let n = rows[0, 2] else { return " (outside vq)" }
        return " by \(who) at \(at) (change \(n))"
    }

    private static func object(_ text: String?) throws(StoreError) -> JSONObject? {
        guard let text else { return nil }
        guard case .object(let o)? = try? JSONReader.parse(text) else { throw StoreError("the audit trail holds a record that is not a JSON object") }
        return o
    }

    /// A new entry in `vq.changes`, and the version the rows it writes get.
    private func begin(statement: String, summary: String, undoes: Int64?) throws(StoreError) -> (change: Int64, version: Int64) {
        let rows = try connection.execute("""
            INSERT INTO vq.changes (who, statement, summary, version, undoes)
            VALUES (coalesce($1, current_user), $2, $3, nextval('vq.versions'), $4) RETURNING change, version
            """, [who, statement, summary, undoes.map(String.init)])
        guard let change = rows[0, 0].flatMap({ Int64($0) }), let version = rows[0, 1].flatMap({ Int64($0) }) else {
            throw StoreError("the database did not number the change")
        }
        return (change, version)
    }

    /// Each row's position, in order, once the collection is held at the version it was read at:
    /// its row lock makes any other writer of the collection (vq or not) wait until this change commits.
    private func rowPositions(_ c: CollectionName, readAt version: Int64, count: Int) throws(StoreError) -> (positions: [Int64], next: Int64) {
        let held = try connection.execute("SELECT version, next_pos FROM vq.collections WHERE name = $1 FOR UPDATE", [c.rawValue])
        guard held[0, 0] == String(version), let next = held[0, 1].flatMap({ Int64($0) }) else { throw Self.changedOutside(c) }
        var positions: [Int64] = []
        positions.reserveCapacity(count)
        try connection.copyOut("COPY (SELECT vq_pos FROM \(DatabaseSchema.table(c)) ORDER BY vq_pos) TO STDOUT") { line in
            if let p = Copy.integer(UnsafeBufferPointer(rebasing: line.prefix { $0 != 0x0A })) { positions.append(p) }
        }
        guard positions.count == count else { throw Self.changedOutside(c) }
        return (positions, max(next, (positions.last ?? 0) + 1))
    }

    static func changedOutside(_ c: CollectionName) -> StoreError {
        StoreError("\(c.rawValue) was changed outside vq while this change was made; nothing was changed, try again")
    }

    /// Deletes rows by position; a row another has removed meanwhile refuses the whole change.
    private func remove(_ c: CollectionName, _ positions: [Int64]) throws(StoreError) {
        guard !positions.isEmpty else { return }
        let deleted = try connection.execute("DELETE FROM \(DatabaseSchema.table(c)) WHERE vq_pos = ANY($1::bigint[])", [Self.array(positions)])
        if deleted.changed != positions.count { throw Self.changedOutside(c) }
    }

    private func currentVersions(_ c: CollectionName, _ positions: [Int64]) throws(StoreError) -> [Int64: Int64] {
        let rows = try connection.execute("SELECT vq_pos, vq_version FROM \(DatabaseSchema.table(c)) WHERE vq_pos = ANY($1::bigint[])",
                                          [Self.array(positions)])
        var out: [Int64: Int64] = [:]
        for r in 0..<rows.count { if let p = rows[r, 0].flatMap({ Int64($0) }), let v = rows[r, 1].flatMap({ Int64($0) }) { out[p] = v } }
        return out
    }

    /// Writes records as rows through COPY, in pieces of about a megabyte.
    func insert(_ c: CollectionName, _ records: [(pos: Int64, record: JSONObject)], version: Int64) throws(StoreError) {
        guard !records.isEmpty else { return }
        let codec = RowCodec(c)
        try connection.copyIn("COPY \(DatabaseSchema.table(c)) (\(codec.rowColumns)) FROM STDIN") { send throws(StoreError) in
            var buffer: [UInt8] = []
            for (pos, record) in records {
                codec.appendCopyLine(codec.encode(record), position: pos, version: version, into: &buffer)
                if buffer.count > 1 << 20 {
                    try send(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            if !buffer.isEmpty { try send(buffer) }
        }
    }

    private func appendAudit(_ change: Int64, _ c: CollectionName, _ pos: Int64, before: JSONObject?, after: JSONObject?, into out: inout [UInt8]) {
        let shown = after ?? before ?? JSONObject()
        let identity = c.spec.identity.compactMap { key -> String? in
            switch shown[key] {
            case .string(let s)?: s
            case .number(let n)?: n.text
            default: nil
            }
        }
        let fields: [String?] = [String(change), c.rawValue, String(pos), identity.isEmpty ? "row \(pos)" : identity.joined(separator: " "),
                                 before.map { JSONWriter.string(.object($0)) }, after.map { JSONWriter.string(.object($0)) }]
        for (i, f) in fields.enumerated() {
            if i > 0 { out.append(0x09) }
            Copy.appendField(f, into: &out)
        }
        out.append(0x0A)
    }

    private func writeAudit(_ lines: [UInt8]) throws(StoreError) {
        guard !lines.isEmpty else { return }
        try connection.copyIn("COPY vq.audit (change, collection, pos, record, before, after) FROM STDIN") { send throws(StoreError) in try send(lines) }
    }

    /// Everything vq's own code throws in a transaction is a StoreError; a body may throw another.
    static func storeError(_ error: any Error) -> StoreError { error as? StoreError ?? StoreError("\(error)") }

    static func array(_ values: [Int64]) -> String { "{" + values.map(String.init).joined(separator: ",") + "}" }

    // MARK: the audit trail

    public func audit(limit: Int) throws(StoreError) -> [AuditRow] {
        let rows = try connection.execute("""
            SELECT a.change, to_char(c.at, 'YYYY-MM-DD HH24:MI:SS'), c.who, c.statement, a.collection, a.record, a.before::text, a.after::text
            FROM vq.audit a JOIN vq.changes c USING (change) ORDER BY a.change DESC, a.pos DESC LIMIT $1
            """, [String(limit)])
        var out: [AuditRow] = []
        for r in 0..<rows.count {
            let before = try Self.object(rows[r, 6]), after = try Self.object(rows[r, 7])
            out.append(AuditRow(change: rows[r, 0].flatMap { Int64($0) } ?? 0, at: rows[r, 1] ?? "", who: rows[r, 2] ?? "",
                                statement: rows[r, 3] ?? "", collection: rows[r, 4] ?? "", record: rows[r, 5] ?? "",
                                action: before == nil ? "insert" : after == nil ? "delete" : "update",
                                fields: Self.difference(before, after)))
        }
        return out
    }

    /// `field: before → after` for each field a change gave another value (or added or removed).
    static func difference(_ before: JSONObject?, _ after: JSONObject?) -> String {
        guard let before, let after else { return "" }
        var keys = before.keys
        for k in after.keys where !keys.contains(where: { $0.utf8.elementsEqual(k.utf8) }) { keys.append(k) }
        return keys.compactMap { k -> String? in
            let b = before[k], a = after[k]
            guard b != a else { return nil }
            func text(_ v: JSONValue?) -> String { v.map { JSONWriter.string($0) } ?? "(none)" }
            return "\(k): \(text(b)) → \(text(a))"
        }.joined(separator: ", ")
    }
}
