import Foundation
import VQSupport

/// RFC 4180 csv as spreadsheets and ERP systems write it: fields quoted with
/// `"` (a doubled quote inside one), CRLF or LF line ends, separated by the
/// comma, semicolon or tab the header line uses most.
enum CSVReader {
    static func read(_ data: Data, file: String, encoding: TextEncoding?) throws(ImportError) -> Sheet {
        var text = try TextEncoding.decode(data, named: encoding).text
        let parsed = text.withUTF8 { bytes in Result { () throws(ImportError) in try parse(bytes, file: file) } }
        return try parsed.get()
    }

    /// The separator the first line uses most, outside quotes (a comma when it has none).
    static func separator(_ b: UnsafeBufferPointer<UInt8>) -> UInt8 {
        var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: ";"): 0, UInt8(ascii: "\t"): 0]
        var quoted = false
        for c in b {
            if c == quote { quoted.toggle() }
            if !quoted, c == lf || c == cr { break }
            if !quoted, counts[c] != nil { counts[c]! += 1 }
        }
        let best = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key != UInt8(ascii: ",")) }!
        return best.value == 0 ? UInt8(ascii: ",") : best.key
    }

    static let quote = UInt8(ascii: "\""), cr: UInt8 = 0x0D, lf: UInt8 = 0x0A

    static func parse(_ b: UnsafeBufferPointer<UInt8>, file: String) throws(ImportError) -> Sheet {
        var reader = RecordReader(bytes: b, separator: separator(b), file: file)
        var header: [Cell] = []
        // The header is the first line that is not blank.
        repeat {
            guard reader.position < b.count else { throw ImportError("\(file) is empty: it has no header row") }
            header = []
            try reader.next(into: &header)
        } while header.count == 1 && header[0] == .empty
        let headers = header.map { if case .text(let s) = $0 { s } else { "" } }
        let start = reader.position
        // A large file is read in two halves at once, split at a line end outside quotes.
        if b.count - start > 4 << 20, let middle = split(b, from: start) {
            let halves = ResultSlots<Result<Rows, ImportError>>(count: 2)
            let shared = SharedBytes(bytes: b)
            let first = reader
            Parallel.run(2) { i in
                var part = first
                if i == 1 { part.position = middle }
                halves.set(i, Result { () throws(ImportError) in try part.rows(until: i == 0 ? middle : shared.bytes.count, width: headers.count) })
            }
            let results = halves.take()
            if case .success(var one) = results[0], case .success(let two) = results[1] {
                // The second half counted its rows from its own start.
                one.rowNumbers += two.rowNumbers.map { $0 + one.records }
                return Sheet(file: file, kind: .csv, headers: headers, cells: one.cells, moreCells: two.cells, rowNumbers: one.rowNumbers)
            }
            // A problem is reported with its row counted from the top: the file is read again in one piece.
        }
        let rows = try reader.rows(until: b.count, width: headers.count)
        return Sheet(file: file, kind: .csv, headers: headers, cells: rows.cells, rowNumbers: rows.rowNumbers)
    }

    /// A line end near the middle that no quoted field spans, after `start`.
    static func split(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var middle = start + (b.count - start) / 2
        var quotes = 0
        for i in start..<middle where b[i] == quote { quotes += 1 }
        while middle < b.count {
            if b[middle] == quote { quotes += 1 }
            if b[middle] == lf, quotes % 2 == 0 { return middle + 1 }
            middle += 1
        }
        return nil
    }

    struct Rows {
        var cells: [Cell] = []
        var rowNumbers: [Int] = []
        /// Records read, blank lines included (row numbers count them, as a spreadsheet shows them).
        var records = 0
    }

    /// The bytes of a file being read on two threads (only read).
    struct SharedBytes: @unchecked Sendable { let bytes: UnsafeBufferPointer<UInt8> }

    /// Reads records one at a time from `position`; row numbers count the header as row 1.
    struct RecordReader: @unchecked Sendable {
        let bytes: UnsafeBufferPointer<UInt8>
        let separator: UInt8
        let file: String
        var position = 0
        var line = 1
        /// Records read so far (the header is the first).
        var record = 0

        init(bytes: UnsafeBufferPointer<UInt8>, separator: UInt8, file: String) {
            self.bytes = bytes
            self.separator = separator
            self.file = file
        }

        /// The data rows up to `end`, `width` cells each.
        mutating func rows(until end: Int, width: Int) throws(ImportError) -> Rows {
            var out = Rows()
            let base = record
            // A row a line, mostly: the cells' room is made once rather than grown by copying.
            var lines = 0
            for i in position..<end where bytes[i] == lf { lines += 1 }
            out.cells.reserveCapacity((lines + 1) * width)
            out.rowNumbers.reserveCapacity(lines + 1)
            while position < end {
                // The cells go straight into the rows' array.
                let start = out.cells.count
                try next(into: &out.cells)
                let count = out.cells.count - start
                // Blank lines separate nothing: they are skipped.
                if count == 1, out.cells[start] == .empty {
                    out.cells.removeLast()
                    continue
                }
                if count > width {
                    if out.cells[(start + width)...].contains(where: { $0 != .empty }) {
                        throw ImportError("\(file), row \(record): \(count) cells, but the header has \(width)",
                                          hint: "a value holding the separator must be quoted")
                    }
                    out.cells.removeLast(count - width)
                }
                // Exports that leave out trailing empty cells: they are empty.
                for _ in count..<max(width, count) { out.cells.append(.empty) }
                out.rowNumbers.append(record)
            }
            out.records = record - base
            return out
        }

        /// One record: fields until an unquoted line end, appended to `row`.
        mutating func next(into row: inout [Cell]) throws(ImportError) {
            record += 1
            let recordLine = line
            var field: [UInt8] = []
            let b = bytes, n = b.count
            var i = position
            defer { position = i }
            while true {
                if i < n, b[i] == quote {
                    field.removeAll(keepingCapacity: true)
                    i += 1
                    var closed = false
                    while i < n {
                        let c = b[i]
                        if c == quote {
                            if i + 1 < n, b[i + 1] == quote { field.append(quote); i += 2; continue }
                            i += 1
                            closed = true
                            break
                        }
                        if c == lf { line += 1 }
                        field.append(c)
                        i += 1
                    }
                    guard closed else {
                        throw ImportError("\(file), row \(record): the quoted field that starts on line \(recordLine) is never closed",
                                          hint: "a quote inside a quoted field is written twice (\"\")")
                    }
                    // Anything between the closing quote and the separator is kept, as spreadsheets do.
                    let rest = i
                    while i < n, b[i] != separator, b[i] != lf, b[i] != cr { i += 1 }
                    field.append(contentsOf: UnsafeBufferPointer(rebasing: b[rest..<i]))
                    row.append(.text(String(decoding: field, as: UTF8.self)))
                } else {
                    let start = i
                    while i < n, b[i] != separator, b[i] != lf, b[i] != cr { i += 1 }
                    row.append(start == i ? .empty : .text(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)))
                }
                if i < n, b[i] == separator {
                    i += 1
                } else {
                    if i < n, b[i] == cr { i += 1 }
                    if i < n, b[i] == lf { i += 1 }
                    line += 1
                    return
                }
            }
        }
    }
}
