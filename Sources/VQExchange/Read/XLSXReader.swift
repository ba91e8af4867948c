import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import VQJSON
import ZIPFoundation

/// Office Open XML workbooks (`.xlsx`): a zip of XML parts. The workbook part
/// lists the sheets, its relationships name each sheet's part, shared strings
/// hold the text cells refer to by number, and styles say which numbers are
/// shown as dates.
enum XLSXReader {
    static func read(_ url: URL, file: String, sheet wanted: String?) throws(ImportError) -> Sheet {
        let workbook = try Workbook(url, file: file)
        guard let first = workbook.sheets.first else { throw ImportError("\(file) has no sheets") }
        var chosen = first
        if let wanted {
            guard let named = workbook.sheets.first(where: { $0.name == wanted })
                    ?? workbook.sheets.first(where: { $0.name.lowercased() == wanted.lowercased() }) else {
                throw ImportError("\(file) has no sheet \"\(wanted)\"",
                                  hint: "its sheets: " + workbook.sheets.map { "\"\($0.name)\"" }.joined(separator: ", "))
            }
            chosen = named
        }
        var strings: [String] = []
        if let part = try workbook.part("xl/sharedStrings.xml", required: false) {
            strings = try parse(part, SharedStrings(), file: file, part: "xl/sharedStrings.xml").strings
        }
        var dateStyles = Set<Int>()
        if let part = try workbook.part("xl/styles.xml", required: false) { dateStyles = try parse(part, Styles(), file: file, part: "xl/styles.xml").dateStyles }
        guard let data = try workbook.part(chosen.path, required: true) else { preconditionFailure("a required part") }
        let cells = try parse(data, SheetCells(strings: strings, dateStyles: dateStyles, date1904: workbook.date1904), file: file, part: chosen.path)
        if let problem = cells.problem { throw ImportError("\(file), sheet \"\(chosen.name)\": \(problem)") }
        return cells.sheet(file: file, name: chosen.name)
    }

    /// Text with Office's `_xHHHH_` escapes (characters XML cannot hold; `_x005F_` is `_`) read back.
    static func unescaped(_ s: String) -> String {
        guard s.contains("_x") else { return s }
        var out = ""
        var rest = Substring(s)
        while let r = rest.range(of: "_x") {
            out += rest[..<r.lowerBound]
            let hex = rest[r.upperBound...].prefix(5)
            if hex.count == 5, hex.last == "_", let code = UInt32(hex.dropLast(), radix: 16), let scalar = Unicode.Scalar(code) {
                out.unicodeScalars.append(scalar)
                rest = rest[rest.index(r.upperBound, offsetBy: 5)...]
            } else {
                out += "_x"
                rest = rest[r.upperBound...]
            }
        }
        return out + rest
    }

    /// The names of a workbook's sheets, in order (for Tab completion); none if it cannot be read.
    public static func sheetNames(_ url: URL) -> [String] {
        ((try? Workbook(url, file: url.lastPathComponent))?.sheets ?? []).map(\.name)
    }

    /// The archive, its sheets (name and part path) and its date system.
    struct Workbook {
        let archive: Archive
        let file: String
        var sheets: [(name: String, path: String)] = []
        var date1904 = false

        init(_ url: URL, file: String) throws(ImportError) {
            self.file = file
            do { archive = try Archive(url: url, accessMode: .read) } catch {
                throw ImportError("\(file) is not an xlsx workbook (it cannot be read as a zip archive)",
                                  hint: "an .xls file from old Excel must be saved as .xlsx first")
            }
            guard let workbookXML = try part("xl/workbook.xml", required: true) else { preconditionFailure("a required part") }
            let book = try XLSXReader.parse(workbookXML, WorkbookPart(), file: file, part: "xl/workbook.xml")
            var targets: [String: String] = [:]
            if let rels = try part("xl/_rels/workbook.xml.rels", required: false) { targets = try XLSXReader.parse(rels, Relationships(), file: file, part: "xl/_rels/workbook.xml.rels").targets }
            date1904 = book.date1904
            for (name, id) in book.sheets {
                guard let target = targets[id] else { continue }
                sheets.append((name, target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target))
            }
        }

        func part(_ path: String, required: Bool) throws(ImportError) -> Data? {
            guard let entry = archive[path] else {
                if required { throw ImportError("\(file) is not an xlsx workbook: it has no \(path)") }
                return nil
            }
            var data = Data()
            do { _ = try archive.extract(entry) { data.append($0) } } catch {
                throw ImportError("\(file): \(path) cannot be unpacked (\(error.localizedDescription))")
            }
            return data
        }
    }

