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

    public init(store: Store, progress: (@Sendable (Double) -> Void)? = nil, isCancelled: @escaping @Sendable () -> Bool = { false }) {
        self.store = store
        self.progress = progress
        self.isCancelled = isCancelled
    }

    let store: Store
    let progress: (@Sendable (Double) -> Void)?
    let isCancelled: @Sendable () -> Bool

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
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: request.url.path, isDirectory: &isDirectory) else {
            throw ImportError("cannot read \(request.file): no such file", hint: "a path is relative to the script that names it, or to where vq runs")
        }
        if isDirectory.boolValue { throw ImportError("cannot read \(request.file): it is a directory") }
        if access(request.url.path, R_OK) != 0 { throw ImportError("cannot read \(request.file): \(String(cString: strerror(errno)))") }
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
        var targets: [CollectionName: (index: IDIndex, ids: [String])] = [:]
        for (field, _) in given {
            guard case .ref(let t) = field.type, targets[t] == nil else { continue }
            let index = try store.idIndex(t)
            let ids = index.ids
            targets[t] = (index, ids.count < 100_000 ? ids : [])
        }
        // An amount written with its currency is checked against the record's (SPEC §5): that of its contract, for some.
        var contractCurrencies: [String: Currency] = [:]
        if given.contains(where: { $0.field.money?.currency.contains { if case .contract = $0 { true } else { false } } == true }) {
            let contracts = try store.table(.contracts)
            for row in 0..<contracts.count {
                if let id = contracts.id(row), let c = Currency(contracts.text(ContractField.currency, row)) { contractCurrencies[id] = c }
            }
        }
        let checker = RowChecker(sheet: sheet, given: given, identityPositions: identityPositions, targets: targets,
                                 writer: edit.recordWriter, rowBits: UInt64.bitWidth - UInt64(sheet.rowCount).leadingZeroBitCount,
                                 contractCurrencies: contractCurrencies, reporting: store.reportingCurrency)
        // The rows are coerced, checked and written in parts, on both cores; what
        // depends on the rows before them (a key given twice) is then decided in order.
        let rowCount = sheet.rowCount
        let partCount = rowCount >= 20_000 ? 2 : 1
        let bounds = (0...partCount).map { rowCount * $0 / partCount }
        let slots = ResultSlots<CheckedRows>(count: partCount)
        // The first part reports for both: checking is four fifths of the work.
        let progress = self.progress
        let firstPart: (@Sendable (Double) -> Void)? = progress.map { report in { @Sendable share in report(0.8 * share) } }
        let isCancelled = self.isCancelled
        Parallel.run(partCount) { i in
            slots.set(i, checker.check(bounds[i]..<bounds[i + 1], progress: i == 0 ? firstPart : nil, isCancelled: isCancelled))
        }
        let parts = slots.take()
        // A part cut short was cancelled (the shell's flag is taken by whoever sees it first).
        if parts.indices.contains(where: { parts[$0].count != bounds[$0 + 1] - bounds[$0] }) { throw Cancelled() }
        var existing = ExistingRecords(table: table, identity: identity)
        let repeats = RepeatedKeys.find(parts, bounds: bounds, rowBits: checker.rowBits) { checker.identity($0) == checker.identity($1) }
        var plan = Plan()
        plan.rows = rowCount
        let keys = given.map(\.field.name)
        for (p, checked) in parts.enumerated() {
            // New records go in runs of neighbouring rows, each already written with the separators between them.
            var run: Range<Int>?
            func flush() {
                if let r = run { edit.append(written: checked.written(r), count: r.count) }
                run = nil
            }
            var problemsByRow = checked.problems[...]
            var emptyByRow = checked.empty[...]
            for local in 0..<checked.count {
                let row = bounds[p] + local
                if row & 0x3FFF == 0 {
                    if isCancelled() { throw Cancelled() }
                    progress?(0.8 + 0.2 * Double(row) / Double(max(rowCount, 1)))
                }
                var problems: [String] = []
                if problemsByRow.first?.row == local { problems = problemsByRow.removeFirst().messages }
                let hash = checked.hashes[local]
                // Hash 0: a field that names the record is missing (and reported).
                let match = hash == 0 || table.count == 0 ? nil : existing.row(checker.identity(row))
                let empty = emptyByRow.first?.row == local ? emptyByRow.removeFirst().messages : []
                if match == nil || !request.updating { problems += empty }
                if hash != 0 {
                    let earlier = repeats[row]
                    func named() -> String {
                        zip(identity, checker.identity(row)).map { "\($0) \(JSONWriter.string($1))" }.joined(separator: ", ")
                    }
                    if let first = earlier {
                        problems.append("\(sheet.place(row: row)): \(named()) again (also \(sheet.place(row: first).dropFirst(sheet.file.count + 2)))")
                    } else if let match, !request.updating {
                        problems.append("\(sheet.place(row: row)): \(collection.fileName) already has \(named()) (\(table.position(match))); "
                                        + "say 'on conflict update' to update it")
                    }
                }
                if !problems.isEmpty {
                    plan.problems += problems
                    plan.refusedRows += 1
                    flush()
                    continue
                }
                if let match, request.updating {
                    var record = table.record(match)
                    // An empty cell leaves the field as it is: a refresh that lacks a value does not erase it.
                    for (k, name) in keys.enumerated() where sheet.cell(row, given[k].column) != .empty {
                        let value = checker.value(row, k)
                        guard value != .null else { continue }
                        if let i = record.keys.firstIndex(of: name) { record.values[i] = value } else {
                            record.keys.append(name)
                            record.values.append(value)
                        }
                    }
                    if record == table.record(match) { plan.unchanged += 1 } else {
                        edit.replace(elements[match], with: record)
                        plan.updated += 1
                    }
                    flush()
                } else {
                    run = (run ?? local..<local).lowerBound..<local + 1
                    plan.inserted += 1
                }
            }
            flush()
        }
        progress?(1)
        if plan.problems.isEmpty, edit.isChanged { plan.edit = edit }
        return plan
    }
}

