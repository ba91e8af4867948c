import VQJSON
import VQModel
import VQSupport

/// One collection in memory, stored by column. Every record keeps its fields,
/// known or not, and the order its keys were written in, so the write path can
/// give back what it read.
///
/// A table served from the column cache decodes each column, its key orders
/// and its id index on first use, so a statement pays only for the fields it
/// reads. A table is used by one thread at a time (its validation halves run
/// on a table read from JSON, which is decoded whole).
public final class Table {
    public let name: CollectionName
    /// Schema fields first, then fields the model does not know, in order of first appearance.
    public private(set) var columnNames: [String]
    private var columnIndex: [ExactString: Int]
    /// `columns[c][r]`: the value of column c in record r (`.null` when absent).
    public var columns: Columns { Columns(table: self) }
    /// Each column once decoded (nil: not yet), in its compact form.
    private var storage: [Column?]
    /// Columns asked for whole as values, made from their compact form once.
    private var materialized: [Int: [JSONValue]] = [:]
    /// Distinct key orders; `recordShape[r]` indexes the one record r was written with.
    private var shapes: [[Int]]
    private var decodedShapes: RecordShapes?
    /// Where columns not decoded yet come from.
    private var source: ColumnSource?
    public let count: Int
    /// Record indices by `id` (the first record wins when an id is duplicated).
    public internal(set) var idIndex: IDIndex {
        get {
            if let index = builtIndex { return index }
            let index = IDIndex(ids: (0..<count).map { id($0) }, ascending: idsAscend)
            builtIndex = index
            return index
        }
        set { builtIndex = newValue }
    }
    private var builtIndex: IDIndex?
    /// Whether the ids were found to ascend when the table was checked (its index is then the ids themselves).
    var idsAscend = false
    /// For each reference field, the row of the record it names in the target table (-1: none).
    public internal(set) var references: [String: [Int32]] = [:]
    /// The hash of the file's content (when the column cache is on), which the
    /// cached references of other tables to this one were resolved against.
    var contentHash: UInt64?

    /// The columns, decoded on first use.
    public struct Columns {
        let table: Table
        public subscript(column: Int) -> [JSONValue] { table.column(at: column) }
        public var count: Int { table.columnNames.count }
    }

    /// An empty table of the collection (its file is missing).
    convenience init(name: CollectionName) {
        var builder = TableBuilder(name: name)
        self.init(builder.finish())
    }

    init(_ built: TableBuilder.Parts) {
        name = built.name
        columnNames = built.columnNames
        columnIndex = Dictionary(uniqueKeysWithValues: columnNames.enumerated().map { (ExactString($1), $0) })
        storage = built.columns
        shapes = built.shapes
        decodedShapes = built.recordShape
        count = built.count
        skipped = built.skipped
    }

    public typealias Numbers = ColumnArray<Double>

    /// A stored field's numbers (NaN where a value is not a number), in place
    /// when the column holds numbers (in memory or in the mapped cache file).
    public func numbers<F: StoredField>(_ field: F) -> Numbers {
        if case .numbers(let numbers) = column(field.column) { return numbers }
        return Numbers(columns[field.column].map { $0.number ?? .nan })
    }

    /// A stored field's months (`YYYY-MM`, as months since year 0; nil where
    /// the value is not one), each distinct text parsed once when it can be.
    public func months<F: StoredField>(_ field: F) -> [Int?] {
        if case .codes(let distinct, let codes) = column(field.column) {
            let months = distinct.map(Dates.parseMonth)
            return (0..<codes.count).map { codes[$0] == Column.nullCode ? nil : months[Int(codes[$0])] }
        }
        return columns[field.column].map { if case .string(let s) = $0 { Dates.parseMonth(s) } else { nil } }
    }

    /// A column's values one by one, without making them into an array.
    public func reader(_ c: Int) -> (Int) -> JSONValue {
        let column = column(c)
        return { column[$0] }
    }

    /// A table whose columns and key orders are decoded from `source` when first used.
    init(name: CollectionName, columnNames: [String], shapes: [[Int]], count: Int, skipped: [Int], source: ColumnSource) {
        self.name = name
        self.columnNames = columnNames
        columnIndex = Dictionary(uniqueKeysWithValues: columnNames.enumerated().map { (ExactString($1), $0) })
        storage = Array(repeating: nil, count: columnNames.count)
        self.shapes = shapes
        self.count = count
        self.skipped = skipped
        self.source = source
    }

    /// Column c in its compact form, decoded on first use.
    func column(_ c: Int) -> Column {
        if let column = storage[c] { return column }
        if let column = source?.column(c), column.count == count {
            storage[c] = column
            return column
        }
        reread()
        return storage[c]!
    }

