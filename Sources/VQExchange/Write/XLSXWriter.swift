import Foundation
import VQEngine
import VQJSON
import VQModel
import VQSupport
import ZIPFoundation

/// A workbook of results (SPEC §6), one sheet each: a bold header row that
/// stays in view, numbers as numbers, dates and months as dates, money with its
/// currency's number format, and everything else as text: a value that starts
/// with `=` is text, and it stays text when edited (a quote prefix). Columns are
/// as wide as what they hold.
public struct XLSXWriter {
    private var sheets: [(name: String, xml: [UInt8])] = []
    /// Money formats in use, in order: each is a number format and a cell style.
    private var currencies: [Currency] = []

    public init() {}

    public var isEmpty: Bool { sheets.isEmpty }

    /// Adds a sheet; `name` is made a valid, unused sheet name. A value a cell cannot
    /// hold whole (text over 32,767 characters) is refused, never cut.
    public mutating func add(_ table: ResultTable, name: String) throws(ExportError) {
        let sheet = sheetName(name)
        sheets.append((sheet, try sheetXML(table, sheet: sheet)))
    }

    /// The most characters (UTF-16 units) a spreadsheet cell holds.
    static let cellLimit = 32_767

    // Cell styles, by their place in styles.xml's cellXfs.
    private static let headerStyle = 1, dateStyle = 2, monthStyle = 3, quotedTextStyle = 4, firstMoneyStyle = 5

    private mutating func moneyStyle(_ c: Currency) -> Int {
        if let i = currencies.firstIndex(of: c) { return XLSXWriter.firstMoneyStyle + i }
        currencies.append(c)
        return XLSXWriter.firstMoneyStyle + currencies.count - 1
    }

    /// Sheet names are at most 31 characters, without `[]:*?/\`, and unique ignoring case.
    private func sheetName(_ wanted: String) -> String {
        var base = String(wanted.map { "[]:*?/\\".contains($0) ? "_" : $0 }.prefix(31))
        if base.trimmingCharacters(in: .whitespaces).isEmpty { base = "Result" }
        var name = base
        var n = 2
        while sheets.contains(where: { $0.name.lowercased() == name.lowercased() }) {
            let suffix = " (\(n))"
            name = String(base.prefix(31 - suffix.count)) + suffix
            n += 1
        }
        return name
    }

