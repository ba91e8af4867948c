import VQJSON
import VQModel
import VQSupport

/// Checks a table against the schema: required fields, types, enum values,
/// ranges, unique ids and references. Values that fail stay in the table (so
/// nothing is lost) and read as `null` in queries.
public struct Validator {
    let table: Table
    /// A problem and the record it is about (-1: the file as a whole).
    typealias Finding = (row: Int, problem: StoreProblem)
    /// Everything found so far, in the order found (the column cache keeps it).
    var found: [Finding] = []

    init(table: Table) { self.table = table }

    /// What was found, record by record (the checks go field by field).
    var problems: [StoreProblem] { Validator.ordered(found) }

    /// Findings record by record; those of one record in the order found.
    static func ordered(_ found: [Finding]) -> [StoreProblem] {
        found.enumerated().sorted { ($0.element.row, $0.offset) < ($1.element.row, $1.offset) }.map(\.element.problem)
    }

    /// A problem with the file as a whole, listed before those of its records.
    mutating func report(field: String, _ message: String) {
        found.append((-1, StoreProblem(file: table.name.fileName, record: nil, field: field, message: message)))
    }

    private mutating func report(_ row: Int, _ field: String, _ message: String) {
        found.append((row, StoreProblem(file: table.name.fileName, record: table.label(row), field: field, message: message)))
    }

    /// Checks every field of every record, and that ids are unique; returns the
    /// records by id (the first record wins when an id is duplicated). A large
    /// table is checked in two halves at once. The table is only read.
    mutating func checkFields() -> IDIndex {
        let count = table.count
        if count >= 100_000 {
            let shared = SharedTable(table: table)
            let halves = ResultSlots<[(row: Int, problem: StoreProblem)]>(count: 2)
            Parallel.run(2) { i in
                var half = Validator(table: shared.table)
                half.checkFields(in: i == 0 ? 0..<count / 2 : count / 2..<count)
                halves.set(i, half.found)
            }
            found += halves.take().joined()
        } else {
            checkFields(in: 0..<count)
        }
        return checkIDs()
    }

    private mutating func checkFields(in rows: Range<Int>) {
        let spec = table.name.spec
        for field in spec.fields {
            let c = table.column(field.name)!
            func null(_ row: Int) {
                guard !field.optional else { return }
                report(row, field.name, table.has(row, c) ? "expected \(field.type.description), found null (the field is required)"
                                                           : "missing (the field is required)")
            }
            switch table.column(c) {
            case .codes(let distinct, let codes):
                // Each distinct string is checked once.
                let verdicts = distinct.map { Validator.check(.string($0), against: field) }
                for row in rows {
                    let code = codes[row]
                    if code == Column.nullCode { null(row) } else if let message = verdicts[Int(code)] { report(row, field.name, message) }
                }
            case .numbers(let numbers):
                let anyNumber = field.range == nil && field.type == .number
                for row in rows {
                    let n = numbers[row]
                    if n.isNaN {
                        null(row)
                    } else if !anyNumber, let message = Validator.check(.number(JSONNumber(canonical: n)), against: field) {
                        report(row, field.name, message)
                    }
                }
            case let column:
                for row in rows {
                    let value = column[row]
                    if case .null = value { null(row) } else if let message = Validator.check(value, against: field) { report(row, field.name, message) }
                }
            }
        }
    }

    private mutating func checkIDs() -> IDIndex {
        guard table.name.spec.hasID else {
            checkKey()
            return .empty
        }
        // In a large table, ids that ascend are unique and index themselves: a dictionary of a
        // million keys costs more to build than the few lookups such a table gets. Smaller
        // tables, which others refer to and so are looked up often, keep the dictionary.
        if table.count >= 100_000 {
            var ascending: [String] = []
            ascending.reserveCapacity(table.count)
            for row in 0..<table.count {
                guard let id = table.id(row), ascending.last.map({ $0.codePointOrder(id) < 0 }) ?? true else { break }
                ascending.append(id)
            }
            if ascending.count == table.count { return IDIndex(ascending: ascending) }
        }
        var index: [ExactString: Int] = [:]
        index.reserveCapacity(table.count)
        for row in 0..<table.count {
            guard let id = table.id(row) else { continue }
            if let first = index[ExactString(id)] {
                report(row, "id", "duplicate id \"\(id)\" (first used by \(table.label(first)))")
            } else {
                index[ExactString(id)] = row
            }
        }
        return IDIndex(hashed: index)
    }