    /// Runs one SAX pass of `delegate` over a part. The part is given as a stream, so
    /// that it reaches libxml2 in pieces: a sheet's XML of over 10 MB in one piece is refused.
    static func parse<D: PartReader>(_ data: Data, _ delegate: D, file: String, part: String) throws(ImportError) -> D {
        let parser = XMLParser(stream: InputStream(data: data))
        parser.delegate = delegate
        // A document that ends before its elements close still "parses": the error says so.
        guard parser.parse(), parser.parserError == nil else {
            let code = (parser.parserError as NSError?)?.code ?? 0
            throw ImportError("\(file) is not a workbook that can be read: its \(part) is not well-formed XML "
                              + "(libxml2 error \(code) at line \(parser.lineNumber), column \(parser.columnNumber))",
                              hint: "open it in a spreadsheet program and save it again as .xlsx")
        }
        return delegate
    }
}

/// A delegate that reads one part; element names come without their namespace prefix.
class PartReader: NSObject, XMLParserDelegate {
    func start(_ name: Substring, _ attributes: [String: String]) {}
    func end(_ name: Substring) {}
    func text(_ string: String) {}

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        start(PartReader.local(elementName), attributes)
    }
    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        end(PartReader.local(elementName))
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text(string) }

    static func local(_ name: String) -> Substring {
        name.lastIndex(of: ":").map { name[name.index(after: $0)...] } ?? name[...]
    }
    /// An attribute by local name (`r:id` is `id`).
    static func attribute(_ attributes: [String: String], _ name: String) -> String? {
        attributes[name] ?? attributes.first { local($0.key) == name }?.value
    }
}

final class WorkbookPart: PartReader {
    var sheets: [(name: String, id: String)] = []
    var date1904 = false
    override func start(_ name: Substring, _ attributes: [String: String]) {
        if name == "sheet", let sheet = attributes["name"], let id = PartReader.attribute(attributes, "id") {
            sheets.append((sheet, id))
        } else if name == "workbookPr", let value = attributes["date1904"] {
            date1904 = value == "1" || value == "true"
        }
    }
}

final class Relationships: PartReader {
    var targets: [String: String] = [:]
    override func start(_ name: Substring, _ attributes: [String: String]) {
        if name == "Relationship", let id = attributes["Id"], let target = attributes["Target"] { targets[id] = target }
    }
}

/// `<si>` items: plain `<t>` or rich runs `<r><t>…</t></r>`; phonetic guides (`<rPh>`) are not the text.
final class SharedStrings: PartReader {
    var strings: [String] = []
    private var current = ""
    private var inText = false
    private var inPhonetic = false
    override func start(_ name: Substring, _ attributes: [String: String]) {
        switch name {
        case "si": current = ""
        case "t": inText = !inPhonetic
        case "rPh": inPhonetic = true
        default: break
        }
    }
    override func end(_ name: Substring) {
        switch name {
        case "si": strings.append(XLSXReader.unescaped(current))
        case "t": inText = false
        case "rPh": inPhonetic = false
        default: break
        }
    }
    override func text(_ string: String) { if inText { current += string } }
}

/// Which cell styles (`s` numbers) show a number as a date or time.
final class Styles: PartReader {
    var dateStyles = Set<Int>()
    private var customDates = Set<Int>()
    private var inCellXfs = false
    private var index = 0
    override func start(_ name: Substring, _ attributes: [String: String]) {
        switch name {
        case "numFmt":
            if let id = attributes["numFmtId"].flatMap(Int.init), let code = attributes["formatCode"], Styles.isDate(code) {
                customDates.insert(id)
            }
        case "cellXfs": inCellXfs = true
        case "xf" where inCellXfs:
            if let id = attributes["numFmtId"].flatMap(Int.init), Styles.builtInDates.contains(id) || customDates.contains(id) {
                dateStyles.insert(index)
            }
            index += 1
        default: break
        }
    }
    override func end(_ name: Substring) { if name == "cellXfs" { inCellXfs = false } }

    /// Excel's built-in date and time formats, with those of its East Asian locales.
    static let builtInDates: Set<Int> = Set(14...22).union(27...36).union(45...47).union(50...58)