/// One part of a file's rows, coerced, checked against the model and written
/// as new records would be, on a thread of its own.
struct CheckedRows: Sendable {
    var count = 0
    /// The problems of the rows that have any, in row order (a row's own: coercion, type, range, reference).
    var problems: [(row: Int, messages: [String])] = []
    /// Required fields left empty, kept apart (an update needs none of them), in row order.
    var empty: [(row: Int, messages: [String])] = []
    /// A hash of each row's identity values; 0 when one is missing.
    var hashes: [UInt64] = []
    /// The rows with all their identity values, each as its hash with the row in
    /// the low `RowChecker.rowBits` bits, sorted: by hash, then row.
    var sortedKeys: [UInt64] = []
    /// Each row written as a new record, a separator between neighbours: row i is `starts[i]..<ends[i]`.
    var bytes: [UInt8] = []
    var starts: [Int] = []
    var ends: [Int] = []

    /// Neighbouring rows as new records, with the separators between them.
    func written(_ rows: Range<Int>) -> ArraySlice<UInt8> { bytes[starts[rows.lowerBound]..<ends[rows.upperBound - 1]] }
}

/// The kinds of field the checking loop reads cells of by itself.
enum FastKind { case number, int, ref, month, date, other }

/// What every row of a file is checked with: only values, shared by the threads.
struct RowChecker: Sendable {
    let sheet: Sheet
    let given: [(field: FieldSpec, column: Int)]
    let identityPositions: [Int]
    /// Each referenced collection's ids (and the ids for a did-you-mean, when few enough to search).
    let targets: [CollectionName: (index: IDIndex, ids: [String])]
    let writer: FileEdit.RecordWriter
    /// Bits that hold a row of a part in `CheckedRows.sortedKeys`.
    let rowBits: Int
    /// Each contract's currency, when a money field's currency is its contract's.
    let contractCurrencies: [String: Currency]
    let reporting: Currency?

    /// The currency a money field of row `row` is in, from its sources in order (nil: not known from the file).
    func currency(of k: Int, _ row: Int) -> Currency? {
        for source in given[k].field.money?.currency ?? [] {
            switch source {
            case .field(let name):
                if let j = given.firstIndex(where: { $0.field.name == name }), case .string(let code) = value(row, j), let c = Currency(code) { return c }
            case .contract(let via):
                if let j = given.firstIndex(where: { $0.field.name == via }), case .string(let id) = value(row, j), let c = contractCurrencies[id] { return c }
            case .reporting:
                if let reporting { return reporting }
            }
        }
        return nil
    }

