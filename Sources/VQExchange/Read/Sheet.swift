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
    /// Row-major, `headers.count` cells a row; the rows after `cells` in `moreCells`
    /// (a file read in two halves keeps both, rather than copying one onto the other).
    var cells: [Cell]
    var moreCells: [Cell] = []
    /// Each row's number as the user finds it: its row in the spreadsheet (the header
    /// is row 1), its record in a json array, its line in a jsonl file.
    public var rowNumbers: [Int]

    public init(file: String, kind: Kind, headers: [String], cells: [Cell], moreCells: [Cell] = [], rowNumbers: [Int]) {
        self.file = file
        self.kind = kind
        self.headers = headers
        self.cells = cells
        self.moreCells = moreCells
        self.rowNumbers = rowNumbers
    }

    public var rowCount: Int { rowNumbers.count }
    public func cell(_ row: Int, _ column: Int) -> Cell {
        let i = row * headers.count + column
        return i < cells.count ? cells[i] : moreCells[i - cells.count]
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
