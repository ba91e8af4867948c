import Foundation
import VQJSON
import VQModel
import VQSupport

/// A store: a directory of `<collection>.json` files, or a database that holds
/// the same collections (`database`). Collections are read on first use, so a
/// statement reads only the files it needs; each is validated as it is read,
/// and its problems are kept for the caller to report.
public final class Store {
    /// The directory, or the database's location.
    public let path: String
    /// The database the collections are kept in; nil for a directory.
    public let database: (any StoreDatabase)?
    /// For each collection read from the database, the version it was read at.
    public private(set) var databaseRows: [CollectionName: DatabaseRows] = [:]
    private var tables: [CollectionName: Table] = [:]
    private var unreadable: [CollectionName: StoreError] = [:]
    /// Each read file's identity when read, to notice when another process has changed it.
    private var identities: [CollectionName: FileIdentity?] = [:]
    /// Problems found so far, in the order found.
    public private(set) var problems: [StoreProblem] = []
    private var adjacency: [String: Adjacency] = [:]
    public var derivedCache: [String: [Value]] = [:]
    var moneyCache: [String: MoneyColumn] = [:]
    var ratesCache: Rates?
    public let today: Int
    /// Where parsed files are kept for the next process (nil: `--no-cache`).
    public let cache: ColumnCache?
    /// What settings.json says (SPEC §2).
    public let settings: StoreSettings
    /// The currency mixed amounts are converted to (SPEC §5): settings.json's, unless
    /// the session names another. Figures computed in the old one are dropped.
    public var reportingCurrency: Currency? {
        didSet {
            guard reportingCurrency != oldValue else { return }
            derivedCache = [:]
            moneyCache = [:]
        }
    }

