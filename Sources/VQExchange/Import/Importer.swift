import Foundation
import VQJSON
import VQModel
import VQStore
import VQSupport

/// An import (SPEC §6): a file's rows, matched to fields, coerced and checked
/// like an insert (types, enums, ranges, required fields, unique ids and keys,
/// references, also against the file's other rows), made one change of the
/// collection's file. Nothing is written here: the session commits the plan.
public struct Importer {
    public struct Request: Sendable {
        public var collection: CollectionName
        /// The file as the user named it (messages), and where it is.
        public var file: String
        public var url: URL
        public var sheet: String?
        public var encoding: TextEncoding?
        public var mappings: [ImportMapping]
        /// `on conflict update`: a row naming an existing record updates it.
        public var updating: Bool

        public init(collection: CollectionName, file: String, url: URL, sheet: String?, encoding: TextEncoding?,
                    mappings: [ImportMapping], updating: Bool) {
            self.collection = collection
            self.file = file
            self.url = url
            self.sheet = sheet
            self.encoding = encoding
            self.mappings = mappings
            self.updating = updating
        }
    }

    public struct Plan {
        /// The new file, when the import changes it and no row was refused.
        public var edit: FileEdit?
        public var rows = 0
        public var inserted = 0
        public var updated = 0
        public var unchanged = 0
        /// Every refused row's problems, each naming the file, row, cell and field.
        public var problems: [String] = []
        public var refusedRows = 0
    }

    public init(store: Store, progress: ((Double) -> Void)? = nil, isCancelled: @escaping () -> Bool = { false }) {
        self.store = store
        self.progress = progress
        self.isCancelled = isCancelled
    }

    let store: Store
    let progress: ((Double) -> Void)?
    let isCancelled: () -> Bool

    public struct Cancelled: Error {}

    /// The file name extensions an import reads.
    public static let extensions: Set<String> = ["csv", "tsv", "txt", "xlsx", "json", "jsonl", "ndjson"]

    /// The file's rows: its kind from its extension.
    public static func read(_ request: Request) throws(ImportError) -> Sheet {
        let ext = request.url.pathExtension.lowercased()
        if request.sheet != nil, ext != "xlsx" { throw ImportError("'sheet' names a sheet of an xlsx workbook; \(request.file) is not one") }
        if request.encoding != nil, !["csv", "tsv", "txt"].contains(ext) {
            throw ImportError("'encoding' applies to csv files; \(request.file) is \(ext == "xlsx" ? "a workbook" : "json, which is UTF-8")")
        }
        if ext == "xlsx" { return try XLSXReader.read(request.url, file: request.file, sheet: request.sheet) }
        if ext == "xls" { throw ImportError("\(request.file) is an old Excel workbook (.xls)", hint: "save it as .xlsx or .csv and import that") }
        let data: Data
        do { data = try Data(contentsOf: request.url, options: .alwaysMapped) } catch {
            throw ImportError("cannot read \(request.file): \((error as NSError).localizedDescription)")
        }
        switch ext {
        case "json": return try JSONRows.read(data, file: request.file, lines: false)
        case "jsonl", "ndjson": return try JSONRows.read(data, file: request.file, lines: true)
        case "csv", "tsv", "txt": return try CSVReader.read(data, file: request.file, encoding: request.encoding)
        default:
            throw ImportError("cannot tell what \(request.file) holds from its name", hint: "vq imports .csv, .xlsx, .json and .jsonl files")
        }
    }

    /// The sheet names of a workbook, for completion.
    public static func sheetNames(_ url: URL) -> [String] { XLSXReader.sheetNames(url) }

