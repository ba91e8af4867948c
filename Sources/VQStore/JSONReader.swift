import Foundation
import VQJSON
import VQSupport

/// Where and why a JSON text could not be read.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var line: Int
    public var column: Int
    public var message: String

    public var description: String { "line \(line), column \(column): \(message)" }
}

/// A byte-level JSON reader. It keeps number text and key order, and is fast
/// enough to read a 60 MB file in a fraction of a second, which Foundation's
/// readers are not.
public struct JSONReader: ~Copyable {
    private let bytes: UnsafeBufferPointer<UInt8>
    public var position: Int = 0
    /// Distinct object keys seen so far, found by their bytes through a small
    /// open-addressing table: store files repeat a few keys millions of times.
    private var keys: [(bytes: [UInt8], string: String, escaped: Bool)] = []
    /// Made at the first key (a reader of one number, as an import makes per cell, needs none).
    private var keySlots: [Int32] = []
    /// The key that came after each key last time, and the first key of the
    /// last object (-1: none): records repeat one order of keys, so the next
    /// key is usually known and only compared, not looked up.
    private var nextKey: [Int32] = []
    private var firstKey: Int32 = -1
    private var previousKey: Int32 = -1
    /// Arrays and objects being read, outermost first. Past `maxDepth` (serde_json's
    /// limit) the file is refused rather than overflowing a reading thread's stack.
    private var depth = 0
    static let maxDepth = 128

    public init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The length of a UTF-8 byte order mark at the start of `bytes` (0 or 3).
    /// Windows tools write one before JSON; RFC 8259 lets a reader ignore it,
    /// and the write path copies it back with the rest of the file's opening.
    public static func byteOrderMark(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    }

    // MARK: Structure

    public mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    public var atEnd: Bool { position >= bytes.count }

