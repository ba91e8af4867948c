import Foundation
import VQJSON
import VQSupport

/// A run of fixed-size values: in memory, or lying in a mapped cache file
/// that it keeps mapped.
public struct ColumnArray<Element: BitwiseCopyable> {
    private let base: UnsafeBufferPointer<Element>
    private let owner: AnyObject?
    private let values: [Element]

    init(_ values: [Element]) {
        self.values = values
        base = UnsafeBufferPointer(start: nil, count: 0)
        owner = nil
    }

    init(mapped: UnsafeBufferPointer<Element>, owner: AnyObject) {
        values = []
        base = mapped
        self.owner = owner
    }

    public var count: Int { owner == nil ? values.count : base.count }

    @inline(__always)
    public subscript(row: Int) -> Element { owner == nil ? values[row] : base[row] }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        owner == nil ? values.withUnsafeBytes(body) : body(UnsafeRawBufferPointer(base))
    }
}

/// A column's values in the smallest form they allow, so that a million
/// records cost a few bytes each rather than a `JSONValue` each.
enum Column {
    /// Every value null or absent (a field no record has).
    case nulls(Int)
    /// Numbers vq writes as they were written, or null: NaN for null (JSON has no NaN).
    case numbers(ColumnArray<Double>)
    /// Strings, or null, with few distinct values: each distinct one, and each record's code (`nullCode`: null).
    case codes(distinct: [String], codes: ColumnArray<UInt32>)
    /// Anything else, as read.
    case values([JSONValue])

    static let nullCode = UInt32.max

    var count: Int {
        switch self {
        case .nulls(let n): n
        case .numbers(let n): n.count
        case .codes(_, let codes): codes.count
        case .values(let v): v.count
        }
    }

    @inline(__always)
    subscript(row: Int) -> JSONValue {
        switch self {
        case .nulls:
            return .null
        case .numbers(let n):
            let d = n[row]
            return d.isNaN ? .null : .number(JSONNumber(canonical: d))
        case .codes(let distinct, let codes):
            let code = codes[row]
            return code == Column.nullCode ? .null : .string(distinct[Int(code)])
        case .values(let v):
            return v[row]
        }
    }

    var values: [JSONValue] {
        if case .values(let v) = self { return v }
        return (0..<count).map { self[$0] }
    }

    /// When distinct strings stop paying for a dictionary (ids, names, notes).
    static func tooManyDistinct(_ distinct: Int, rows: Int) -> Bool { distinct > 1024 && distinct * 4 > rows }
}

/// Codes of distinct strings by their UTF-8 bytes, kept one after another:
/// open addressing on an FNV-1a hash, comparing bytes in place (a run of one
/// value, common in a column, is a single comparison).
struct StringCodes {
    private(set) var bytes: [UInt8] = []
    private(set) var ends: [UInt64] = []
    private var slots = [UInt32](repeating: Column.nullCode, count: 64)

    var count: Int { ends.count }

    private func same(_ code: UInt32, _ s: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = code == 0 ? 0 : Int(ends[Int(code) - 1]), end = Int(ends[Int(code)])
        guard end - start == s.count else { return false }
        return s.isEmpty || bytes.withUnsafeBufferPointer { bytesEqual($0.baseAddress! + start, s.baseAddress!, s.count) }
    }

    mutating func code(_ s: UnsafeBufferPointer<UInt8>, last: UInt32) -> UInt32 {
        if last != Column.nullCode, same(last, s) { return last }
        let h = StringCodes.hash(s)
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
        while slots[i] != Column.nullCode {
            if same(slots[i], s) { return slots[i] }
            i = (i + 1) & mask
        }
        let code = UInt32(ends.count)
        bytes.append(contentsOf: s)
        ends.append(UInt64(bytes.count))
        slots[i] = code
        if ends.count * 2 > slots.count { grow() }
        return code
    }

    mutating func code(_ s: String, last: UInt32) -> UInt32 {
        var s = s
        return s.withUTF8 { code($0, last: last) }
    }

    @inline(__always)
    private static func hash(_ s: UnsafeBufferPointer<UInt8>) -> UInt64 { ByteHash.of(s) }

    private mutating func grow() {
        let (oldBytes, oldEnds) = (bytes, ends)
        bytes = []
        ends = []
        slots = [UInt32](repeating: Column.nullCode, count: slots.count * 4)
        oldBytes.withUnsafeBufferPointer { all in
            var start = 0
            for end in oldEnds {
                _ = code(UnsafeBufferPointer(rebasing: all[start..<Int(end)]), last: Column.nullCode)
                start = Int(end)
            }
        }
    }

    /// The distinct strings, by code.
    var strings: [String] {
        var start = 0
        return ends.map { end in
            defer { start = Int(end) }
            return String(decoding: bytes[start..<Int(end)], as: UTF8.self)
        }
    }
}

/// Builds one column while a file is read, in the smallest form the values
/// so far allow: numbers or string codes until a value does not fit, then
/// plain values from there on.
struct ColumnBuilder {
    private enum Form { case nulls, numbers, codes, values }
    private var form = Form.nulls
    private(set) var count = 0
    private var doubles: [Double] = []
    private var strings = StringCodes()
    private var codes: [UInt32] = []
    private var lastCode = Column.nullCode
    private var values: [JSONValue] = []
    private var reserved = 0

    /// A column of `count` nulls (records read before the field first appeared).
    init(nulls count: Int = 0) { self.count = count }

    mutating func reserve(_ n: Int) {
        reserved = n
        switch form {
        case .nulls: break
        case .numbers: doubles.reserveCapacity(n)
        case .codes: codes.reserveCapacity(n)
        case .values: values.reserveCapacity(n)
        }
    }

