import VQJSON
import VQModel
import VQSupport

/// Collects records column by column while a file is read; reused buffers
/// keep the per-record cost to the values themselves.
struct TableBuilder {
    struct Parts {
        var name: CollectionName
        var columnNames: [String]
        var columns: [Column]
        var shapes: [[Int]]
        var recordShape: RecordShapes
        var count: Int
        var skipped: [Int]
    }

    /// The table so far, its columns aside (`columns`).
    private var parts: Parts
    private var columns: [ColumnBuilder]
    private var columnIndex: [ExactString: Int]
    private var shapeIndex: [[Int]: Int32] = [:]
    private var present: [Bool]
    /// The record being read: columns in the order their keys came, the first
    /// `orderCount` of `order` (kept allocated from record to record).
    private var order: [Int] = []
    private var orderCount = 0

    init(name: CollectionName) {
        let names = name.spec.fields.map(\.name)
        parts = Parts(name: name, columnNames: names, columns: [], shapes: [], recordShape: RecordShapes(), count: 0, skipped: [])
        columns = Array(repeating: ColumnBuilder(), count: names.count)
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
        columns.append(ColumnBuilder(nulls: parts.count))
        present.append(false)
        return parts.columnNames.count - 1
    }

    mutating func reserve(_ records: Int) {
        for c in columns.indices { columns[c].reserve(records) }
        parts.recordShape.reserve(records)
    }

    /// Adds a field of the current record from the value at the reader; false
    /// when the record has it already (the value is then read and dropped).
    mutating func add(_ column: Int, from reader: inout JSONReader) throws(JSONSyntaxError) -> Bool {
        if present[column] {
            _ = try reader.readValue()
            return false
        }
        present[column] = true
        if orderCount < order.count { order[orderCount] = column } else { order.append(column) }
        orderCount += 1
        try columns[column].append(from: &reader)
        return true
    }

    /// Adds a field of the current record that `append` puts in its column; false when the record has it already.
    mutating func add(_ column: Int, _ append: (inout ColumnBuilder) -> Void) -> Bool {
        guard !present[column] else { return false }
        present[column] = true
        if orderCount < order.count { order[orderCount] = column } else { order.append(column) }
        orderCount += 1
        append(&columns[column])
        return true
    }

    mutating func skipElement() { parts.skipped.append(elements) }

    mutating func endRecord() {
        for c in present.indices {
            if present[c] { present[c] = false } else { columns[c].appendNull() }
        }
        if let last = parts.recordShape.last, orderIs(parts.shapes[Int(last)]) {
            parts.recordShape.append(last)
        } else {
            let shape = Array(order[..<orderCount])
            if let s = shapeIndex[shape] {
                parts.recordShape.append(s)
            } else {
                parts.shapes.append(shape)
                shapeIndex[shape] = Int32(parts.shapes.count - 1)
                parts.recordShape.append(Int32(parts.shapes.count - 1))
            }
        }
        orderCount = 0
        parts.count += 1
    }

    private func orderIs(_ shape: [Int]) -> Bool {
        guard shape.count == orderCount else { return false }
        for i in 0..<orderCount where shape[i] != order[i] { return false }
        return true
    }

    /// Appends the records another builder read (the later part of the same file).
    mutating func append(_ other: TableBuilder) {
        let map = other.parts.columnNames.map { column(named: $0) }
        let start = parts.count
        for (theirs, mine) in map.enumerated() { columns[mine].append(other.columns[theirs]) }
        for c in columns.indices where columns[c].count < start + other.parts.count {
            columns[c].append(ColumnBuilder(nulls: start + other.parts.count - columns[c].count))
        }
        let shapeMap: [Int32] = other.parts.shapes.map { shape in
            let order = shape.map { map[$0] }
            if let s = shapeIndex[order] { return s }
            parts.shapes.append(order)
            shapeIndex[order] = Int32(parts.shapes.count - 1)
            return Int32(parts.shapes.count - 1)
        }
        parts.recordShape.append(other.parts.recordShape, mapped: shapeMap)
        parts.skipped += other.parts.skipped.map { $0 + elements }
        parts.count += other.parts.count
    }

    /// The table read, each column in its final form.
    mutating func finish() -> Parts {
        parts.columns = columns.map { $0.finish() }
        columns = []
        return parts
    }
}
