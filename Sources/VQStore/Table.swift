import VQJSON
import VQModel
import VQSupport

/// One collection in memory, stored by column. Every record keeps its fields,
/// known or not, and the order its keys were written in, so the write path can
/// give back what it read.
public final class Table {
    public let name: CollectionName
    /// Schema fields first, then fields the model does not know, in order of first appearance.
    public private(set) var columnNames: [String]
    private var columnIndex: [ExactString: Int]
    /// `columns[c][r]`: the value of column c in record r (`.null` when absent).
    public private(set) var columns: [[JSONValue]]
    /// Distinct key orders; `recordShape[r]` indexes the one record r was written with.
    private var shapes: [[Int]]
    private var recordShape: [Int32]
    public private(set) var count: Int
    /// Record indices by `id` (the first record wins when an id is duplicated).
    public internal(set) var idIndex = IDIndex.empty
    /// For each reference field, the row of the record it names in the target table (-1: none).
    public internal(set) var references: [String: [Int32]] = [:]

    /// An empty table of the collection (its file is missing).
    convenience init(name: CollectionName) {
        var builder = TableBuilder(name: name)
        self.init(builder.finish())
    }

    init(_ built: TableBuilder.Parts) {
        name = built.name
        columnNames = built.columnNames
        columnIndex = Dictionary(uniqueKeysWithValues: columnNames.enumerated().map { (ExactString($1), $0) })
        columns = built.columns
        shapes = built.shapes
        recordShape = built.recordShape
        count = built.count
        skipped = built.skipped
    }

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
        shapes[Int(recordShape[row])].contains(column)
    }

    /// The record as it was written: its keys in order, unknown fields included.
    public func record(_ row: Int) -> JSONObject {
        let order = shapes[Int(recordShape[row])]
        return JSONObject(keys: order.map { columnNames[$0] }, values: order.map { columns[$0][row] })
    }

    /// A schema field's text ("" when absent or not a string) and number (0 likewise), for models built from records.
    public func text<F: StoredField>(_ field: F, _ row: Int) -> String {
        if case .string(let s) = columns[field.column][row] { return s }
        return ""
    }

    public func number<F: StoredField>(_ field: F, _ row: Int) -> Double { columns[field.column][row].number ?? 0 }

    public func id(_ row: Int) -> String? {
        if case .string(let s) = columns[0][row], name.spec.hasID { return s }
        return nil
    }

    /// Array positions (0-based) of elements that were not objects and so are not records.
    public var skipped: [Int]

    /// How a record is named in messages: its 1-based position in the file's array, and its id.
    public func label(_ row: Int) -> String {
        var position = row
        for s in skipped where s <= position { position += 1 }
        if let id = id(row) { return "record \(position + 1) (id \(id))" }
        return "record \(position + 1)"
    }
}
