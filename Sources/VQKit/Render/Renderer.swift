import Foundation

/// Writes a result in one of the output formats.
public struct Renderer {
    public var format: OutputFormat
    /// Table mode shows at most this many rows (0: all) and says how many it left out.
    public var maxRows: Int
    /// The terminal's width: tables are fitted to it (nil: not a terminal).
    public var width: Int?
    public var style: TextStyle

    public init(format: OutputFormat, maxRows: Int = 40, width: Int? = nil, style: TextStyle = .plain) {
        self.format = format
        self.maxRows = maxRows
        self.width = width
        self.style = style
    }

    /// A single value: bare in every format (a number as its raw text).
    public func render(scalar: Value) -> String {
        switch format {
        case .json, .jsonl: JSONWriter.string(ValueText.json(scalar)) + "\n"
        case .table, .markdown, .line: (scalar.isNull ? style.dim("null") : ValueText.plain(scalar)) + "\n"
        case .csv: CSV.field(ValueText.plain(scalar)) + "\n"
        }
    }

    public func render(_ table: ResultTable) -> String {
        switch format {
        case .table: return TableLayout(table: table, maxRows: maxRows, width: width, style: style).text
        case .csv:
            var out = table.columns.map(CSV.field).joined(separator: ",") + "\r\n"
            for row in table.rows { out += row.map { CSV.field(ValueText.plain($0)) }.joined(separator: ",") + "\r\n" }
            return out
        case .json:
            if table.rows.isEmpty { return "[]\n" }
            return "[\n" + table.rows.map { "  " + object(table.columns, $0) }.joined(separator: ",\n") + "\n]\n"
        case .jsonl:
            return table.rows.map { object(table.columns, $0) + "\n" }.joined()
        case .markdown:
            let escape = { (s: String) in s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
            let formats = table.columns.indices.map { ColumnFormat($0, of: table.rows) }
            var out = "| " + table.columns.map(escape).joined(separator: " | ") + " |\n"
            out += "|" + formats.map { $0.numeric ? " ---: |" : " --- |" }.joined() + "\n"
            for row in table.rows { out += "| " + row.indices.map { escape(formats[$0].text(row[$0])) }.joined(separator: " | ") + " |\n" }
            return out
        case .line:
            let width = table.columns.map(TextWidth.of).max() ?? 0
            return table.rows.map { row in
                zip(table.columns, row).map { name, v in
                    String(repeating: " ", count: width - TextWidth.of(name)) + name + " = " + ValueText.display(v)
                }.joined(separator: "\n") + "\n"
            }.joined(separator: "\n")
        }
    }

    private func object(_ columns: [String], _ row: [Value]) -> String {
        JSONWriter.string(.object(JSONObject(Array(zip(columns, row.map(ValueText.json))))))
    }
}

/// RFC 4180 fields: quoted when they hold a comma, quote, or line break.
enum CSV {
    static func field(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }
}