    private mutating func sheetXML(_ table: ResultTable, sheet: String) throws(ExportError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + table.rows.count * table.columns.count * 24)
        // Widths in characters, from the header and the cells' text (East Asian wide characters count two).
        var widths = table.columns.map { TextWidth.of($0) + 2 }
        for row in table.rows.prefix(10_000) {
            for (c, v) in row.enumerated() where c < widths.count {
                let w: Int
                switch v {
                case .money(let m): w = ValueText.display(m.amount, grouped: true, decimals: m.currency.minorUnits).count + 4
                case .date, .month: w = 10
                case .number(let d): w = ValueText.display(d, grouped: true).count
                default: w = TextWidth.of(ValueText.plain(v))
                }
                widths[c] = max(widths[c], w + 1)
            }
        }
        let lastColumn = Sheet.columnName(max(table.columns.count - 1, 0))
        out += Array("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <dimension ref="A1:\(lastColumn)\(table.rows.count + 1)"/>\
            <sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>\
            <selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>\
            <sheetFormatPr defaultRowHeight="15"/><cols>
            """.utf8)
        for (c, w) in widths.enumerated() {
            out += Array("<col min=\"\(c + 1)\" max=\"\(c + 1)\" width=\"\(min(max(w, 6), 80))\" customWidth=\"1\"/>".utf8)
        }
        out += Array("</cols><sheetData>".utf8)
        let letters = (0..<table.columns.count).map { Array(Sheet.columnName($0).utf8) }
        out += Array("<row r=\"1\">".utf8)
        for (c, name) in table.columns.enumerated() { try text(name, letters[c], 1, style: XLSXWriter.headerStyle, sheet: sheet, &out) }
        out += Array("</row>".utf8)
        for (r, row) in table.rows.enumerated() {
            let number = r + 2
            out += Array("<row r=\"\(number)\">".utf8)
            for (c, v) in row.enumerated() where c < letters.count { try cell(v, letters[c], number, sheet: sheet, &out) }
            out += Array("</row>".utf8)
        }
        out += Array("</sheetData></worksheet>".utf8)
        return out
    }

    private mutating func cell(_ v: Value, _ column: [UInt8], _ row: Int, sheet: String, _ out: inout [UInt8]) throws(ExportError) {
        func open(_ style: Int, _ type: String?) {
            out += Array("<c r=\"".utf8)
            out += column
            out += Array("\(row)\"".utf8)
            if style != 0 { out += Array(" s=\"\(style)\"".utf8) }
            if let type { out += Array(" t=\"\(type)\"".utf8) }
            out += Array(">".utf8)
        }
        func number(_ d: Double, style: Int) throws(ExportError) {
            guard d.isFinite else { return try text(d.isNaN ? "NaN" : d < 0 ? "-∞" : "∞", column, row, style: 0, sheet: sheet, &out) }
            open(style, nil)
            out += Array("<v>\(JSONNumber.canonicalText(d))</v></c>".utf8)
        }
        switch v {
        case .null: return
        case .bool(let b): open(0, "b"); out += Array("<v>\(b ? 1 : 0)</v></c>".utf8)
        case .number(let d): try number(d, style: 0)
        case .money(let m): try number(m.amount, style: moneyStyle(m.currency))
        // Serial days: 25569 is 1970-01-01 in the 1900 date system.
        case .date(let day): try number(Double(day + 25569), style: XLSXWriter.dateStyle)
        case .month(let m): try number(Double(Dates.firstDay(ofMonth: m) + 25569), style: XLSXWriter.monthStyle)
        default: try text(ValueText.plain(v), column, row, style: 0, sheet: sheet, &out)
        }
    }

    /// An inline string; one that a spreadsheet would take for a formula gets a quote prefix.
    private func text(_ s: String, _ column: [UInt8], _ row: Int, style: Int, sheet: String, _ out: inout [UInt8]) throws(ExportError) {
        let length = s.utf16.count
        if length > XLSXWriter.cellLimit {
            throw ExportError("cell \(String(decoding: column, as: UTF8.self))\(row) of sheet \"\(sheet)\" would hold "
                              + "\(ValueText.count(length)) characters, and a spreadsheet cell holds at most \(ValueText.count(XLSXWriter.cellLimit)); "
                              + "nothing was cut: write this result as csv or json")
        }
        let formulaLike = s.first.map { "=+-@".contains($0) } ?? false
        let chosen = style == 0 && formulaLike ? XLSXWriter.quotedTextStyle : style
        out += Array("<c r=\"".utf8)
        out += column
        out += Array("\(row)\"".utf8)
        if chosen != 0 { out += Array(" s=\"\(chosen)\"".utf8) }
        out += Array(" t=\"inlineStr\"><is><t xml:space=\"preserve\">".utf8)
        XLSXWriter.escape(s, into: &out)
        out += Array("</t></is></c>".utf8)
    }

    /// XML text, with the characters XML 1.0 cannot hold (controls, lone surrogates
    /// cannot occur in a Swift string) written as Office's `_xHHHH_` escapes, and a
    /// literal `_x` that would read as one escaped itself, so every value comes back whole.
    static func escape(_ s: String, into out: inout [UInt8]) {
        let bytes = Array(s.utf8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "&"): out += Array("&amp;".utf8)
            case UInt8(ascii: "<"): out += Array("&lt;".utf8)
            case UInt8(ascii: ">"): out += Array("&gt;".utf8)
            case UInt8(ascii: "\r"): out += Array("&#13;".utf8)
            case UInt8(ascii: "_") where i + 6 < bytes.count && bytes[i + 1] == UInt8(ascii: "x") && bytes[i + 6] == UInt8(ascii: "_")
                && bytes[(i + 2)...(i + 5)].allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }):
                out += Array("_x005F_".utf8)
            case 0x09, 0x0A: out.append(b)
            case 0..<0x20, 0x7F: out += Array(String(format: "_x%04X_", Int(b)).utf8)
            default: out.append(b)
            }
            i += 1
        }
    }

    /// The number format of an amount in `c`: grouped, with its minor unit's decimals and its code.
    static func moneyFormat(_ c: Currency) -> String {
        "#,##0" + (c.minorUnits > 0 ? "." + String(repeating: "0", count: c.minorUnits) : "") + " &quot;\(c.code)&quot;"
    }

    private var stylesXML: String {
        let money = currencies.enumerated().map { i, c in
            "<numFmt numFmtId=\"\(166 + i)\" formatCode=\"\(XLSXWriter.moneyFormat(c))\"/>"
        }.joined()
        let moneyXfs = currencies.indices.map { i in
            "<xf numFmtId=\"\(166 + i)\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        }.joined()
        return """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
            <numFmts count="\(2 + currencies.count)"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>\
            <numFmt numFmtId="165" formatCode="yyyy\\-mm"/>\(money)</numFmts>\
            <fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
            <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
            <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
            <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
            <cellXfs count="\(5 + currencies.count)"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
            <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
            <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
            <xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
            <xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/>\(moneyXfs)</cellXfs>\
            <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>
            """
    }

    /// The parts of the package, as a spreadsheet program expects them.
    private var parts: [(path: String, data: [UInt8])] {
        let sheetList = sheets.indices.map { i in
            "<sheet name=\"\(XLSXWriter.attribute(sheets[i].name))\" sheetId=\"\(i + 1)\" r:id=\"rId\(i + 1)\"/>"
        }.joined()
        let sheetRels = sheets.indices.map { i in
            "<Relationship Id=\"rId\(i + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\(i + 1).xml\"/>"
        }.joined()
        let overrides = sheets.indices.map { i in
            "<Override PartName=\"/xl/worksheets/sheet\(i + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }.joined()
        var out: [(String, [UInt8])] = [
            ("[Content_Types].xml", Array("""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
                <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
                <Default Extension="xml" ContentType="application/xml"/>\
                <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
                <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
                \(overrides)</Types>
                """.utf8)),
            ("_rels/.rels", Array("""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
                </Relationships>
                """.utf8)),
            ("xl/workbook.xml", Array("""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
                xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
                <bookViews><workbookView/></bookViews><sheets>\(sheetList)</sheets></workbook>
                """.utf8)),
            ("xl/_rels/workbook.xml.rels", Array("""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\(sheetRels)\
                <Relationship Id="rId\(sheets.count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
                </Relationships>
                """.utf8)),
            ("xl/styles.xml", Array(stylesXML.utf8)),
        ]
        for (i, sheet) in sheets.enumerated() { out.append(("xl/worksheets/sheet\(i + 1).xml", sheet.xml)) }
        return out
    }

    static func attribute(_ s: String) -> String {
        var out: [UInt8] = []
        escape(s, into: &out)
        return String(decoding: out, as: UTF8.self).replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Writes the workbook to `path`: to a temporary file beside it, then renamed into place.
    public func write(to path: String) throws(ExportError) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        try? FileManager.default.removeItem(at: temporary)
        do {
            let archive = try Archive(url: temporary, accessMode: .create)
            for (name, data) in parts {
                try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                    Data(data[Int(position)..<Int(position) + size])
                }
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw ExportError("cannot write \(path): \(error.localizedDescription)")
        }
        guard rename(temporary.path, path) == 0 else {
            let why = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ExportError("cannot write \(path): \(why)")
        }
    }
}

/// Why a workbook could not be written.
public struct ExportError: Error, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