    /// A format shows a date when, outside quoted text, escapes and `[…]` codes, it has a day or year part, or months without time.
    static func isDate(_ code: String) -> Bool {
        var plain = ""
        var quoted = false, bracket = false, escaped = false
        for c in code {
            if escaped { escaped = false; continue }
            switch c {
            case "\\": escaped = true
            case "\"": quoted.toggle()
            case "[" where !quoted: bracket = true
            case "]" where !quoted: bracket = false
            default: if !quoted && !bracket { plain.append(c) }
            }
        }
        let lower = plain.lowercased().split(separator: ";").first.map(String.init) ?? ""
        if lower.contains("y") || lower.contains("d") { return true }
        return lower.contains("m") && !lower.contains("h") && !lower.contains("s") && !lower.contains("0") && !lower.contains("#")
    }
}

/// A worksheet's cells: `<row r="17"><c r="C17" t="s" s="2"><v>…</v></c></row>`.
final class SheetCells: PartReader {
    let strings: [String]
    let dateStyles: Set<Int>
    let date1904: Bool
    private(set) var rows: [(number: Int, cells: [(column: Int, cell: Cell)])] = []
    private(set) var problem: String?
    private var row: [(column: Int, cell: Cell)] = []
    private var rowNumber = 0
    private var column = 0
    private var type = "n"
    private var style = 0
    private var reference = ""
    private var value = ""
    private var collecting = false
    private var inInline = false

    init(strings: [String], dateStyles: Set<Int>, date1904: Bool) {
        self.strings = strings
        self.dateStyles = dateStyles
        self.date1904 = date1904
    }

    override func start(_ name: Substring, _ attributes: [String: String]) {
        switch name {
        case "row":
            rowNumber = attributes["r"].flatMap(Int.init) ?? rowNumber + 1
            row = []
            column = 0
        case "c":
            reference = attributes["r"] ?? ""
            if let letters = Sheet.columnIndex(reference.utf8.prefix { $0 > 0x39 }) { column = letters }
            type = attributes["t"] ?? "n"
            style = attributes["s"].flatMap(Int.init) ?? 0
            value = ""
        case "v": collecting = true; value = ""
        case "is": inInline = true; value = ""
        case "t" where inInline: collecting = true
        default: break
        }
    }

    override func end(_ name: Substring) {
        switch name {
        case "v", "t": collecting = false
        case "is": inInline = false
        case "c":
            if let cell = cell() { row.append((column, cell)) }
            column += 1
        case "row":
            if row.contains(where: { $0.cell != .empty }) { rows.append((rowNumber, row)) }
        default: break
        }
    }

    override func text(_ string: String) { if collecting { value += string } }

    private func cell() -> Cell? {
        switch type {
        case "s":
            guard let i = Int(value), strings.indices.contains(i) else {
                if problem == nil { problem = "cell \(reference) refers to shared string \(value), which does not exist" }
                return nil
            }
            return strings[i].isEmpty ? .empty : .text(strings[i])
        case "inlineStr", "str": return value.isEmpty ? .empty : .text(XLSXReader.unescaped(value))
        case "b": return .bool(value == "1" || value == "true")
        case "e": return .text(value)  // #N/A, #DIV/0!: refused by any typed field, kept by text
        case "d": return value.isEmpty ? .empty : .text(value)
        default:
            guard !value.isEmpty else { return .empty }
            guard let number = Double(value) else { return .text(value) }
            if dateStyles.contains(style) { return .serialDate(date1904 ? number + 1462 : number) }
            return .number(number)
        }
    }

    /// The first row is the header; cells are placed by their column letters.
    func sheet(file: String, name: String) -> Sheet {
        guard let header = rows.first else { return Sheet(file: file, kind: .xlsx(sheet: name), headers: [], cells: [], rowNumbers: []) }
        // Values right of the header's last column are kept under an empty header, which the import refuses.
        let width = (rows.lazy.flatMap { $0.cells.map(\.column) }.max() ?? -1) + 1
        var headers = Array(repeating: "", count: width)
        for (c, cell) in header.cells {
            switch cell {
            case .text(let s): headers[c] = s
            case .number(let n), .serialDate(let n): headers[c] = JSONNumber.canonicalText(n)
            case .bool(let b): headers[c] = b ? "TRUE" : "FALSE"
            case .empty, .json: break
            }
        }
        var cells: [Cell] = []
        var numbers: [Int] = []
        for (number, row) in rows.dropFirst() {
            var line = Array(repeating: Cell.empty, count: width)
            for (c, cell) in row { line[c] = cell }
            cells += line
            numbers.append(number)
        }
        return Sheet(file: file, kind: .xlsx(sheet: name), headers: headers, cells: cells, rowNumbers: numbers)
    }
}