    /// No two records share the collection's key fields (a rate's pair and day).
    private mutating func checkKey() {
        let key = table.name.spec.key
        guard !key.isEmpty else { return }
        let columns = key.map { table.column(table.column($0)!) }
        var first: [[ExactString]: Int] = [:]
        for row in 0..<table.count {
            let values = columns.map { $0[row] }
            guard !values.contains(.null) else { continue }
            let written = values.map { ExactString(JSONWriter.string($0)) }
            if let earlier = first[written] {
                let shown = zip(key, values).map { "\($0) \(JSONWriter.string($1))" }.joined(separator: ", ")
                report(row, key.last!, "a second record with \(shown) (the first is \(table.label(earlier))); the first is used")
            } else {
                first[written] = row
            }
        }
    }

    /// A table read by the checking threads while no one changes it.
    private struct SharedTable: @unchecked Sendable {
        let table: Table
    }

    /// Nil when `value` fits the field, else what was expected and found.
    public static func check(_ value: JSONValue, against field: FieldSpec) -> String? {
        check(value, type: field.type, range: field.range, aboveLowerBound: field.aboveLowerBound)
    }

    static func check(_ value: JSONValue, type: FieldType, range: ClosedRange<Double>?, aboveLowerBound: Bool = false) -> String? {
        func found() -> String {
            switch value {
            case .string(let s): "found \"\(s)\""
            case .number(let n): "found \(n.text)"
            case .bool(let b): "found \(b)"
            default: "found \(value.typeName)"
            }
        }
        switch (type, value) {
        case (.string, .string), (.ref, .string), (.bool, .bool):
            return nil
        case (.number, .number(let n)), (.int, .number(let n)):
            if case .int = type, n.value != n.value.rounded() { return "expected a whole number, \(found())" }
            if let range, !range.contains(n.value) || (aboveLowerBound && n.value == range.lowerBound) {
                let lo = JSONNumber.canonicalText(range.lowerBound)
                if aboveLowerBound, range.upperBound == .infinity { return "expected a number above \(lo), \(found())" }
                let hi = range.upperBound == .infinity ? "" : " to \(JSONNumber.canonicalText(range.upperBound))"
                return "expected a number from \(lo)\(hi), \(found())"
            }
            return nil
        case (.date, .string(let s)):
            return Dates.parseDate(s) == nil ? "expected a date (YYYY-MM-DD), \(found())" : nil
        case (.month, .string(let s)):
            return Dates.parseMonth(s) == nil ? "expected a month (YYYY-MM), \(found())" : nil
        case (.currency, .string(let s)):
            if Currency.isCode(s) { return nil }
            var message = "expected an ISO 4217 currency code, \(found())"
            if let near = Suggest.closest(to: s.uppercased(), in: Currency.codes) { message += " (did you mean \"\(near)\"?)" }
            return message
        case (.oneOf(let allowed), .string(let s)):
            if allowed.containsExactly(s) { return nil }
            var message = "expected one of \(allowed.joined(separator: ", ")), \(found())"
            if let near = Suggest.closest(to: s, in: allowed) { message += " (did you mean \"\(near)\"?)" }
            return message
        case (.list(let element), .array(let items)):
            for (i, item) in items.enumerated() {
                if let m = check(item, type: element, range: nil) { return "item \(i + 1): \(m)" }
            }
            return nil
        default:
            return "expected \(type.description), \(found())"
        }
    }

    /// Resolves a reference field to row numbers in the target table, reporting dangling ones.
    mutating func resolve(field: String, in target: Table?) -> [Int32] {
        let c = table.column(field)!
        var rows = [Int32](repeating: -1, count: table.count)
        guard let target else { return rows }
        // Each distinct id of a string column is looked up once.
        if case .codes(let distinct, let codes) = table.column(c) {
            let found = distinct.map { target.row(id: $0).map(Int32.init) ?? -1 }
            for row in 0..<table.count where codes[row] != Column.nullCode {
                rows[row] = found[Int(codes[row])]
                if rows[row] < 0 { report(row, field, "no \(target.name.rawValue) record has id \"\(distinct[Int(codes[row])])\"") }
            }
            return rows
        }
        let column = table.columns[c]
        // Runs of records naming the same target are common (measurements of one kpi).
        var lastID = ""
        var lastRow: Int32 = -1
        // An ASCII id equals another exactly when `==` says so and their lengths
        // match: a character equivalent to an ASCII one (K and the Kelvin sign)
        // takes more bytes. That keeps a million comparisons at String's speed.
        var lastIsASCII = false
        for row in 0..<table.count {
            guard case .string(let id) = column[row] else { continue }
            if lastRow >= 0, id.utf8.count == lastID.utf8.count, lastIsASCII ? id == lastID : id.sameCodePoints(as: lastID) {
                rows[row] = lastRow
                continue
            }
            if let t = target.row(id: id) {
                lastID = id
                lastIsASCII = id.utf8.allSatisfy { $0 < 0x80 }
                lastRow = Int32(t)
                rows[row] = lastRow
            } else {
                report(row, field, "no \(target.name.rawValue) record has id \"\(id)\"")
            }
        }
        return rows
    }
}