    /// Opens a store directory; fails when it is not a readable directory.
    public init(path: String, today: Int = Dates.today(), cache: ColumnCache? = nil) throws(StoreError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw StoreError("cannot open store '\(path)': no such directory")
        }
        guard isDirectory.boolValue else { throw StoreError("cannot open store '\(path)': not a directory") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw StoreError("cannot open store '\(path)': permission denied")
        }
        self.path = path
        database = nil
        self.today = today
        self.cache = cache
        let (settings, problems) = StoreSettings.read((path as NSString).appendingPathComponent(StoreSettings.fileName))
        self.settings = settings
        self.problems = problems
        reportingCurrency = settings.currency
        // A change that a crash interrupted is finished or undone before anything is read.
        if Commit.needsRecovery(path), access(path, W_OK) == 0 {
            let lock = try StoreLock(path)
            try withExtendedLifetime(lock) { () throws(StoreError) in try Commit.recover(path) }
        }
    }

    /// Opens a store kept in a database (without the column cache: the database is the one copy).
    public init(database: any StoreDatabase, today: Int = Dates.today()) throws(StoreError) {
        path = database.location
        self.database = database
        self.today = today
        cache = nil
        let (settings, problems) = StoreSettings.read(try database.settings())
        self.settings = settings
        self.problems = problems
        reportingCurrency = settings.currency
    }

    /// The same store opened again, to read what is there now.
    public func reopened() throws(StoreError) -> Store {
        if let database { return try Store(database: database, today: today) }
        return try Store(path: path, today: today, cache: cache)
    }

    /// Whether a collection read so far has changed since (another shell wrote it).
    public var isStale: Bool {
        if let database {
            guard !databaseRows.isEmpty else { return false }
            // A database that cannot be asked is taken as changed: reading again reports why.
            guard let now = try? database.versions() else { return true }
            return databaseRows.contains { now[$0.key] != $0.value.version }
        }
        return identities.contains { FileIdentity.of(fileURL($0.key)) != $0.value }
    }

    public func fileURL(_ collection: CollectionName) -> String {
        (path as NSString).appendingPathComponent(collection.fileName)
    }

    /// Tables served from the column cache so far.
    public private(set) var cached: Set<CollectionName> = []

    /// Tables read so far.
    public var loaded: [CollectionName] { tables.keys.sorted() }

    /// The table of `collection` if it has been read.
    func loadedTable(_ collection: CollectionName) -> Table? { tables[collection] }

    /// The table when it has been read, or is to be read whole anyway (a database's).
    func readWhole(_ collection: CollectionName) throws(StoreError) -> Table? {
        if let t = tables[collection] { return t }
        return database != nil ? try table(collection) : nil
    }

    /// Reads several collections at once, on both cores, before a statement needs them.
    public func prefetch(_ collections: Set<CollectionName>) {
        var wanted = Set<CollectionName>()
        func add(_ c: CollectionName) {
            guard wanted.insert(c).inserted else { return }
            Schema.dependencies(of: c).forEach(add)
        }
        collections.forEach(add)
        let missing = wanted.filter { tables[$0] == nil && unreadable[$0] == nil }.sorted()
        guard missing.count > 1 else { return }
        if let database {
            for (c, result) in zip(missing, database.read(missing)) {
                switch result {
                case .success(let rows): finish(c, rows)
                case .failure(let e): unreadable[c] = e
                }
            }
            return
        }
        let parsed = TableLoader.readConcurrently(missing.map { ($0, fileURL($0)) }, cache: cache)
        for (c, result) in zip(missing, parsed) {
            switch result {
            case .success(let loaded): finish(c, loaded)
            case .failure(let e): unreadable[c] = e
            }
        }
    }

    /// The collection's table, read and validated on first use.
    public func table(_ collection: CollectionName) throws(StoreError) -> Table {
        if let t = tables[collection] { return t }
        if let e = unreadable[collection] { throw e }
        if let database {
            do throws(StoreError) {
                finish(collection, try database.read(collection))
                return tables[collection]!
            } catch {
                unreadable[collection] = error
                throw error
            }
        }
        switch TableLoader.read(collection, file: fileURL(collection), cache: cache) {
        case .success(let read):
            finish(collection, read)
            return tables[collection]!
        case .failure(let e):
            unreadable[collection] = e
            throw e
        }
    }

    /// Completes a table read from the database, as one read from a file.
    private func finish(_ collection: CollectionName, _ rows: DatabaseRows) {
        var rows = rows
        let loaded = rows.records.finish()
        // The records now live in the table; the version stays, for writes to check.
        rows.records = RowLoader(collection, expected: 0)
        databaseRows[collection] = rows
        finish(collection, .parsed(loaded))
    }

    /// Completes a table just read, in this one place: checked (or its checks
    /// taken from its cache entry), its references resolved to rows, its
    /// problems listed, and its cache entry written when it was parsed.
    private func finish(_ collection: CollectionName, _ read: TableLoader.Read) {
        let table: Table
        var found: [Validator.Finding]
        var cachedReferences: [String: (targetHash: UInt64, found: [Validator.Finding])] = [:]
        let checks: CachedChecks
        let stamp: SourceStamp?
        var entry: CacheEntry?
        switch read {
        case .parsed(let loaded):
            table = loaded.table
            identities[collection] = loaded.identity
            stamp = loaded.stamp
            table.contentHash = loaded.contentHash ?? (cache != nil ? Store.missingFileHash : nil)
            var validator = Validator(table: table)
            table.idIndex = validator.checkFields()
            found = validator.found
            checks = CachedChecks(loadProblems: loaded.problems, found: found, idsAscend: table.idIndex.isAscending)
        case .cached(let cached):
            self.cached.insert(collection)
            entry = cached
            let meta = cached.meta
            table = Table(name: collection, columnNames: meta.columnNames, shapes: meta.shapes, count: meta.count,
                          skipped: meta.skipped, source: cached)
            table.idsAscend = meta.checks.idsAscend
            table.contentHash = meta.stamp.contentHash
            identities[collection] = meta.stamp.identity
            stamp = meta.stamp
            checks = meta.checks
            found = checks.found
            cachedReferences = meta.references.mapValues { ($0.targetHash, $0.found) }
        }
        problems += checks.loadProblems
        // Listed before its references are resolved, which may read the tables it names.
        tables[collection] = table
        var references: [String: [Int32]] = [:]
        var resolved: [CachedReference] = []
        var outdated = entry == nil
        for (field, target) in collection.spec.references {
            var validator = Validator(table: table)
            let targetTable: Table?
            if target == collection {
                targetTable = table
            } else {
                do { targetTable = try self.table(target) } catch {
                    validator.report(field: field, "references cannot be checked: \(error.message)")
                    targetTable = nil
                }
            }
            // Links resolved against the same content of the target are taken as they were.
            let hash = targetTable?.contentHash
            let links: [Int32], findings: [Validator.Finding]
            if let hash, let known = cachedReferences[field], known.targetHash == hash, let cached = entry?.links(field) {
                (links, findings) = (cached, known.found)
            } else {
                links = validator.resolve(field: field, in: targetTable)
                findings = validator.found
                outdated = true
            }
            references[field] = links
            found += findings
            resolved.append(CachedReference(field: field, targetHash: hash ?? 0, links: links, found: findings))
        }
        table.references = references
        problems += Validator.ordered(found)
        // An entry is written for a file just parsed, and again when a table it refers to has changed.
        if let cache, let stamp, outdated {
            cache.save(table, file: fileURL(collection), stamp: stamp, checks: checks, references: resolved)
        }
    }

    /// The content hash of a missing file: that of an empty one.
    static let missingFileHash = ContentHash.of([UInt8]())

    /// The records of a collection not read yet whose string `field` is one of
    /// `values`, found in its file without reading the rest (one contract's
    /// measurements out of a million), or asked of the database. Nil when the
    /// table has been read (use it) or the file must be read whole.
    public func records<F: StoredField>(where field: F, isOneOf values: Set<ExactString>) -> [JSONObject]? {
        guard tables[F.collection] == nil else { return nil }
        // A database that cannot answer leaves it to the table, whose reading reports why.
        if let database { return try? database.records(F.collection, field: field.rawValue, isOneOf: values.map(\.string).sorted()) }
        guard !servedFromCache(F.collection) else { return nil }
        return TableLoader.records(in: fileURL(F.collection), field: field.rawValue, values: values)
    }

    /// The table when it has been read or the column cache is on (which reads it
    /// once and serves it after); nil when one pass over its file costs less.
    public func tableIfCached(_ collection: CollectionName) throws(StoreError) -> Table? {
        guard tables[collection] != nil || cache != nil || database != nil else { return nil }
        return try table(collection)
    }

    /// Whether the collection's table can be had from its cache entry (it is then
    /// read so): faster than searching or scanning its file.
    func servedFromCache(_ collection: CollectionName) -> Bool {
        guard let cache, tables[collection] == nil, unreadable[collection] == nil,
              let entry = TableLoader.cached(collection, file: fileURL(collection), cache: cache) else { return false }
        finish(collection, .cached(entry))
        return true
    }

    /// Rows of `child` whose `field` names each row of `parent` (`vendor.contracts`).
    public func children(_ child: CollectionName, via field: String) throws(StoreError) -> Adjacency {
        let key = child.rawValue + "." + field
        if let a = adjacency[key] { return a }
        let childTable = try table(child)
        guard case .ref(let parent) = childTable.name.spec.field(field)?.type else {
            preconditionFailure("\(key) is not a reference")
        }
        let parentCount = try table(parent).count
        let a = Adjacency(parents: parentCount, links: childTable.references[field] ?? [])
        adjacency[key] = a
        return a
    }
}

/// For each parent row, the child rows that refer to it, in one flat array.
public struct Adjacency {
    private var offsets: [Int32]
    private var items: [Int32]

    init(parents: Int, links: [Int32]) {
        var counts = [Int32](repeating: 0, count: parents + 1)
        for p in links where p >= 0 { counts[Int(p) + 1] += 1 }
        for i in 0..<parents { counts[i + 1] += counts[i] }
        var fill = counts
        var items = [Int32](repeating: 0, count: Int(counts[parents]))
        for (child, p) in links.enumerated() where p >= 0 {
            items[Int(fill[Int(p)])] = Int32(child)
            fill[Int(p)] += 1
        }
        offsets = counts
        self.items = items
    }

    public subscript(parent: Int) -> ArraySlice<Int32> {
        items[Int(offsets[parent])..<Int(offsets[parent + 1])]
    }
}
