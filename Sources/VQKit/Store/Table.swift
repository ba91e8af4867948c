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
    public internal(set) var idIndex: [ExactString: Int] = [:]
    /// For each reference field, the row of the record it names in the target table (-1: none).
    var references: [String: [Int32]] = [:]

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

    /// The record whose id has exactly these code points.
    public func row(id: String) -> Int? { idIndex[ExactString(id)] }

    /// The ids, for suggestions.
    var ids: [String] { idIndex.keys.map(\.string) }

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
    func text(_ field: String, _ row: Int) -> String {
        if case .string(let s) = columns[columnIndex[ExactString(field)]!][row] { return s }
        return ""
    }

    func number(_ field: String, _ row: Int) -> Double { numberOf(columns[columnIndex[ExactString(field)]!][row]) ?? 0 }

    public func id(_ row: Int) -> String? {
        if case .string(let s) = columns[0][row], name.spec.hasID { return s }
        return nil
    }

    /// Array positions (0-based) of elements that were not objects and so are not records.
    var skipped: [Int]

    /// How a record is named in messages: its 1-based position in the file's array, and its id.
    public func label(_ row: Int) -> String {
        var position = row
        for s in skipped where s <= position { position += 1 }
        if let id = id(row) { return "record \(position + 1) (id \(id))" }
        return "record \(position + 1)"
    }
}

/// Collects records column by column while a file is read; reused buffers
/// keep the per-record cost to the values themselves.
struct TableBuilder {
    struct Parts {
        var name: CollectionName
        var columnNames: [String]
        var columns: [[JSONValue]]
        var shapes: [[Int]]
        var recordShape: [Int32]
        var count: Int
        var skipped: [Int]
    }

    private var parts: Parts
    private var columnIndex: [ExactString: Int]
    private var shapeIndex: [[Int]: Int32] = [:]
    private var present: [Bool]
    /// The record being read: columns in the order their keys came.
    private(set) var order: [Int] = []

    init(name: CollectionName) {
        let names = name.spec.fields.map(\.name)
        parts = Parts(name: name, columnNames: names, columns: Array(repeating: [], count: names.count),
                      shapes: [], recordShape: [], count: 0, skipped: [])
        columnIndex = Dictionary(uniqueKeysWithValues: names.enumerated().map { (ExactString($1), $0) })
        present = Array(repeating: false, count: names.count)
    }

    var count: Int { parts.count }
    /// Array positions so far, records and skipped elements together.
    var elements: Int { parts.count + parts.skipped.count }

    mutating func column(named field: String) -> Int {
        if let c = columnIndex[ExactString(field)] { return c }
        parts.columnNames.append(field)
        columnIndex[ExactString(field)] = parts.columnNames.count - 1
        parts.columns.append(Array(repeating: .null, count: parts.count))
        present.append(false)
        return parts.columnNames.count - 1
    }

    mutating func reserve(_ records: Int) {
        for c in parts.columns.indices { parts.columns[c].reserveCapacity(records) }
        parts.recordShape.reserveCapacity(records)
    }

    /// Adds a field of the current record; false when the record has it already.
    mutating func add(_ column: Int, _ value: JSONValue) -> Bool {
        if present[column] { return false }
        present[column] = true
        order.append(column)
        parts.columns[column].append(value)
        return true
    }

    mutating func skipElement() { parts.skipped.append(elements) }

    mutating func endRecord() {
        for c in present.indices {
            if present[c] { present[c] = false } else { parts.columns[c].append(.null) }
        }
        if let last = parts.recordShape.last, parts.shapes[Int(last)] == order {
            parts.recordShape.append(last)
        } else if let s = shapeIndex[order] {
            parts.recordShape.append(s)
        } else {
            parts.shapes.append(order)
            shapeIndex[order] = Int32(parts.shapes.count - 1)
            parts.recordShape.append(Int32(parts.shapes.count - 1))
        }
        order.removeAll(keepingCapacity: true)
        parts.count += 1
    }

    /// Appends the records another builder read (the later part of the same file).
    mutating func append(_ other: TableBuilder) {
        let map = other.parts.columnNames.map { column(named: $0) }
        let start = parts.count
        for (theirs, mine) in map.enumerated() { parts.columns[mine] += other.parts.columns[theirs] }
        for c in parts.columns.indices where parts.columns[c].count < start + other.parts.count {
            parts.columns[c] += repeatElement(.null, count: start + other.parts.count - parts.columns[c].count)
        }
        let shapeMap: [Int32] = other.parts.shapes.map { shape in
            let order = shape.map { map[$0] }
            if let s = shapeIndex[order] { return s }
            parts.shapes.append(order)
            shapeIndex[order] = Int32(parts.shapes.count - 1)
            return Int32(parts.shapes.count - 1)
        }
        parts.recordShape += other.parts.recordShape.map { shapeMap[Int($0)] }
        parts.skipped += other.parts.skipped.map { $0 + elements }
        parts.count += other.parts.count
    }

    mutating func finish() -> Parts { parts }
}
