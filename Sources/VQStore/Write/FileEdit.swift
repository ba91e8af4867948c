import Foundation
import VQJSON
import VQModel
import VQSupport

/// The new text of one store file, made from the old bytes: records a change
/// does not touch are copied byte for byte (with the white space between
/// them); changed and new records are written in the file's own style (one
/// record a line, or indented objects with the file's indent).
public struct FileEdit {
    public let original: Data
    /// Whether the file existed (a missing file reads as an empty array).
    public let existed: Bool
    /// Byte ranges of the top-level array's elements (non-objects included).
    public let elements: [Range<Int>]
    private let style: Style
    /// Records replaced and removed, by element.
    public private(set) var replaced: [Int: JSONObject] = [:]
    public private(set) var removed = Set<Int>()
    /// New records, written at once in the file's style, in pieces of one or more
    /// records (an import appends a million: none is kept as an object, nor copied again).
    private var appendedPieces: [ArraySlice<UInt8>] = []
    private var appendedCount = 0
    /// `,` and the white space between two records.
    private let separator: [UInt8]

    struct Style {
        /// White space before the first element (`"\n  "` in a generated file).
        var lead = "\n  "
        /// Between elements, after the comma.
        var between = "\n  "
        /// Per-level indent of keys when records span lines; nil for one line each.
        var indent: String?
        /// After the last element, before `]`.
        var trail = "\n"
        /// The file's line break: a file written on Windows keeps its CRLF.
        var newline = "\n"
    }

