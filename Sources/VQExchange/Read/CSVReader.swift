import Foundation
import VQSupport

/// RFC 4180 csv as spreadsheets and ERP systems write it: fields quoted with
/// `"` (a doubled quote inside one), CRLF or LF line ends, separated by the
/// comma, semicolon or tab the header line uses most. Cells are kept as spans
/// of the text, not as strings.
enum CSVReader {
    static func read(_ data: Data, file: String, encoding: TextEncoding?) throws(ImportError) -> Sheet {
        try parse(TextEncoding.utf8Bytes(data, named: encoding).bytes, file: file)
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

    static func parse(_ text: [UInt8], file: String) throws(ImportError) -> Sheet {
        let parsed = text.withUnsafeBufferPointer { b in Result { () throws(ImportError) in try parse(b, text: text, file: file) } }
        return try parsed.get()
    }

    private static func parse(_ b: UnsafeBufferPointer<UInt8>, text: [UInt8], file: String) throws(ImportError) -> Sheet {
        // Excel's `sep=;` first line names the separator; it is neither the header nor a row
        // (Excel does not show it), so rows keep the numbers a spreadsheet gives them.
        let named = b.count >= 5 && b[0] == UInt8(ascii: "s") && b[1] == UInt8(ascii: "e") && b[2] == UInt8(ascii: "p") && b[3] == UInt8(ascii: "=")
            && (b.count == 5 || b[5] == lf || b[5] == cr)
        var reader = RecordReader(bytes: b, separator: named ? b[4] : separator(b), file: file)
        if named {
            reader.position = 5
            if reader.position < b.count, b[reader.position] == cr { reader.position += 1 }
            if reader.position < b.count, b[reader.position] == lf { reader.position += 1 }
            reader.line = 2
        }
        var header = Rows()
        // The header is the first line that is not blank.
        repeat {
            guard reader.position < b.count else { throw ImportError("\(file) is empty: it has no header row") }
            header = Rows()
            try reader.next(into: &header)
        } while header.spans == [0]
        let headerSpans = Sheet.TextSpans(text: text, spans: header.spans, unescaped: header.unescaped)
        let headers = header.spans.indices.map { i -> String in if case .text(let s) = headerSpans.cell(i) { s } else { "" } }
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
                // The second half counted its rows and cells from its own start.
                for (i, s) in two.unescaped { one.unescaped[one.spans.count + i] = s }
                one.spans += two.spans
                one.rowNumbers += two.rowNumbers.map { $0 + one.records }
                return Sheet(csv: file, headers: headers, spans: Sheet.TextSpans(text: text, spans: one.spans, unescaped: one.unescaped),
                             rowNumbers: one.rowNumbers)
            }
            // A problem is reported with its row counted from the top: the file is read again in one piece.
        }
        let rows = try reader.rows(until: b.count, width: headers.count)
        return Sheet(csv: file, headers: headers, spans: Sheet.TextSpans(text: text, spans: rows.spans, unescaped: rows.unescaped),
                     rowNumbers: rows.rowNumbers)
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

    /// Cells as `Sheet.TextSpans` spans, `width` a row.
    struct Rows {
        var spans: [UInt64] = []
        var unescaped: [Int: String] = [:]
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
            // A row a line, mostly: the room is made once rather than grown by copying.
            var lines = 0
            for i in position..<end where bytes[i] == lf { lines += 1 }
            out.spans.reserveCapacity((lines + 1) * width)
            out.rowNumbers.reserveCapacity(lines + 1)
            while position < end {
                let start = out.spans.count
                try next(into: &out)
                let count = out.spans.count - start
                // Blank lines separate nothing: they are skipped.
                if count == 1, out.spans[start] == 0 {
                    out.spans.removeLast()
                    continue
                }
                if count > width {
                    if out.spans[(start + width)...].contains(where: { $0 != 0 }) {
                        throw ImportError("\(file), row \(record): \(count) cells, but the header has \(width)",
                                          hint: "a value holding the separator must be quoted")
                    }
                    for i in (start + width)..<out.spans.count { out.unescaped[i] = nil }
                    out.spans.removeLast(count - width)
                }
                // Exports that leave out trailing empty cells: they are empty.
                for _ in count..<max(width, count) { out.spans.append(0) }
                out.rowNumbers.append(record)
            }
            out.records = record - base
            return out
        }

        /// One record: its fields' spans appended, until an unquoted line end.
        mutating func next(into out: inout Rows) throws(ImportError) {
            record += 1
            let recordLine = line
            let b = bytes, n = b.count
            var i = position
            defer { position = i }
            while true {
                if i < n, b[i] == quote {
                    let contentStart = i + 1
                    i += 1
                    var doubled = false
                    var closed = false
                    while i < n {
                        let c = b[i]
                        if c == quote {
                            if i + 1 < n, b[i + 1] == quote { doubled = true; i += 2; continue }
                            closed = true
                            break
                        }
                        if c == lf { line += 1 }
                        i += 1
                    }
                    guard closed else {
                        throw ImportError("\(file), row \(record): the quoted field that starts on line \(recordLine) is never closed",
                                          hint: "a quote inside a quoted field is written twice (\"\")")
                    }
                    let contentEnd = i
                    i += 1
                    // Anything between the closing quote and the separator is kept, as spreadsheets do.
                    let rest = i
                    while i < n, b[i] != separator, b[i] != lf, b[i] != cr { i += 1 }
                    let span = contentEnd == contentStart && rest == i ? 0 : Sheet.TextSpans.span(contentStart, contentEnd - contentStart)
                    if doubled || rest < i || span == Sheet.TextSpans.elsewhere {
                        var field: [UInt8] = []
                        var j = contentStart
                        while j < contentEnd {
                            field.append(b[j])
                            j += b[j] == quote ? 2 : 1
                        }
                        field.append(contentsOf: UnsafeBufferPointer(rebasing: b[rest..<i]))
                        out.unescaped[out.spans.count] = String(decoding: field, as: UTF8.self)
                        out.spans.append(Sheet.TextSpans.elsewhere)
                    } else {
                        out.spans.append(span)
                    }
                } else {
                    let start = i
                    while i < n, b[i] != separator, b[i] != lf, b[i] != cr { i += 1 }
                    let span = Sheet.TextSpans.span(start, i - start)
                    if span == Sheet.TextSpans.elsewhere {
                        out.unescaped[out.spans.count] = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
                    }
                    out.spans.append(start == i ? 0 : span)
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