    /// Column c as values, made once.
    private func column(at c: Int) -> [JSONValue] {
        let column = column(c)
        if case .values(let values) = column { return values }
        if let values = materialized[c] { return values }
        let values = column.values
        materialized[c] = values
        return values
    }

    /// One value, read in place once its column is decoded (a record's, a row's text).
    @inline(__always)
    private func value(_ c: Int, _ row: Int) -> JSONValue {
        if let column = storage[c] { return column[row] }
        return column(c)[row]
    }

    private var recordShape: RecordShapes {
        if let shape = decodedShapes { return shape }
        if let shape = source?.recordShapes().map(RecordShapes.init), shape.count == count,
           shape.allSatisfy({ $0 >= 0 && Int($0) < shapes.count }) {
            decodedShapes = shape
            return shape
        }
        reread()
        return decodedShapes!
    }

    /// The key order record `row` was written with, read in place.
    @inline(__always)
    private func shape(_ row: Int) -> Int {
        if decodedShapes == nil { _ = recordShape }
        return Int(decodedShapes![row])
    }

    /// A cached column that does not read back as written: the whole table is
    /// taken from its JSON file instead (as it was when the cache was checked).
    private func reread() {
        let parts = source?.reread()
        source = nil
        guard let parts, parts.count == count else {
            // The file changed since: the store notices before the next statement. Until then, nothing is invented.
            for c in storage.indices where storage[c] == nil { storage[c] = .nulls(count) }
            if decodedShapes == nil { decodedShapes = RecordShapes([Int32](repeating: 0, count: count)) }
            return
        }
        for c in storage.indices {
            let theirs = parts.columnNames.firstIndex(of: columnNames[c])
            storage[c] = theirs.map { parts.columns[$0] } ?? .nulls(count)
        }
        materialized = [:]
        let map = parts.columnNames.map { columnIndex[ExactString($0)] ?? 0 }
        shapes = parts.shapes.map { $0.map { map[$0] } }
        decodedShapes = parts.recordShape
    }

    /// Every column and key order decoded (before the table is written out in full).
    func decodeAll() {
        for c in storage.indices { _ = column(c) }
        _ = recordShape
        source = nil
    }

    /// The table as a builder gives it, every column decoded.
    var builtParts: TableBuilder.Parts {
        decodeAll()
        return TableBuilder.Parts(name: name, columnNames: columnNames, columns: storage.map { $0! }, shapes: shapes,
                                  recordShape: decodedShapes!, count: count, skipped: skipped)
    }

    /// The key orders, for the column cache.
    var keyOrders: (shapes: [[Int]], recordShape: [Int32]) { (shapes, recordShape.all) }

    public func column(_ field: String) -> Int? { columnIndex[ExactString(field)] }

    /// A stored field's values, one per record (`.null` where absent). Schema
    /// fields are the table's first columns, in their order, so this needs no lookup.
    public func values<F: StoredField>(_ field: F) -> [JSONValue] { columns[field.column] }

    /// A reference field's links: for each record, the row its reference names
    /// in the target table (-1: none, or not resolved).
    public func links<F: StoredField>(_ field: F) -> [Int32] {
        references[field.rawValue] ?? [Int32](repeating: -1, count: count)
    }

    /// The record whose id has exactly these code points.
    public func row(id: String) -> Int? { idIndex.row(id) }

    /// The ids, for suggestions.
    public var ids: [String] { idIndex.ids }

    /// Whether record `row` has the field at all (absent differs from `null`).
    public func has(_ row: Int, _ column: Int) -> Bool {
        shapes[shape(row)].contains(column)
    }

    /// The record as it was written: its keys in order, unknown fields included.
    public func record(_ row: Int) -> JSONObject {
        let order = shapes[shape(row)]
        return JSONObject(keys: order.map { columnNames[$0] }, values: order.map { value($0, row) })
    }

    /// A schema field's text ("" when absent or not a string) and number (0 likewise), for models built from records.
    public func text<F: StoredField>(_ field: F, _ row: Int) -> String {
        if case .string(let s) = value(field.column, row) { return s }
        return ""
    }

    public func number<F: StoredField>(_ field: F, _ row: Int) -> Double { value(field.column, row).number ?? 0 }

    public func id(_ row: Int) -> String? {
        if name.spec.hasID, case .string(let s) = value(0, row) { return s }
        return nil
    }

    /// Array positions (0-based) of elements that were not objects and so are not records.
    public var skipped: [Int]

    /// How a record is named in messages: its 1-based position in the file's array, and its id.
    public func label(_ row: Int) -> String {
        if let id = id(row) { return "\(position(row)) (id \(id))" }
        return position(row)
    }

    /// "record 7": where a record is in the file's array, counting from 1.
    public func position(_ row: Int) -> String {
        var position = row
        for s in skipped where s <= position { position += 1 }
        return "record \(position + 1)"
    }
}