    /// A row's value of the `k`th field given, coerced again (rows are not kept as values:
    /// only the few that update a record or share a hash need them); null when refused.
    func value(_ row: Int, _ k: Int) -> JSONValue {
        (try? Coercion.value(sheet.cell(row, given[k].column), as: given[k].field.type).get()) ?? .null
    }

    /// The values that name a row's record.
    func identity(_ row: Int) -> [JSONValue] { identityPositions.map { value(row, $0) } }

    /// The rows checked; stops early when `isCancelled` says so (the import is then given up).
    func check(_ rows: Range<Int>, progress: (@Sendable (Double) -> Void)?, isCancelled: @Sendable () -> Bool) -> CheckedRows {
        var out = CheckedRows()
        out.hashes.reserveCapacity(rows.count)
        out.ends.reserveCapacity(rows.count)
        out.starts.reserveCapacity(rows.count)
        out.bytes.reserveCapacity(rows.count * 48)
        let n = given.count
        let keys = given.map(\.field.name)
        // Each key as a record writes it, with what goes before it: `{"kpi": ` first, `, "period": ` after.
        let keyBytes = keys.map { key -> [UInt8] in
            var out: [UInt8] = []
            JSONWriter.writeString(key, into: &out)
            return out + Array(": ".utf8)
        }
        let firstKeys = keyBytes.map { [UInt8(ascii: "{")] + $0 }, laterKeys = keyBytes.map { [UInt8(ascii: ","), 0x20] + $0 }
        // Coercion already made strings, references, booleans, dates and months what their
        // type says; ranges, whole numbers, enums, currency codes and list items are checked.
        let checked = given.map { g -> Bool in
            switch g.field.type {
            case .string, .ref, .bool, .date, .month: false
            case .number, .int, .oneOf, .currency, .list: true
            }
        }
        // What the loop reads of each field, as plain values (a FieldSpec read in it would be retained and released each time).
        let columns = given.map(\.column)
        let kinds = given.map { g -> FastKind in
            switch g.field.type {
            case .number: .number
            case .int: .int
            case .ref: .ref
            case .month: .month
            case .date: .date
            default: .other
            }
        }
        let ranges = given.map { $0.field.aboveLowerBound ? nil : $0.field.range }
        let openRanges = given.map { $0.field.aboveLowerBound }
        let indexes = given.map { g -> IDIndex? in if case .ref(let t) = g.field.type { targets[t]!.index } else { nil } }
        // Consecutive rows mostly name the same record: the last id looked up per field is remembered.
        var lastResolved: [(id: [UInt8], found: Bool)?] = Array(repeating: nil, count: n)
        func resolves(_ k: Int, _ id: UnsafeBufferPointer<UInt8>) -> Bool {
            if let last = lastResolved[k], last.id.count == id.count,
               last.id.withUnsafeBufferPointer({ memcmp($0.baseAddress!, id.baseAddress!, id.count) == 0 }) { return last.found }
            let found = indexes[k]?.row(String(decoding: id, as: UTF8.self)) != nil
            lastResolved[k] = (Array(id), found)
            return found
        }
        var suggestions = 0
        // A row's values: a cell taken as its bytes (`raw`), or the value coerced from it.
        var raw = [Bool](repeating: false, count: n)
        var values = [JSONValue](repeating: .null, count: n)
        for r in rows {
            if (r - rows.lowerBound) & 0x3FFF == 0 {
                if isCancelled() { break }
                progress?(Double(r - rows.lowerBound) / Double(max(rows.count, 1)))
            }
            var problems: [String] = []
            var empty: [String] = []
            for k in 0..<n {
                let column = columns[k]
                // The forms most files hold, taken as the bytes they are: a number that is JSON as
                // written, a month or date in ISO form, an id without white space that is there.
                raw[k] = sheet.withBytes(r, column) { b -> Bool in
                    switch kinds[k] {
                    case .number, .int:
                        guard let n = JSONReader.number(bytes: b) else { return false }
                        if kinds[k] == .int, n.value != n.value.rounded() { return false }
                        if openRanges[k] { return false }
                        return ranges[k].map { $0.contains(n.value) } ?? true
                    case .month: return Dates.parseMonth(bytes: b) != nil
                    case .date: return Dates.parseDate(bytes: b) != nil
                    case .ref:
                        guard let f = b.first, let l = b.last, f > 0x20, f < 0x80, l > 0x20, l < 0x80 else { return false }
                        return resolves(k, b)
                    case .other: return false
                    }
                } ?? false
                if raw[k] { continue }
                let cell = sheet.cell(r, column)
                let field = given[k].field
                switch Coercion.value(cell, as: field.type) {
                case .failure(let refusal):
                    problems.append("\(sheet.place(row: r, column: column)), field \(field.name): \(refusal.message)")
                    values[k] = .null
                case .success(let value):
                    values[k] = value
                    if value == .null {
                        if !field.optional, cell == .empty {
                            empty.append("\(sheet.place(row: r, column: column)), field \(field.name): an empty cell, but the field is required")
                        }
                        continue
                    }
                    if checked[k], let message = Validator.check(value, against: field) {
                        problems.append("\(sheet.place(row: r, column: column)), field \(field.name): \(message)")
                    } else if let money = field.money, case .text(let s) = cell, let named = Coercion.amount(s)?.currency {
                        // An amount that names its currency must be in the record's: never read as if it were.
                        let own = currency(of: k, r)
                        if own == nil {
                            problems.append("\(sheet.place(row: r, column: column)), field \(field.name): an amount in \(named), but the record's "
                                            + "currency is not known from the file (\(money.description)); write the number alone")
                        } else if let own, own != named {
                            problems.append("\(sheet.place(row: r, column: column)), field \(field.name): an amount in \(named), found \"\(s)\", "
                                            + "but the field is in \(own) (\(money.description)); convert it first")
                        }
                    } else if case .ref(let target) = field.type, case .string(let id) = value {
                        var id = id
                        if !id.withUTF8({ resolves(k, $0) }) {
                            var message = "no record of \(target.rawValue) has id \"\(id)\""
                            if suggestions < 50, let near = Suggest.closest(to: id, in: targets[target]!.ids) {
                                message += " — did you mean \"\(near)\"?"
                                suggestions += 1
                            }
                            problems.append("\(sheet.place(row: r, column: column)), field \(field.name): \(message)")
                        }
                    }
                }
            }
            if !problems.isEmpty { out.problems.append((out.count, problems)) }
            if !empty.isEmpty { out.empty.append((out.count, empty)) }
            // The hash of what names the record, from the bytes of its values.
            var hash: UInt64? = 0
            for p in identityPositions {
                guard let h = hash, let part = raw[p] ? sheet.withBytes(r, columns[p], { ByteHash.of($0) }) : IdentityHash.part(values[p]) else {
                    hash = nil
                    break
                }
                hash = IdentityHash.step(h, part)
            }
            out.hashes.append(hash.map(IdentityHash.finish) ?? 0)
            // Written as a new record: absent fields are left out, not written as null.
            if out.count > 0 { out.bytes += writer.separator }
            out.starts.append(out.bytes.count)
            if writer.writesOneLine {
                var written = 0
                for k in 0..<n where raw[k] || values[k] != .null {
                    out.bytes += written == 0 ? firstKeys[k] : laterKeys[k]
                    written += 1
                    if !raw[k] {
                        JSONWriter.write(values[k], into: &out.bytes)
                    } else if kinds[k] == .number || kinds[k] == .int {
                        sheet.withBytes(r, columns[k]) { out.bytes += $0 }
                    } else {
                        sheet.withBytes(r, columns[k]) { JSONWriter.writeString(bytes: $0, into: &out.bytes) }
                    }
                }
                out.bytes += written == 0 ? Array("{}".utf8) : [UInt8(ascii: "}")]
            } else {
                let present = (0..<n).filter { raw[$0] || values[$0] != .null }
                writer.write(JSONObject(keys: present.map { keys[$0] }, values: present.map { raw[$0] ? value(r, $0) : values[$0] }),
                             into: &out.bytes)
            }
            out.ends.append(out.bytes.count)
            out.count += 1
        }
        // One word each sorts far faster than pairs; the hash keeps its high bits (rows whose
        // shortened hashes meet are compared by value all the same).
        let low = (UInt64(1) << rowBits) - 1
        out.sortedKeys = out.hashes.enumerated().compactMap { $0.element == 0 ? nil : $0.element & ~low | UInt64($0.offset) }
        out.sortedKeys.radixSort()
        return out
    }
}