    public func plan(_ request: Request, _ sheet: Sheet) throws -> Plan {
        let collection = request.collection
        let spec = collection.spec
        let columnFields = try HeaderMatch.fields(of: sheet, into: collection, mappings: request.mappings, updating: request.updating)
        let table = try store.table(collection)
        var edit = try store.fileEdit(collection, checkedAgainst: table)
        let elements = table.elementIndices
        // The schema fields the file gives, in schema order, each with its column.
        let given: [(field: FieldSpec, column: Int)] = spec.fields.compactMap { f in
            columnFields.firstIndex { $0?.name == f.name }.map { (f, $0) }
        }
        let identity = spec.identity
        let identityPositions = identity.map { name in given.firstIndex { $0.field.name == name }! }
        var existing = ExistingRecords(table: table, identity: identity)
        var seen = SeenKeys(capacity: sheet.rowCount)
        var targets: [CollectionName: Table] = [:]
        for (field, _) in given { if case .ref(let t) = field.type, targets[t] == nil { targets[t] = try store.table(t) } }
        // Ids checked last, per reference field: consecutive rows mostly name the same record.
        var lastResolved: [String: (id: String, found: Bool)] = [:]
        var plan = Plan()
        plan.rows = sheet.rowCount
        let keys = given.map(\.field.name)
        var values = [JSONValue](repeating: .null, count: given.count)
        for row in 0..<sheet.rowCount {
            if row & 0x3FFF == 0 {
                if isCancelled() { throw Cancelled() }
                progress?(Double(row) / Double(max(sheet.rowCount, 1)))
            }
            var problems: [String] = []
            func problem(_ column: Int?, _ field: String, _ message: String) {
                let place = column.map { sheet.place(row: row, column: $0) } ?? sheet.place(row: row)
                problems.append("\(place), field \(field): \(message)")
            }
            for (k, (field, column)) in given.enumerated() {
                switch Coercion.value(sheet.cell(row, column), as: field.type) {
                case .failure(let refusal):
                    problem(column, field.name, refusal.message)
                    values[k] = .null
                case .success(let value):
                    values[k] = value
                    guard value != .null else { continue }
                    if let message = Validator.check(value, against: field) {
                        problem(column, field.name, message)
                    } else if case .ref(let target) = field.type, case .string(let id) = value {
                        let found: Bool
                        if let last = lastResolved[field.name], last.id.sameCodePoints(as: id) { found = last.found } else {
                            found = targets[target]!.row(id: id) != nil
                            lastResolved[field.name] = (id, found)
                        }
                        if !found {
                            var message = "no record of \(target.rawValue) has id \"\(id)\""
                            if plan.problems.count < 50, let near = Suggest.closest(to: id, in: targets[target]!.ids) {
                                message += " — did you mean \"\(near)\"?"
                            }
                            problem(column, field.name, message)
                        }
                    }
                }
            }
            let name = identityPositions.map { values[$0] }
            let key = ExistingRecords.key(name)
            func named() -> String { zip(identity, name).map { "\($0) \(JSONWriter.string($1))" }.joined(separator: ", ") }
            let match = name.contains(.null) ? nil : existing.row(key)
            if match == nil || !request.updating {
                for (k, (field, column)) in given.enumerated() where !field.optional && values[k] == .null && sheet.cell(row, column) == .empty {
                    problem(column, field.name, "an empty cell, but the field is required")
                }
            }
            if !name.contains(.null) {
                if let first = seen.insert(key, row: row, keyOf: { earlier in
                    ExistingRecords.key(identityPositions.map { k in
                        (try? Coercion.value(sheet.cell(earlier, given[k].column), as: given[k].field.type).get()) ?? .null
                    })
                }) {
                    problems.append("\(sheet.place(row: row)): \(named()) again (also \(sheet.place(row: first).dropFirst(sheet.file.count + 2)))")
                } else if let match, !request.updating {
                    problems.append("\(sheet.place(row: row)): \(collection.fileName) already has \(named()) (\(table.position(match))); "
                                    + "say 'on conflict update' to update it")
                }
            }
            if !problems.isEmpty {
                plan.problems += problems
                plan.refusedRows += 1
                continue
            }
            if let match, request.updating {
                var record = table.record(match)
                // An empty cell leaves the field as it is: a refresh that lacks a value does not erase it.
                for (k, name) in keys.enumerated() where sheet.cell(row, given[k].column) != .empty && values[k] != .null {
                    if let i = record.keys.firstIndex(of: name) { record.values[i] = values[k] } else {
                        record.keys.append(name)
                        record.values.append(values[k])
                    }
                }
                if record == table.record(match) { plan.unchanged += 1 } else {
                    edit.replace(elements[match], with: record)
                    plan.updated += 1
                }
            } else {
                var record = JSONObject(keys: keys, values: values)
                if values.contains(.null) {
                    let present = values.indices.filter { values[$0] != .null }
                    record = JSONObject(keys: present.map { keys[$0] }, values: present.map { values[$0] })
                }
                edit.append(record)
                plan.inserted += 1
            }
        }
        progress?(1)
        if plan.problems.isEmpty, edit.isChanged { plan.edit = edit }
        return plan
    }
}

/// The keys of the file's rows so far, by a 64-bit hash of their bytes (a
/// million keys without a million strings to hash, keep and free); rows whose
/// hashes meet are told apart by their keys.
struct SeenKeys {
    private var byHash: [UInt64: Int32] = [:]
    /// Keys whose hash an earlier, different key had.
    private var collided: [ExactString: Int] = [:]

    init(capacity: Int) { byHash.reserveCapacity(capacity) }

    /// Records `key` for `row`; the earlier row with the same key, if any (`keyOf` gives an earlier row's key).
    mutating func insert(_ key: ExactString, row: Int, keyOf: (Int) -> ExactString) -> Int? {
        var text = key.string
        let hash = text.withUTF8 { ByteHash.of($0) }
        guard let first = byHash[hash] else {
            byHash[hash] = Int32(row)
            return nil
        }
        if keyOf(Int(first)) == key { return Int(first) }
        if let earlier = collided[key] { return earlier }
        collided[key] = row
        return nil
    }
}

/// The records already there, by the fields that name them: the id index, or a
/// dictionary of their identity built when first needed.
struct ExistingRecords {
    let table: Table
    let identity: [String]
    private var index: [ExactString: Int]?

    init(table: Table, identity: [String]) {
        self.table = table
        self.identity = identity
    }

    /// The values that name a record as one key: an id as itself, several values
    /// as their text (a string as it is, others as JSON) joined by a unit separator.
    static func key(_ values: [JSONValue]) -> ExactString {
        if values.count == 1, case .string(let s) = values[0] { return ExactString(s) }
        var out = ""
        for (i, v) in values.enumerated() {
            if i > 0 { out += "\u{1F}" }
            if case .string(let s) = v { out += s } else { JSONWriter.write(v, into: &out) }
        }
        return ExactString(out)
    }

    mutating func row(_ key: ExactString) -> Int? {
        if identity == ["id"] { return table.row(id: key.string) }
        guard table.count > 0 else { return nil }
        if index == nil {
            let readers = identity.map { table.column($0).map(table.reader) }
            var built: [ExactString: Int] = [:]
            built.reserveCapacity(table.count)
            // (A string and a number with the same text are one key here; no identity field holds both.)
            for row in 0..<table.count {
                let key = ExistingRecords.key(readers.map { $0?(row) ?? .null })
                if built[key] == nil { built[key] = row }
            }
            index = built
        }
        return index![key]
    }
}
