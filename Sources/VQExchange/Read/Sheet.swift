import VQJSON

/// A value as a file gave it, before it is coerced to a field's type.
public enum Cell: Sendable, Equatable {
    case empty
    case text(String)
    case number(Double)
    case bool(Bool)
    /// A number a sheet formats as a date: an Excel serial day (SPEC §6).
    case serialDate(Double)
    /// A value of a json or jsonl file, kept as read (number text included).
    case json(JSONValue)
}

/// The rows of one imported file: a header, then cells row by row.
public struct Sheet: Sendable {
    public enum Kind: Sendable, Equatable {
        case csv
        /// A workbook's sheet: cells are named as the spreadsheet shows them (`C17`).
        case xlsx(sheet: String)
        /// A json array: rows are its records, numbered from 1.
        case json
        /// A json-lines file: rows are its lines.
        case jsonl
    }

    /// The file's name as the user gave it, for messages.
    public var file: String
    public var kind: Kind
    public var headers: [String]
    /// Row-major, `headers.count` cells a row (a workbook's, a json file's).
    var cells: [Cell]
    /// Each row's number as the user finds it: its row in the spreadsheet (the header
    /// is row 1), its record in a json array, its line in a jsonl file.
    public var rowNumbers: [Int]
    /// A csv's cells instead, as spans of its text: no string is made for a cell
    /// the import reads as bytes (most of them: ids, months, numbers).
    var spans: TextSpans?

    /// A csv's text and each cell's bytes in it: `offset << 24 | length`, 0 for an
    /// empty cell; `TextSpans.elsewhere` for a field whose text is not its bytes
    /// (one with doubled quotes, or longer than 16 MB), kept in `unescaped`.
    struct TextSpans: Sendable {
        let text: [UInt8]
        var spans: [UInt64]
        var unescaped: [Int: String]
        static let elsewhere = UInt64.max

        static func span(_ offset: Int, _ length: Int) -> UInt64 {
            length >= 1 << 24 ? elsewhere : UInt64(offset) << 24 | UInt64(length)
        }

        func cell(_ i: Int) -> Cell {
            let span = spans[i]
            if span == 0 { return .empty }
            if span == TextSpans.elsewhere { return unescaped[i].map(Cell.text) ?? .empty }
            let offset = Int(span >> 24), length = Int(span & 0xFF_FFFF)
            return .text(String(decoding: text[offset..<offset + length], as: UTF8.self))
        }
    }

    public init(file: String, kind: Kind, headers: [String], cells: [Cell], rowNumbers: [Int]) {
        self.file = file
        self.kind = kind
        self.headers = headers
        self.cells = cells
        self.rowNumbers = rowNumbers
    }

    init(csv file: String, headers: [String], spans: TextSpans, rowNumbers: [Int]) {
        self.init(file: file, kind: .csv, headers: headers, cells: [], rowNumbers: rowNumbers)
        self.spans = spans
    }

    public var rowCount: Int { rowNumbers.count }

    public func cell(_ row: Int, _ column: Int) -> Cell {
        let i = row * headers.count + column
        return spans?.cell(i) ?? cells[i]
    }

    /// A csv cell's bytes as they are in the file (nil: an empty cell, or not a csv's,
    /// or one whose text is not its bytes), for the import's checks that read bytes.
    func withBytes<R>(_ row: Int, _ column: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard let spans else { return nil }
        let span = spans.spans[row * headers.count + column]
        guard span != 0, span != TextSpans.elsewhere else { return nil }
        let offset = Int(span >> 24), length = Int(span & 0xFF_FFFF)
        return spans.text.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[offset..<offset + length])) }
    }

    /// Where a row is, for messages: `suppliers.xlsx, sheet "2026", row 17`.
    public func place(row: Int) -> String {
        switch kind {
        case .csv: "\(file), row \(rowNumbers[row])"
        case .xlsx(let sheet): "\(file), sheet \"\(sheet)\", row \(rowNumbers[row])"
        case .json: "\(file), record \(rowNumbers[row])"
        case .jsonl: "\(file), line \(rowNumbers[row])"
        }
    }

    /// Where a cell is: its row and, in a table, its spreadsheet name (`row 17 (C17)`).
    public func place(row: Int, column: Int) -> String {
        switch kind {
        case .csv, .xlsx: "\(place(row: row)) (\(Sheet.columnName(column))\(rowNumbers[row]))"
        case .json, .jsonl: place(row: row)
        }
    }

    /// A column's letters: 0 is A, 25 is Z, 26 is AA.
    public static func columnName(_ index: Int) -> String {
        var n = index + 1
        var letters: [Character] = []
        while n > 0 {
            let r = (n - 1) % 26
            letters.insert(Character(Unicode.Scalar(UInt8(65 + r))), at: 0)
            n = (n - 1) / 26
        }
        return String(letters)
    }

    /// The index of a column's letters (`AA` is 26), nil if they are not letters.
    static func columnIndex<S: Sequence<UInt8>>(_ letters: S) -> Int? {
        var n = 0
        var any = false
        for b in letters {
            let upper = b & ~0x20
            guard upper >= 65, upper <= 90 else { return nil }
            n = n * 26 + Int(upper - 64)
            any = true
        }
        return any ? n - 1 : nil
    }
}