    /// Skips whitespace and consumes `byte` if it is next.
    public mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        if position < bytes.count, bytes[position] == byte {
            position += 1
            return true
        }
        return false
    }

    public mutating func expect(_ byte: UInt8, _ what: String) throws(JSONSyntaxError) {
        if !consume(byte) { throw error("expected \(what)") }
    }

    public mutating func expectEnd() throws(JSONSyntaxError) {
        skipWhitespace()
        if position < bytes.count { throw error("unexpected text after the end of the JSON value") }
    }

    public func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        let at = min(offset ?? position, bytes.count)
        var line = 1
        var lineStart = 0
        for i in 0..<at where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        var found = ""
        if at < bytes.count {
            let end = min(bytes.count, at + 12)
            let snippet = String(decoding: UnsafeBufferPointer(rebasing: bytes[at..<end]), as: UTF8.self)
            found = ", found '\(snippet.split(separator: "\n").first ?? "")'"
        } else {
            found = ", found the end of the file"
        }
        let column = String(decoding: UnsafeBufferPointer(rebasing: bytes[lineStart..<at]), as: UTF8.self).count + 1
        return JSONSyntaxError(offset: at, line: line, column: column, message: message + found)
    }

    /// Reads `[ elem, elem, … ]`, calling `element` with the reader positioned at each element.
    public mutating func readArray(
        _ element: (inout JSONReader) throws -> Void
    ) throws {
        try expect(UInt8(ascii: "["), "'[' (a store file is a JSON array of objects)")
        if consume(UInt8(ascii: "]")) { return }
        while true {
            skipWhitespace()
            try element(&self)
            if consume(UInt8(ascii: ",")) { continue }
            try expect(UInt8(ascii: "]"), "',' or ']'")
            return
        }
    }

    /// Reads `{ "key": value, … }`, calling `member` with each key and the reader at its value.
    public mutating func readObject(
        _ member: (String, inout JSONReader) throws -> Void
    ) throws {
        try readObject(keyIndex: true) { key, reader in try member(reader.keyName(key), &reader) }
    }

    /// Reads an object, giving each key as its number (see `readKeyIndex`).
    public mutating func readObject(
        keyIndex: Bool, _ member: (Int, inout JSONReader) throws -> Void
    ) throws {
        try expect(UInt8(ascii: "{"), "'{'")
        if consume(UInt8(ascii: "}")) { return }
        previousKey = -1
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw error("expected a key in double quotes" + trailingCommaNote)
            }
            let key = try predictedKey() ?? readKeyIndex()
            if previousKey < 0 { firstKey = Int32(key) } else { nextKey[Int(previousKey)] = Int32(key) }
            previousKey = Int32(key)
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            try member(key, &self)
            if consume(UInt8(ascii: ",")) { continue }
            try expect(UInt8(ascii: "}"), "',' or '}'")
            return
        }
    }

    // MARK: Values

    public mutating func readValue() throws(JSONSyntaxError) -> JSONValue {
        skipWhitespace()
        guard position < bytes.count else { throw error("expected a value") }
        let byte = bytes[position]
        if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
            depth += 1
            if depth > JSONReader.maxDepth { throw error("arrays and objects nested more than \(JSONReader.maxDepth) deep") }
        }
        defer { if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") { depth -= 1 } }
        switch byte {
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try readNumber())
        case UInt8(ascii: "{"):
            var object = JSONObject()
            do {
                try readObject { key, reader in
                    object.keys.append(key)
                    object.values.append(try reader.readValue())
                }
            } catch let e as JSONSyntaxError { throw e } catch { throw self.error("\(error)") }
            return .object(object)
        case UInt8(ascii: "["):
            var items: [JSONValue] = []
            do {
                try readArray { reader in items.append(try reader.readValue()) }
            } catch let e as JSONSyntaxError { throw e } catch { throw self.error("\(error)") }
            return .array(items)
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            // Python's json module and pandas write these for missing or infinite numbers.
            throw error("expected a value (NaN and Infinity are not JSON: write null for a missing number)")
        default:
            throw error("expected a value" + trailingCommaNote)
        }
    }

    /// A hand-edited file's most common slip: a comma left before `]` or `}`.
    private var trailingCommaNote: String {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "]") || bytes[position] == UInt8(ascii: "}") else { return "" }
        var i = position - 1
        while i > 0, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i -= 1 }
        return i >= 0 && bytes[i] == UInt8(ascii: ",") ? " (JSON allows no comma before '\(UnicodeScalar(bytes[position]))')" : ""
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let n = word.utf8CodeUnitCount
        guard position + n <= bytes.count else { throw error("expected a value") }
        for i in 0..<n where bytes[position + i] != word.utf8Start[i] {
            throw error("expected a value")
        }
        position += n
    }

    /// `text` read as exactly one JSON number (nil when it is not one), its text kept
    /// when it is not the canonical one: the cells of an imported file.
    public static func number(_ text: String) -> JSONNumber? {
        var text = text
        return text.withUTF8 { number(bytes: $0) }
    }

    public static func number(bytes b: UnsafeBufferPointer<UInt8>) -> JSONNumber? {
        guard let first = b.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) else { return nil }
        var reader = JSONReader(bytes: b)
        guard let n = try? reader.readNumber(), reader.atEnd else { return nil }
        return n
    }

    private mutating func readNumber() throws(JSONSyntaxError) -> JSONNumber {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        // JSON allows no leading zero (`012`, `-01`, `00`): other readers refuse or misread it.
        if position + 1 < bytes.count, bytes[position] == UInt8(ascii: "0"), (0x30...0x39).contains(bytes[position + 1]) {
            throw error("a number cannot start with 0 unless it is 0 (JSON allows no leading zeros)", at: start)
        }
        var sawDigit = false
        var simple = true
        var mantissa: UInt64 = 0
        var digits = 0
        while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
            mantissa = mantissa &* 10 &+ UInt64(bytes[position] - 0x30)
            digits += 1
            position += 1
            sawDigit = true
        }
        guard sawDigit else { throw error("expected a digit", at: position) }
        var fractionDigits = 0
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            let fractionStart = position
            while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
                mantissa = mantissa &* 10 &+ UInt64(bytes[position] - 0x30)
                digits += 1
                position += 1
            }
            fractionDigits = position - fractionStart
            if fractionDigits == 0 { throw error("expected a digit after '.'") }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            simple = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            let expStart = position
            while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 { position += 1 }
            if position == expStart { throw error("expected a digit in the exponent") }
        }
        // Up to 15 significant digits and a power of ten at most 22 are exact in
        // a Double, so the fast path gives the correctly rounded value. Such a
        // number's text is canonical unless it has a leading or trailing zero,
        // is -0, or is small enough to be written with an exponent.
        if simple, digits <= 15, fractionDigits <= 22 {
            var value = Double(mantissa) / JSONReader.powersOfTen[fractionDigits]
            let negative = bytes[start] == UInt8(ascii: "-")
            if negative { value = -value }
            let integerStart = negative ? start + 1 : start
            let integerDigits = digits - fractionDigits
            let canonical = (integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0"))
                && !(negative && value == 0)
                && (fractionDigits == 0 || (bytes[position - 1] != UInt8(ascii: "0") && abs(value) >= 1e-4))
            if canonical { return JSONNumber(canonical: value) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text) else { throw error("malformed number", at: start) }
        return JSONNumber(value: value, text: text)
    }

    private static let powersOfTen: [Double] = (0...22).map { e in
        var p = 1.0
        for _ in 0..<e { p *= 10 }
        return p
    }

    /// The key at the reader when it is the one that followed the previous key
    /// last time, written the same way (plain, so its bytes are its text).
    private mutating func predictedKey() -> Int? {
        let k = previousKey < 0 ? firstKey : nextKey[Int(previousKey)]
        guard k >= 0, !keys[Int(k)].escaped else { return nil }
        let key = keys[Int(k)].bytes
        let end = position + 1 + key.count
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\""),
              key.withUnsafeBufferPointer({ bytesEqual($0.baseAddress!, bytes.baseAddress! + position + 1, key.count) }) else { return nil }
        position = end + 1
        return Int(k)
    }

    /// Reads an object key and returns its number among the distinct keys seen
    /// so far (see `keyName`): a loader can map it to a column without hashing a String.
    public mutating func readKeyIndex() throws(JSONSyntaxError) -> Int {
        let start = position + 1
        var end = start
        var hash = 5381
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\") {
            hash = hash &* 33 &+ Int(bytes[end])
            end += 1
        }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else {
            // A key with escapes: decode it, then look it up by its text.
            let string = try readString()
            let written = Array(string.utf8)
            if let i = keys.firstIndex(where: { $0.bytes == written }) { return i }
            // Its bytes are not its text in the file, so it is never predicted.
            keys.append((written, string, true))
            nextKey.append(-1)
            return keys.count - 1
        }
        let length = end - start
        if keySlots.isEmpty { keySlots = [Int32](repeating: -1, count: 512) }
        var slot = hash & (keySlots.count - 1)
        while keySlots[slot] >= 0 {
            let k = Int(keySlots[slot])
            if keys[k].bytes.count == length,
               keys[k].bytes.withUnsafeBufferPointer({ bytesEqual($0.baseAddress!, bytes.baseAddress! + start, length) }) {
                position = end + 1
                return k
            }
            slot = (slot + 1) & (keySlots.count - 1)
        }
        let string = try readString()
        keys.append((Array(UnsafeBufferPointer(rebasing: bytes[start..<end])), string, false))
        nextKey.append(-1)
        if keys.count * 2 < keySlots.count { keySlots[slot] = Int32(keys.count - 1) }
        return keys.count - 1
    }

    public func keyName(_ index: Int) -> String { keys[index].string }

    /// The bytes of a string at the reader that is all ASCII with no escapes,
    /// the reader moved past it; nil, the reader unmoved, for any other (`readString` reads it).
    public mutating func readPlainString() -> UnsafeBufferPointer<UInt8>? {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
        var i = position + 1
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                defer { position = i + 1 }
                return UnsafeBufferPointer(rebasing: bytes[(position + 1)..<i])
            }
            if b == UInt8(ascii: "\\") || b < 0x20 || b >= 0x80 { return nil }
            i += 1
        }
        return nil
    }

    public mutating func readString() throws(JSONSyntaxError) -> String {
        let start = position
        position += 1  // opening quote
        let contentStart = position
        var high: UInt8 = 0  // every byte or'ed: ASCII unless its top bit is set
        while position < bytes.count {
            let b = bytes[position]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[contentStart..<position])
                position += 1
                return try decodeUTF8(slice, at: contentStart, ascii: high < 0x80)
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error("control character in a string (escape it as \\n, \\t, …)") }
            high |= b
            position += 1
        }
        // Slow path: the string has escapes.
        var out: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[contentStart..<position]))
        while position < bytes.count {
            let b = bytes[position]
            switch b {
            case UInt8(ascii: "\""):
                position += 1
                return try out.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in try decodeUTF8(buffer, at: contentStart, ascii: !buffer.contains { $0 >= 0x80 }) }
            case UInt8(ascii: "\\"):
                position += 1
                guard position < bytes.count else { break }
                let e = bytes[position]
                position += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try readHex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                              bytes[position + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired surrogate in \\u escape")
                        }
                        position += 2
                        let low = try readHex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw error("unpaired surrogate in \\u escape")
                    }
                    out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
                default:
                    throw error("unknown escape '\\\(Character(Unicode.Scalar(e)))'", at: position - 2)
                }
            default:
                if b < 0x20 { throw error("control character in a string (escape it as \\n, \\t, …)") }
                out.append(b)
                position += 1
            }
        }
        throw error("unterminated string", at: start)
    }

    private mutating func readHex4() throws(JSONSyntaxError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("expected four hex digits after \\u") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw error("expected four hex digits after \\u")
            }
            v = v << 4 | d
            position += 1
        }
        return v
    }

    private func decodeUTF8(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int, ascii: Bool) throws(JSONSyntaxError) -> String {
        if ascii { return String(decoding: bytes, as: UTF8.self) }
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw error("invalid UTF-8 in a string", at: offset)
        }
        return s
    }
}

extension JSONReader {
    /// Parses a whole JSON text.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses a whole JSON text given as bytes (which need not be valid UTF-8).
    public static func parse(bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        let result = bytes.withUnsafeBufferPointer { buffer -> Result<JSONValue, JSONSyntaxError> in
            var reader = JSONReader(bytes: buffer)
            do throws(JSONSyntaxError) {
                let value = try reader.readValue()
                try reader.expectEnd()
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