/// Rows that name a record an earlier row of the file names too, found from
/// each part's (hash, row) pairs sorted on its own thread and then merged in
/// one pass (a million keys without a table of them to probe at random);
/// rows whose hashes meet are told apart by their values.
enum RepeatedKeys {
    /// Each repeating row, with the first row that has its key.
    static func find(_ parts: [CheckedRows], bounds: [Int], rowBits: Int, sameKey: (Int, Int) -> Bool) -> [Int: Int] {
        var cursors = parts.map { $0.sortedKeys[...] }
        var repeats: [Int: Int] = [:]
        var group: [Int] = []
        var groupHash: UInt64 = 0
        func close() {
            guard group.count > 1 else { return }
            group.sort()
            for (i, row) in group.enumerated() where i > 0 {
                if let first = group[..<i].first(where: { repeats[$0] == nil && sameKey($0, row) }) { repeats[row] = first }
            }
        }
        while true {
            // The smallest hash at the head of any part.
            var next: Int?
            for p in cursors.indices where !cursors[p].isEmpty {
                if next == nil || cursors[p].first! < cursors[next!].first! { next = p }
            }
            guard let p = next else { break }
            let key = cursors[p].removeFirst()
            let hash = key >> rowBits, local = Int(key & ((1 << rowBits) - 1))
            if hash != groupHash || group.isEmpty {
                close()
                group.removeAll(keepingCapacity: true)
                groupHash = hash
            }
            group.append(bounds[p] + local)
        }
        close()
        return repeats
    }
}

