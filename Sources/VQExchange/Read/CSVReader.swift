import Foundation

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
            if c == UInt8(ascii: "\"") { quoted.toggle() }
            if !quoted, c == 0x0A || c == 0x0D { break }
            if !quoted, counts[c] != nil { counts[c]! += 1 }
        }
        let best = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key != UInt8(ascii: ",")) }!
        return best.value == 0 ? UInt8(ascii: ",") : best.key
    }

    static func parse(_ b: UnsafeBufferPointer<UInt8>, file: String) throws(ImportError) -> Sheet {
        let separator = separator(b)
        let quote = UInt8(ascii: "\""), cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
        var headers: [String]?
        var cells: [Cell] = []
        var rowNumbers: [Int] = []
        var row: [Cell] = []
        var field: [UInt8] = []
        var i = 0
        var line = 1
        var record = 0
        let n = b.count
        func text(_ start: Int, _ end: Int) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
        }
        while i < n {
            // One record: fields until an unquoted line end.
            record += 1
            let recordLine = line
            row.removeAll(keepingCapacity: true)
            var endOfRecord = false
            while !endOfRecord {
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
                    row.append(start == i ? .empty : .text(text(start, i)))
                }
                if i < n, b[i] == separator {
                    i += 1
                } else {
                    if i < n, b[i] == cr { i += 1 }
                    if i < n, b[i] == lf { i += 1 }
                    line += 1
                    endOfRecord = true
                }
            }
            // Blank lines separate nothing: they are skipped.
            if row.count == 1, row[0] == .empty { continue }
            guard let header = headers else {
                headers = row.map { if case .text(let s) = $0 { s } else { "" } }
                // A row a line, mostly: the cells' room is made once rather than grown by copying.
                let lines = b[i...].reduce(into: 0) { n, c in if c == lf { n += 1 } }
                cells.reserveCapacity((lines + 1) * row.count)
                rowNumbers.reserveCapacity(lines + 1)
                continue
            }
            if row.count > header.count {
                let extra = row[header.count...]
                if extra.contains(where: { $0 != .empty }) {
                    throw ImportError("\(file), row \(record): \(row.count) cells, but the header has \(header.count)",
                                      hint: "a value holding the separator must be quoted")
                }
                row.removeLast(row.count - header.count)
            }
            // Exports that leave out trailing empty cells: they are empty.
            while row.count < header.count { row.append(.empty) }
            cells.append(contentsOf: row)
            rowNumbers.append(record)
        }
        guard let headers else { throw ImportError("\(file) is empty: it has no header row") }
        return Sheet(file: file, kind: .csv, headers: headers, cells: cells, rowNumbers: rowNumbers)
    }
}