    /// Reads the element spans of a store file (missing: an empty array).
    public init(contents: Data?) throws(StoreError) {
        original = contents ?? Data("[]\n".utf8)
        existed = contents != nil
        let scanned = original.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            Result { () throws(StoreError) in try FileEdit.scan(raw.bindMemory(to: UInt8.self)) }
        }
        elements = try scanned.get()
        style = FileEdit.style(of: original, elements)
        separator = Array(("," + style.between).utf8)
    }

    /// The edit of a database's collection of `rows` records: made by row (the
    /// database writes the records it replaces, removes and appends), never as a file.
    public init(rows: Int) {
        original = Data("[]\n".utf8)
        existed = true
        elements = Array(repeating: 0..<0, count: rows)
        style = Style()
        separator = Array(("," + style.between).utf8)
    }

    public var isChanged: Bool { !replaced.isEmpty || !removed.isEmpty || appendedCount > 0 }

    public mutating func replace(_ element: Int, with record: JSONObject) { replaced[element] = record }
    public mutating func remove(_ element: Int) { removed.insert(element) }
    public mutating func append(_ record: JSONObject) {
        var written: [UInt8] = []
        recordWriter.write(record, into: &written)
        append(written: written[...], count: 1)
    }

    /// Appends `count` records `recordWriter` wrote, with its separator between them.
    public mutating func append(written records: ArraySlice<UInt8>, count: Int) {
        appendedPieces.append(records)
        appendedCount += count
    }

    /// The new records, in order (a database writes them as rows).
    public func appendedRecords() throws(StoreError) -> [JSONObject] {
        var out: [JSONObject] = []
        out.reserveCapacity(appendedCount)
        for piece in appendedPieces {
            let value: JSONValue
            do { value = try JSONReader.parse(bytes: Array("[".utf8) + piece + Array("]".utf8)) } catch {
                throw StoreError("a new record could not be read back: \(error)")
            }
            guard case .array(let records) = value else { continue }
            for case .object(let record) in records { out.append(record) }
        }
        return out
    }

    /// The new records, the file's separator between pieces.
    private func appendNew(to out: inout FileBytes) {
        for (i, piece) in appendedPieces.enumerated() {
            if i > 0 { out.pieces.append(.bytes(separator[...])) }
            out.pieces.append(.bytes(piece))
        }
    }

    /// Writes records as this file holds them, on any thread (an import writes its rows on both cores).
    public struct RecordWriter: Sendable {
        let indent: String?
        let newline: String
        /// What goes between two records of the file.
        public let separator: [UInt8]

        /// Whether records are one line each (`{"k": v, …}`, as `JSONWriter` writes an object without indent).
        public var writesOneLine: Bool { indent == nil }

        public func write(_ record: JSONObject, into out: inout [UInt8]) {
            let start = out.count
            JSONWriter.write(.object(record), into: &out, indent: indent, level: indent == nil ? 0 : 1)
            // The writer's line breaks are all layout (a line break in a string is written `\n`).
            if newline != "\n", indent != nil {
                let written = String(decoding: out[start...], as: UTF8.self)
                out.removeSubrange(start...)
                out += written.replacingOccurrences(of: "\n", with: newline).utf8
            }
        }
    }

    public var recordWriter: RecordWriter { RecordWriter(indent: style.indent, newline: style.newline, separator: separator) }

    /// The file's new bytes: runs of untouched records are one piece each, and new
    /// records the pieces they were written in; nothing is copied into one buffer.
    public func contents() -> FileBytes {
        guard isChanged else { return FileBytes(original) }
        guard let first = elements.first else {
            // An empty array: the new records go between `[` and `]`; what is around them stays.
            guard appendedCount > 0 else { return FileBytes(original) }
            let open = original.firstIndex(of: UInt8(ascii: "[")).map { $0 + 1 } ?? original.startIndex
            let close = original.lastIndex(of: UInt8(ascii: "]")) ?? original.endIndex
            var out = FileBytes(original[..<open])
            out.pieces.append(.data(Data(style.lead.utf8)))
            appendNew(to: &out)
            out.pieces.append(.data(Data(style.trail.utf8)))
            out.pieces.append(.data(close < original.endIndex ? original[close...] : Data("]\n".utf8)))
            return out
        }
        enum Piece { case original(Range<Int>), text(String), appended }
        var pieces: [Piece] = [.original(original.startIndex..<first.lowerBound)]
        func add(_ piece: Piece) {
            // Neighbouring original bytes join into one copy.
            if case .original(let r) = piece, case .original(let last)? = pieces.last, last.upperBound == r.lowerBound {
                pieces[pieces.count - 1] = .original(last.lowerBound..<r.upperBound)
            } else {
                pieces.append(piece)
            }
        }
        var previous: Int?
        for (i, span) in elements.enumerated() where !removed.contains(i) {
            if let p = previous {
                // The original separator between neighbours that stay neighbours.
                add(p == i - 1 ? .original(elements[p].upperBound..<span.lowerBound) : .text("," + style.between))
            }
            add(replaced[i].map { .text(text($0)) } ?? .original(span))
            previous = i
        }
        if appendedCount > 0 {
            if previous != nil { add(.text("," + style.between)) }
            add(.appended)
            previous = -1
        }
        guard previous != nil else { return FileBytes(Data("[]\n".utf8)) }
        add(.original(elements.last!.upperBound..<original.endIndex))
        var out = FileBytes(pieces: [])
        for piece in pieces {
            switch piece {
            case .original(let r): out.pieces.append(.data(original[r]))
            case .text(let t): out.pieces.append(.data(Data(t.utf8)))
            case .appended: appendNew(to: &out)
            }
        }
        return out
    }

    private func text(_ record: JSONObject) -> String {
        var out: [UInt8] = []
        recordWriter.write(record, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The elements of the top-level array, found by tracking strings and brackets only.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) throws(StoreError) -> [Range<Int>] {
        var i = JSONReader.byteOrderMark(bytes)
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D }
        func skipSpace() { while i < bytes.count, isSpace(bytes[i]) { i += 1 } }
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "[") else { throw StoreError("the file is not a JSON array") }
        i += 1
        var out: [Range<Int>] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { return out }
        while i < bytes.count {
            let start = i
            var depth = 0
            var end = i
            scanning: while i < bytes.count {
                let c = bytes[i]
                switch c {
                case UInt8(ascii: "\""):
                    i += 1
                    while i < bytes.count, bytes[i] != UInt8(ascii: "\"") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
                    i += 1
                    end = i
                    continue scanning
                case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    if depth == 0 { break scanning }
                    depth -= 1
                case UInt8(ascii: ","):
                    if depth == 0 { break scanning }
                case 0x20, 0x09, 0x0A, 0x0D:
                    i += 1
                    continue scanning
                default: break
                }
                i += 1
                end = i
            }
            guard i < bytes.count, end > start else { throw StoreError("the file's array is not closed") }
            out.append(start..<end)
            if bytes[i] == UInt8(ascii: "]") { return out }
            i += 1
            skipSpace()
        }
        throw StoreError("the file's array is not closed")
    }

    private static func style(of data: Data, _ elements: [Range<Int>]) -> Style {
        var style = Style()
        guard let first = elements.first else { return style }
        let bytes = data
        let open = bytes[..<first.lowerBound].lastIndex(of: UInt8(ascii: "[")) ?? 0
        style.lead = String(decoding: bytes[(open + 1)..<first.lowerBound], as: UTF8.self)
        if elements.count > 1 {
            let gap = bytes[elements[0].upperBound..<elements[1].lowerBound]
            style.between = String(decoding: gap.drop { $0 != UInt8(ascii: ",") }.dropFirst(), as: UTF8.self)
        } else {
            style.between = style.lead
        }
        let last = elements[elements.count - 1]
        let close = bytes[last.upperBound...].firstIndex(of: UInt8(ascii: "]")) ?? last.upperBound
        style.trail = String(decoding: bytes[last.upperBound..<close], as: UTF8.self)
        if (style.lead + style.between + style.trail).utf8.contains(0x0D) { style.newline = "\r\n" }
        // An object over several lines: its first key's indent less the element's.
        let element = bytes[first]
        if element.first == UInt8(ascii: "{"), let newline = element.firstIndex(of: 0x0A) {
            let keyIndent = element[(newline + 1)...].prefix { $0 == 0x20 || $0 == 0x09 }
            let lead = bytes[(open + 1)..<first.lowerBound]
            let elementIndent = lead.lastIndex(of: 0x0A).map { lead.index(after: $0) }.map { lead[$0...].count } ?? lead.count
            let unit = String(decoding: keyIndent.dropFirst(elementIndent), as: UTF8.self)
            style.indent = unit.isEmpty ? "  " : unit
        }
        return style
    }
}

