/// One collection in memory, stored by column. Every record keeps its fields,
/// known or not, and the order its keys were written in, so the write path can
/// give back what it read.
public final class Table {
    public let name: CollectionName
    /// Schema fields first, then fields the model does not know, in order of first appearance.
    public private(set) var columnNames: [String]
    private var columnIndex: [String: Int]
    /// `columns[c][r]`: the value of column c in record r (`.null` when absent).
    public private(set) var columns: [[JSONValue]]
    /// Distinct key orders; `recordShape[r]` indexes the one record r was written with.
    private var shapes: [[Int]] = []
    private var shapeIndex: [[Int]: Int] = [:]
    private var recordShape: [Int32] = []
    public private(set) var count = 0
    /// Record indices by `id` (the first record wins when an id is duplicated).
    public internal(set) var idIndex: [String: Int] = [:]
    /// For each reference field, the row of the record it names in the target table (-1: none).
    var references: [String: [Int32]] = [:]

    init(name: CollectionName) {
        self.name = name
        columnNames = name.spec.fields.map(\.name)
        columnIndex = Dictionary(uniqueKeysWithValues: columnNames.enumerated().map { ($1, $0) })
        columns = Array(repeating: [], count: columnNames.count)
    }

    public func column(_ field: String) -> Int? { columnIndex[field] }

    func columnAdding(_ field: String) -> Int {
        if let c = columnIndex[field] { return c }
        columnNames.append(field)
        columnIndex[field] = columnNames.count - 1
        columns.append(Array(repeating: .null, count: count))
        return columnNames.count - 1
    }

    /// Appends a record given as (column, value) pairs in the order they were written.
    func append(_ fields: [(Int, JSONValue)]) {
        var present = Array(repeating: false, count: columns.count)
        for (c, v) in fields {
            columns[c].append(v)
            present[c] = true
        }
        for c in columns.indices where !present[c] { columns[c].append(.null) }
        let order = fields.map(\.0)
        if let last = shapes.last, last == order {
            recordShape.append(Int32(shapes.count - 1))
        } else if let s = shapeIndex[order] {
            recordShape.append(Int32(s))
        } else {
            shapes.append(order)
            shapeIndex[order] = shapes.count - 1
            recordShape.append(Int32(shapes.count - 1))
        }
        count += 1
    }

    /// Whether record `row` has the field at all (absent differs from `null`).
    public func has(_ row: Int, _ column: Int) -> Bool {
        shapes[Int(recordShape[row])].contains(column)
    }

    /// The record as it was written: its keys in order, unknown fields included.
    public func record(_ row: Int) -> JSONObject {
        let order = shapes[Int(recordShape[row])]
        return JSONObject(keys: order.map { columnNames[$0] }, values: order.map { columns[$0][row] })
    }

    public func id(_ row: Int) -> String? {
        if case .string(let s) = columns[0][row], name.spec.hasID { return s }
        return nil
    }

    /// Array positions (0-based) of elements that were not objects and so are not records.
    var skipped: [Int] = []

    /// How a record is named in messages: its 1-based position in the file's array, and its id.
    public func label(_ row: Int) -> String {
        var position = row
        for s in skipped where s <= position { position += 1 }
        if let id = id(row) { return "record \(position + 1) (id \(id))" }
        return "record \(position + 1)"
    }
}