/// The records already there, by the fields that name them: the id index, or
/// the hashes of their identity values, built when first needed (a million
/// measurements without a million key strings); records whose hashes meet are
/// told apart by their values.
struct ExistingRecords {
    let table: Table
    let identity: [String]
    private var index: [UInt64: Int32]?
    /// Records whose hash an earlier record with other values had.
    private var collided: [UInt64: [Int32]] = [:]
    private var readers: [((Int) -> JSONValue)?] = []

    init(table: Table, identity: [String]) {
        self.table = table
        self.identity = identity
    }

    private func values(_ row: Int) -> [JSONValue] { readers.map { $0?(row) ?? .null } }

    /// The record with these identity values (the first, if the file has two).
    mutating func row(_ values: [JSONValue]) -> Int? {
        if identity == ["id"] {
            guard case .string(let id) = values[0] else { return nil }
            return table.row(id: id)
        }
        guard table.count > 0 else { return nil }
        if index == nil {
            readers = identity.map { table.column($0).map(table.reader) }
            var built: [UInt64: Int32] = [:]
            built.reserveCapacity(table.count)
            for row in 0..<table.count {
                let hash = IdentityHash.of(self.values(row))
                guard hash != 0 else { continue }
                if let first = built[hash] {
                    if self.values(Int(first)) != self.values(row) { collided[hash, default: []].append(Int32(row)) }
                } else {
                    built[hash] = Int32(row)
                }
            }
            index = built
        }
        let hash = IdentityHash.of(values)
        guard hash != 0, let first = index![hash] else { return nil }
        if self.values(Int(first)) == values { return Int(first) }
        return collided[hash]?.first { self.values(Int($0)) == values }.map(Int.init)
    }
}

/// The hash that names a record, from the bytes of its identity values (a string's
/// UTF-8, any other value's JSON text); 0 when one of them is missing.
enum IdentityHash {
    static func step(_ hash: UInt64, _ part: UInt64) -> UInt64 { (hash &* 0x100_0000_01B3) ^ part }
    static func finish(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

    /// One value's part; nil for null.
    static func part(_ value: JSONValue) -> UInt64? {
        switch value {
        case .null: return nil
        case .string(var s): return s.withUTF8 { ByteHash.of($0) }
        default: return Array(JSONWriter.string(value).utf8).withUnsafeBufferPointer { ByteHash.of($0) }
        }
    }

    static func of(_ values: [JSONValue]) -> UInt64 {
        var hash: UInt64 = 0
        for v in values {
            guard let p = part(v) else { return 0 }
            hash = step(hash, p)
        }
        return finish(hash)
    }
}