    mutating func appendNull() {
        switch form {
        case .nulls: break
        case .numbers: doubles.append(.nan)
        case .codes: codes.append(Column.nullCode)
        case .values: values.append(.null)
        }
        count += 1
    }

    /// Appends the value at the reader: a plain string of a string column
    /// goes straight from the file's bytes to its code.
    mutating func append(from reader: inout JSONReader) throws(JSONSyntaxError) {
        if form == .codes || form == .nulls, let plain = reader.readPlainString() {
            if form == .nulls { become(.codes) }
            lastCode = strings.code(plain, last: lastCode)
            codes.append(lastCode)
            count += 1
            if Column.tooManyDistinct(strings.count, rows: count) { become(.values) }
            return
        }
        append(try reader.readValue())
    }

    /// A string given as its UTF-8 bytes (a database's text column), as `append(from:)` takes a plain one.
    mutating func append(string bytes: UnsafeBufferPointer<UInt8>) {
        guard form == .codes || form == .nulls else { return append(.string(String(decoding: bytes, as: UTF8.self))) }
        if form == .nulls { become(.codes) }
        lastCode = strings.code(bytes, last: lastCode)
        codes.append(lastCode)
        count += 1
        if Column.tooManyDistinct(strings.count, rows: count) { become(.values) }
    }

    mutating func append(_ value: consuming JSONValue) {
        switch (form, value) {
        case (_, .null):
            appendNull()
            return
        case (.numbers, .number(let n)) where !n.keepsText:
            doubles.append(n.value)
        case (.codes, .string(let s)):
            lastCode = strings.code(s, last: lastCode)
            codes.append(lastCode)
            if Column.tooManyDistinct(strings.count, rows: count + 1) { become(.values) }
        case (.nulls, .number(let n)) where !n.keepsText:
            become(.numbers)
            doubles.append(n.value)
        case (.nulls, .string):
            become(.codes)
            append(value)
            return
        case (.values, _):
            values.append(value)
        default:
            become(.values)
            values.append(value)
        }
        count += 1
    }

    /// Moves the values so far into another form (only ever towards plain values).
    private mutating func become(_ next: Form) {
        switch next {
        case .nulls: preconditionFailure("a column only widens")
        case .numbers:
            doubles = [Double](repeating: .nan, count: count)
            doubles.reserveCapacity(max(reserved, count))
        case .codes:
            codes = [UInt32](repeating: Column.nullCode, count: count)
            codes.reserveCapacity(max(reserved, count))
        case .values:
            let column = finish().values
            values = column
            values.reserveCapacity(max(reserved, count))
            doubles = []
            codes = []
            strings = StringCodes()
        }
        form = next
    }

    /// Appends the column another builder read (the later part of the same file).
    mutating func append(_ other: ColumnBuilder) {
        switch (form, other.form) {
        case (_, .nulls):
            for _ in 0..<other.count { appendNull() }
            return
        case (.nulls, .numbers):
            doubles = [Double](repeating: .nan, count: count) + other.doubles
            form = .numbers
        case (.nulls, .codes):
            strings = other.strings
            codes = [UInt32](repeating: Column.nullCode, count: count) + other.codes
            form = .codes
        case (.nulls, .values):
            values = [JSONValue](repeating: .null, count: count) + other.values
            form = .values
        case (.numbers, .numbers):
            doubles += other.doubles
        case (.codes, .codes):
            let map = other.strings.strings.map { strings.code($0, last: Column.nullCode) }
            let start = codes.count
            codes += other.codes
            codes.withUnsafeMutableBufferPointer { all in
                for i in start..<all.count where all[i] != Column.nullCode { all[i] = map[Int(all[i])] }
            }
        default:
            become(.values)
            values += other.finish().values
        }
        count += other.count
    }

    func finish() -> Column {
        switch form {
        case .nulls: .nulls(count)
        case .numbers: .numbers(ColumnArray(doubles))
        case .codes: .codes(distinct: strings.strings, codes: ColumnArray(codes))
        case .values: .values(values)
        }
    }
}

/// Which key order each record was written with. Nearly every file writes
/// all its records one way, so until a record differs nothing is kept per record.
struct RecordShapes {
    /// Nil while every record has key order 0.
    private var each: [Int32]?
    private(set) var count = 0
    private var reserved = 0

    init() {}

    /// From one order per record (read from a cache entry).
    init(_ shapes: [Int32]) {
        count = shapes.count
        each = shapes.allSatisfy { $0 == 0 } ? nil : shapes
    }

    @inline(__always)
    subscript(row: Int) -> Int32 { each?[row] ?? 0 }

    var last: Int32? { count == 0 ? nil : self[count - 1] }

    mutating func reserve(_ n: Int) {
        reserved = n
        each?.reserveCapacity(n)
    }

    mutating func append(_ shape: Int32) {
        if each == nil, shape != 0 {
            each = [Int32](repeating: 0, count: count)
            each!.reserveCapacity(max(reserved, count + 1))
        }
        each?.append(shape)
        count += 1
    }

    mutating func append(_ other: RecordShapes, mapped map: [Int32]) {
        if each == nil, other.each == nil, map.first ?? 0 == 0 {
            count += other.count
            return
        }
        for row in 0..<other.count { append(map[Int(other[row])]) }
    }

    /// One order per record, for the cache entry.
    var all: [Int32] { each ?? [Int32](repeating: 0, count: count) }

    func allSatisfy(_ predicate: (Int32) -> Bool) -> Bool { each?.allSatisfy(predicate) ?? (count == 0 || predicate(0)) }
}
