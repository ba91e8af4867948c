import Foundation
import VQEngine
import VQJSON
import VQModel
import VQSupport

/// Writes a result in one of the output formats.
public struct Renderer {
    public var format: OutputFormat
    /// Table mode shows at most this many rows (0: all) and says how many it left out.
    public var maxRows: Int
    /// The terminal's width: tables are fitted to it (nil: not a terminal).
    public var width: Int?
    public var style: TextStyle
    /// Whether table mode shows one record per block (`.expanded`).
    public var expanded: ExpandedMode

    public init(format: OutputFormat, maxRows: Int = 40, width: Int? = nil, style: TextStyle = .plain, expanded: ExpandedMode = .off) {
        self.format = format
        self.maxRows = maxRows
        self.width = width
        self.style = style
        self.expanded = expanded
    }

    /// A single value: bare in every format (a number as its raw text).
    public func render(scalar: Value) -> String {
        switch format {
        case .json, .jsonl:
            if case .money(let m) = scalar {
                JSONWriter.string(.object(JSONObject([("amount", ValueText.json(scalar)), ("currency", .string(m.currency.code))]))) + "\n"
            } else {
                JSONWriter.string(ValueText.json(scalar)) + "\n"
            }
        case .table, .line:
            (scalar.isNull ? style.dim("null") : TerminalText.visible(scalar.number.map { $0.isFinite ? ValueText.raw($0) : ValueText.display($0) }
                ?? ValueText.display(scalar))) + "\n"
        case .markdown: Markdown.cell(ValueText.display(scalar)) + "\n"
        case .csv:
            if case .money(let m) = scalar {
                CSV.field(ValueText.plain(scalar)) + "," + m.currency.code + "\r\n"
            } else {
                CSV.field(ValueText.plain(scalar)) + "\r\n"
            }
        }
    }

    public func render(_ table: ResultTable) -> String {
        var out = ""
        render(table) { out += $0 }
        return out
    }

    /// Writes `table` in pieces of about 64 KB, so that exporting a million rows
    /// never holds the whole text in memory.
    public func render(_ table: ResultTable, to write: (String) -> Void) {
        // Machines get each amount as a plain number and its currency beside it.
        let table = [.csv, .json, .jsonl].contains(format) ? Renderer.currencyColumns(table) : table
        var out = ""
        func flush(_ force: Bool = false) {
            if force || out.utf8.count >= 1 << 16 {
                if !out.isEmpty { write(out) }
                out = ""
            }
        }
        defer { flush(true) }
        switch format {
        case .table: out = TableLayout(table: table, maxRows: maxRows, width: width, style: style, expanded: expanded).text
        case .csv:
            out = table.columns.map(CSV.field).joined(separator: ",") + "\r\n"
            for row in table.rows {
                for (i, value) in row.enumerated() {
                    if i > 0 { out += "," }
                    CSV.append(ValueText.plain(value), to: &out)
                }
                out += "\r\n"
                flush()
            }
        case .json:
            if table.rows.isEmpty { out = "[]\n"; return }
            let keys = Renderer.keys(table.columns)
            out = "[\n"
            for (i, row) in table.rows.enumerated() {
                out += "  "
                Renderer.object(keys, row, into: &out)
                out += i == table.rows.count - 1 ? "\n]\n" : ",\n"
                flush()
            }
        case .jsonl:
            let keys = Renderer.keys(table.columns)
            for row in table.rows {
                Renderer.object(keys, row, into: &out)
                out += "\n"
                flush()
            }
        case .markdown:
            let formats = table.columns.indices.map { ColumnFormat($0, of: table.rows) }
            out = "| " + table.columns.indices.map { Markdown.cell(formats[$0].header(table.columns[$0])) }.joined(separator: " | ") + " |\n"
            out += "|" + formats.map { $0.numeric ? " ---: |" : " --- |" }.joined() + "\n"
            for row in table.rows {
                out += "| " + row.indices.map { Markdown.cell(formats[$0].text(row[$0])) }.joined(separator: " | ") + " |\n"
                flush()
            }
        case .line:
            let names = table.columns.map { TerminalText.visible($0) }
            let width = names.map(TextWidth.of).max() ?? 0
            for (i, row) in table.rows.enumerated() {
                if i > 0 { out += "\n" }
                for (name, v) in zip(names, row) {
                    out += String(repeating: " ", count: width - TextWidth.of(name)) + name + " = " + TerminalText.visible(ValueText.display(v)) + "\n"
                }
                flush()
            }
        }
    }

    /// `table` with a `<column>_currency` column after each column that holds money (SPEC §5).
    static func currencyColumns(_ table: ResultTable) -> ResultTable {
        let money = table.columns.indices.filter { c in table.rows.contains { if case .money = $0[c] { true } else { false } } }
        guard !money.isEmpty else { return table }
        var columns: [String] = []
        for (c, name) in table.columns.enumerated() {
            columns.append(name)
            if money.contains(c) { columns.append(name + "_currency") }
        }
        let rows = table.rows.map { row in
            var out: [Value] = []
            out.reserveCapacity(columns.count)
            for (c, v) in row.enumerated() {
                out.append(v)
                guard money.contains(c) else { continue }
                if case .money(let m) = v { out.append(.string(m.currency.code)) } else { out.append(.null) }
            }
            return out
        }
        return ResultTable(columns: columns, rows: rows)
    }

    /// Each column's `"name": `, written once for all the rows.
    private static func keys(_ columns: [String]) -> [String] {
        columns.map { name in
            var key = ""
            JSONWriter.writeString(name, into: &key)
            return key + ": "
        }
    }

    /// A row as a JSON object, as `JSONWriter` writes one on a line.
    private static func object(_ keys: [String], _ row: [Value], into out: inout String) {
        out += "{"
        for (i, value) in row.enumerated() {
            if i > 0 { out += ", " }
            out += keys[i]
            JSONWriter.write(ValueText.json(value), into: &out)
        }
        out += "}"
    }
}

/// GFM table cells: the text as it reads, never as markup. Markdown's
/// punctuation is escaped with a backslash (the backslash itself first, so
/// `a\|b` keeps it), and a line break, which would end the row, becomes `<br>`.
enum Markdown {
    static func cell(_ s: String) -> String {
        guard s.utf8.contains(where: { special.contains($0) }) else { return s }
        var out = ""
        var previousCR = false
        for scalar in s.unicodeScalars {
            defer { previousCR = scalar == "\r" }
            if scalar == "\n" {
                if !previousCR { out += "<br>" }
            } else if scalar == "\r" {
                out += "<br>"
            } else {
                if scalar.isASCII, special.contains(UInt8(scalar.value)) { out += "\\" }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Characters that start markup in a GFM cell (emphasis, code, HTML, links,
    /// entities, strikethrough, the cell delimiter), and line breaks.
    private static let special: Set<UInt8> = Set("\\|*_`<>[]~&#".utf8).union([0x0A, 0x0D])
}

/// RFC 4180 fields: quoted when they hold a comma, quote, or line break.
enum CSV {
    static func field(_ s: String) -> String {
        var out = ""
        append(s, to: &out)
        return out
    }

    /// Appends `s` as a field: written straight into the row, as an export writes millions.
    static func append(_ s: String, to out: inout String) {
        guard needsQuotes(s) else { out += s; return }
        out += "\""
        out += s.replacingOccurrences(of: "\"", with: "\"\"")
        out += "\""
    }

    /// Bytes, not Characters: a comma, quote or line break.
    private static func needsQuotes(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { bytes in
            for b in bytes where b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == 0x0A || b == 0x0D { return true }
            return false
        }
    }
}
