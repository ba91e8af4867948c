import Foundation
import VQJSON
import VQModel
import VQSupport

/// Where a table's columns come from when they are not decoded yet.
protocol ColumnSource: AnyObject {
    func column(_ c: Int) -> Column?
    func recordShapes() -> [Int32]?
    /// The table read again from its JSON file, when a cached part does not read back as written.
    func reread() -> TableBuilder.Parts?
}

/// The version of a store file a cache entry was made from.
struct SourceStamp {
    var identity: FileIdentity
    var contentHash: UInt64
    /// Changed so shortly before it was read that a later change in the same
    /// clock tick could leave its identity as it was: its content is then
    /// compared whenever the entry is used.
    var racy: Bool
}

/// What checking a table found, kept with its columns so that a table served
/// from the cache reports the same problems as one read from JSON.
struct CachedChecks {
    var loadProblems: [StoreProblem]
    /// The field and id checks' findings.
    var found: [Validator.Finding]
    var idsAscend: Bool
}

/// A reference field's links, valid while the target's content is the one hashed.
struct CachedReference {
    var field: String
    var targetHash: UInt64
    var links: [Int32]
    var found: [Validator.Finding]
}

/// The layout of a column cache file: a fixed header (the source file's stamp,
/// the build that wrote it), then sections, each with its own hash so that a
/// section is checked when it is first used, and last the meta section that
/// lists them (column names, key orders, findings, each column's encoding).
/// Every array lies 8-byte aligned and is used in place from the mapped file.
enum CacheFile {
    static let magic = Array("VQCOLS01".utf8)
    static let headerSize = 104

    struct Section {
        var offset: Int
        var length: Int
        var hash: UInt64
    }

    /// How a column's values are laid out, chosen by what the column holds.
    enum Encoding: UInt8 {
        /// Every value null (or absent).
        case null = 0
        /// Numbers vq would write the same way, or null: one Double each, NaN for null.
        case numbers = 1
        /// Strings (or null) with few distinct values: the distinct ones once, then a code each.
        case dictionary = 2
        /// Other strings (or null): their bytes one after another, and where each ends.
        case strings = 3
        /// Anything else, each value as JSON text.
        case json = 4
    }

    static let nullCode = Column.nullCode
    static let nullEnd: UInt64 = 1 << 63

    // MARK: Writing

    /// The cache file of `table` (every column decoded), or nil when it would be
    /// larger than `limit` bytes (the JSON file's size).
    static func encode(_ table: Table, stamp: SourceStamp, fingerprint: UInt64, checks: CachedChecks,
                       references: [CachedReference], limit: Int) -> [UInt8]? {
        var w = ByteWriter()
        // Room for the largest entry kept: the buffer never grows by copying.
        w.reserve(limit + 64)
        w.raw([UInt8](repeating: 0, count: headerSize))
        func section(_ body: (inout ByteWriter) -> Void) -> Section {
            w.align()
            let start = w.count
            body(&w)
            let length = w.count - start
            let hash = w.bytes.withUnsafeBytes { ContentHash.of(UnsafeRawBufferPointer(rebasing: $0[start..<(start + length)])) }
            return Section(offset: start, length: length, hash: hash)
        }
        let orders = table.keyOrders
        let shapeSection = section { $0.array(orders.recordShape) }
        var columns: [(Encoding, [Section])] = []
        for c in 0..<table.columns.count {
            let values: [JSONValue]
            switch table.column(c) {
            case .nulls:
                columns.append((.null, []))
                continue
            case .numbers(let numbers):
                columns.append((.numbers, [section { $0.array(numbers) }]))
                continue
            case .codes(let distinct, let codes):
                let (ends, bytes) = concatenated(distinct)
                columns.append((.dictionary, [section { $0.array(ends) }, section { $0.raw(bytes) }, section { $0.array(codes) }]))
                continue
            case .values(let v):
                values = v
            }
            switch encoding(of: values) {
            case .null:
                columns.append((.null, []))
            case .numbers:
                let doubles = values.map { v -> Double in if case .number(let n) = v { n.value } else { .nan } }
                columns.append((.numbers, [section { $0.array(doubles) }]))
            case .dictionary, .strings:
                if let (ends, bytes, codes) = dictionary(values) {
                    columns.append((.dictionary, [section { $0.array(ends) }, section { $0.raw(bytes) }, section { $0.array(codes) }]))
                } else {
                    let (ends, bytes) = concatenated(values.map { v -> String? in if case .string(let s) = v { s } else { nil } })
                    columns.append((.strings, [section { $0.array(ends) }, section { $0.raw(bytes) }]))
                }
            case .json:
                let (ends, bytes) = concatenated(values.map { v -> String? in v == .null ? nil : JSONWriter.string(v) })
                columns.append((.json, [section { $0.array(ends) }, section { $0.raw(bytes) }]))
            }
            if w.count > limit { return nil }
        }
        let linkSections = references.map { r in section { $0.array(r.links) } }
        let meta = section { m in
            m.int(table.count)
            m.int(table.columnNames.count)
            for name in table.columnNames { m.string(name) }
            m.int(orders.shapes.count)
            for shape in orders.shapes {
                m.int(shape.count)
                for c in shape { m.int(c) }
            }
            m.int(table.skipped.count)
            for s in table.skipped { m.int(s) }
            m.u8(checks.idsAscend ? 1 : 0)
            m.int(checks.loadProblems.count)
            for p in checks.loadProblems { write(p, &m) }
            write(checks.found, &m)
            write(shapeSection, &m)
            for (encoding, sections) in columns {
                m.u8(encoding.rawValue)
                m.int(sections.count)
                for s in sections { write(s, &m) }
            }
            m.int(references.count)
            for (r, links) in zip(references, linkSections) {
                m.string(r.field)
                m.u64(r.targetHash)
                write(r.found, &m)
                write(links, &m)
            }
        }
        guard w.count <= limit else { return nil }
        var header = ByteWriter()
        header.raw(magic)
        header.u64(fingerprint)
        let id = stamp.identity
        for x in [id.device, id.inode, UInt64(bitPattern: id.size), UInt64(bitPattern: id.modified), UInt64(bitPattern: id.changed)] {
            header.u64(x)
        }
        header.u64(stamp.contentHash)
        header.u64(stamp.racy ? 1 : 0)
        header.int(meta.offset)
        header.int(meta.length)
        header.u64(meta.hash)
        header.u64(ContentHash.of(header.bytes))
        assert(header.count == headerSize)
        w.replacePrefix(with: header.bytes)
        return w.finish()
    }

