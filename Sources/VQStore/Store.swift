import Foundation
import VQJSON
import VQModel
import VQSupport

/// A store directory of `<collection>.json` files. Collections are read on
/// first use, so a statement reads only the files it needs; each is validated
/// as it is read, and its problems are kept for the caller to report.
public final class Store {
    public let path: String
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
    public init(path: String, today: Int = Dates.today()) throws(StoreError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw StoreError("cannot open store '\(path)': no such directory")
        }
        guard isDirectory.boolValue else { throw StoreError("cannot open store '\(path)': not a directory") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw StoreError("cannot open store '\(path)': permission denied")
        }
        self.path = path
        self.today = today
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

    /// Whether a file read so far has changed on disk since (another shell wrote it).
    public var isStale: Bool {
        identities.contains { FileIdentity.of(fileURL($0.key)) != $0.value }
    }

    public func fileURL(_ collection: CollectionName) -> String {
        (path as NSString).appendingPathComponent(collection.fileName)
    }

    /// Tables read so far.
    public var loaded: [CollectionName] { tables.keys.sorted() }

    /// The table of `collection` if it has been read.
    func loadedTable(_ collection: CollectionName) -> Table? { tables[collection] }

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
        let parsed = TableLoader.parseConcurrently(missing.map { ($0, fileURL($0)) })
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
        switch TableLoader.parse(collection, file: fileURL(collection)) {
        case .success(let loaded):
            finish(collection, loaded)
            return tables[collection]!
        case .failure(let e):
            unreadable[collection] = e
            throw e
        }
    }

    /// Completes a table just read, in this one place: the validator checks it
    /// and gives its records by id, and its references are resolved to rows.
    private func finish(_ collection: CollectionName, _ loaded: TableLoader.Loaded) {
        let table = loaded.table
        identities[collection] = loaded.identity
        problems += loaded.problems
        var validator = Validator(table: table)
        table.idIndex = validator.checkFields()
        // Listed before its references are resolved, which may read the tables it names.
        tables[collection] = table
        var references: [String: [Int32]] = [:]
        for (field, target) in collection.spec.references {
            let targetTable: Table?
            if target == collection {
                targetTable = table
            } else {
                do { targetTable = try self.table(target) } catch {
                    validator.report(field: field, "references cannot be checked: \(error.message)")
                    targetTable = nil
                }
            }
            references[field] = validator.resolve(field: field, in: targetTable)
        }
        table.references = references
        problems += validator.problems
    }

    /// The records of a collection not read yet whose string `field` is one of
    /// `values`, found in its file without reading the rest (one contract's
    /// measurements out of a million). Nil when the table has been read (use it)
    /// or the file must be read whole.
    public func records<F: StoredField>(where field: F, isOneOf values: Set<ExactString>) -> [JSONObject]? {
        guard tables[F.collection] == nil else { return nil }
        return TableLoader.records(in: fileURL(F.collection), field: field.rawValue, values: values)
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
