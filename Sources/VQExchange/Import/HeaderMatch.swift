import VQEngine
import VQModel
import VQSupport

/// Which field each column of a file gives (SPEC §6): by name, ignoring case,
/// spaces, `-` and `_`, or by a `map "Header" as field` (`as _` leaves a column out).
enum HeaderMatch {
    /// A name as matched: `On-Time Rate` and `on_time_rate` are one.
    static func normalized(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { !$0.properties.isWhitespace && $0 != "-" && $0 != "_" }.map(Character.init))
    }

    /// Each column's field (nil: left out), or every problem of the header at once.
    static func fields(of sheet: Sheet, into collection: CollectionName, mappings: [ImportMapping], updating: Bool) throws(ImportError) -> [FieldSpec?] {
        let spec = collection.spec
        var problems: [String] = []
        var mapped: [Int: String] = [:]
        var misMapped = Set<Int>()
        for m in mappings {
            let column = sheet.headers.firstIndex(of: m.header)
                ?? sheet.headers.firstIndex { normalized($0) == normalized(m.header) }
            guard let column else {
                var p = "map \"\(m.header)\": \(sheet.file) has no column \"\(m.header)\""
                if let near = Suggest.closest(to: m.header, in: sheet.headers.filter { !$0.isEmpty }) { p += " — did you mean \"\(near)\"?" }
                problems.append(p)
                continue
            }
            if m.field != "_", spec.field(m.field) == nil {
                misMapped.insert(column)
                if DerivedField.named(m.field, on: collection) != nil {
                    problems.append("map \"\(m.header)\" as \(m.field): '\(m.field)' is a derived field of \(collection.rawValue): it is computed, not stored")
                } else {
                    var p = "map \"\(m.header)\" as \(m.field): unknown field '\(m.field)' on \(collection.rawValue)"
                    if let near = Suggest.closest(to: m.field, in: spec.fields.map(\.name)) { p += " — did you mean '\(near)'?" }
                    problems.append(p)
                }
                continue
            }
            mapped[column] = m.field
        }
        var fields: [FieldSpec?] = []
        var given: [String: Int] = [:]
        let byName = Dictionary(spec.fields.map { (normalized($0.name), $0) }, uniquingKeysWith: { a, _ in a })
        for (column, header) in sheet.headers.enumerated() {
            let letter = Sheet.columnName(column)
            if let name = mapped[column] {
                fields.append(name == "_" ? nil : spec.field(name))
            } else if misMapped.contains(column) {
                fields.append(nil)
            } else if header.trimmed.isEmpty {
                // A column without a header is left out when it holds nothing.
                if let row = (0..<sheet.rowCount).first(where: { sheet.cell($0, column) != .empty }) {
                    problems.append("column \(letter) has no header but holds values (\(sheet.place(row: row, column: column)))")
                }
                fields.append(nil)
            } else if let field = byName[normalized(header)] {
                fields.append(field)
            } else {
                var p = "column \"\(header)\" (\(letter)) matches no field of \(collection.rawValue)"
                if let near = Suggest.closest(to: header, in: spec.fields.map(\.name)) { p += " — did you mean '\(near)'?" }
                p += "; map it: map \"\(header)\" as FIELD, or as _ to leave it out"
                problems.append(p)
                fields.append(nil)
            }
            if let field = fields.last!, let other = given.updateValue(column, forKey: field.name) {
                problems.append("columns \"\(sheet.headers[other])\" (\(Sheet.columnName(other))) and \"\(header)\" (\(letter)) both give field \(field.name)")
            }
        }
        // Without a column, a required field is missing from every new record; an update needs only what names the record.
        let needed = updating ? spec.fields.filter { spec.identity.contains($0.name) } : spec.fields.filter { !$0.optional }
        for field in needed where given[field.name] == nil {
            problems.append("no column gives the required field '\(field.name)' (\(field.type.description))")
        }
        if !problems.isEmpty {
            throw ImportError(problems.count == 1 ? problems[0] : "the columns of \(sheet.file) do not fit \(collection.rawValue):\n  "
                              + problems.joined(separator: "\n  "),
                              hint: "fields of \(collection.rawValue): " + spec.fields.map(\.name).joined(separator: ", "))
        }
        return fields
    }
}

/// One `map` item of an import: the header as written, and the field it gives (`_`: none).
public struct ImportMapping: Sendable {
    public var header: String
    public var field: String
    public init(header: String, field: String) {
        self.header = header
        self.field = field
    }
}