    /// Clears an entry's racy flag (its header hash made again).
    static func markSettled(_ bytes: inout [UInt8]) {
        guard bytes.count >= headerSize else { return }
        for i in 64..<72 { bytes[i] = 0 }
        let hash = bytes.withUnsafeBytes { ContentHash.of(UnsafeRawBufferPointer(rebasing: $0[0..<(headerSize - 8)])) }
        withUnsafeBytes(of: hash.littleEndian) { for (i, b) in $0.enumerated() { bytes[headerSize - 8 + i] = b } }
    }

    static func encoding(of values: [JSONValue]) -> Encoding {
        var numbers = true, strings = true, any = false
        for v in values {
            switch v {
            case .null: continue
            case .number(let n):
                strings = false
                if n.keepsText { numbers = false }
            case .string: numbers = false
            default: return .json
            }
            any = true
            if !numbers && !strings { return .json }
        }
        if !any { return .null }
        return numbers ? .numbers : .strings
    }

    /// The distinct strings laid out as `concatenated` lays texts out, and each
    /// value's code; nil when there are too many distinct ones for a dictionary
    /// to pay (ids, names).
    private static func dictionary(_ values: [JSONValue]) -> ([UInt64], [UInt8], [UInt32])? {
        var codes = [UInt32](repeating: nullCode, count: values.count)
        var table = StringCodes()
        var lastCode = nullCode
        for (row, v) in values.enumerated() {
            guard case .string(let s) = v else { continue }
            let code = table.code(s, last: lastCode)
            if Column.tooManyDistinct(table.count, rows: row) { return nil }
            codes[row] = code
            lastCode = code
        }
        return (table.ends, table.bytes, codes)
    }

    /// Texts one after another, and where each ends (`nullEnd` set: no value).
    private static func concatenated(_ texts: [String?]) -> ([UInt64], [UInt8]) {
        var ends = [UInt64](repeating: 0, count: texts.count)
        var bytes: [UInt8] = []
        for (i, text) in texts.enumerated() {
            if var text {
                text.withUTF8 { bytes.append(contentsOf: $0) }
                ends[i] = UInt64(bytes.count)
            } else {
                ends[i] = UInt64(bytes.count) | nullEnd
            }
        }
        return (ends, bytes)
    }

    private static func write(_ s: Section, _ w: inout ByteWriter) {
        w.int(s.offset)
        w.int(s.length)
        w.u64(s.hash)
    }

    private static func write(_ p: StoreProblem, _ w: inout ByteWriter) {
        w.string(p.file)
        w.optional(p.record)
        w.optional(p.field)
        w.string(p.message)
    }

    private static func write(_ found: [Validator.Finding], _ w: inout ByteWriter) {
        w.int(found.count)
        for f in found {
            w.int(f.row)
            write(f.problem, &w)
        }
    }

    // MARK: Reading

    static func read(_ r: inout ByteReader) throws(CacheDamage) -> Section {
        Section(offset: try r.int(), length: try r.int(), hash: try r.u64())
    }

    static func read(_ r: inout ByteReader) throws(CacheDamage) -> StoreProblem {
        StoreProblem(file: try r.string(), record: try r.optional(), field: try r.optional(), message: try r.string())
    }

    static func read(_ r: inout ByteReader) throws(CacheDamage) -> [Validator.Finding] {
        let n = try r.count(of: 8)
        var found: [Validator.Finding] = []
        found.reserveCapacity(n)
        for _ in 0..<n {
            let row = try r.int()
            found.append((row, try read(&r)))
        }
        return found
    }
}