/// A store file's new bytes as pieces written one after another: runs of the
/// old file, new text, and new records as they were written.
public struct FileBytes {
    enum Piece {
        case data(Data)
        case bytes(ArraySlice<UInt8>)
    }
    var pieces: [Piece]

    public init(_ data: Data) { pieces = [.data(data)] }
    public init(bytes: [UInt8]) { pieces = [.bytes(bytes[...])] }
    init(pieces: [Piece]) { self.pieces = pieces }

    /// All of it in one buffer (for tests and messages; a commit writes the pieces).
    public var data: Data {
        var out = Data()
        for piece in pieces {
            switch piece {
            case .data(let d): out.append(d)
            case .bytes(let b): out.append(contentsOf: b)
            }
        }
        return out
    }

    /// Writes every piece to `fd`; the errno of a write that failed, else 0.
    func write(to fd: Int32) -> Int32 {
        func all(_ raw: UnsafeRawBufferPointer) -> Int32 {
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return errno }
                offset += n
            }
            return 0
        }
        for piece in pieces {
            let failure: Int32
            switch piece {
            case .data(let d): failure = d.withUnsafeBytes(all)
            case .bytes(let b): failure = b.withUnsafeBytes(all)
            }
            if failure != 0 { return failure }
        }
        return 0
    }
}
