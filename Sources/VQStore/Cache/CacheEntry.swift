import Foundation
import VQJSON
import VQModel
import VQSupport

/// One column cache file, mapped: its header and meta section checked when
/// opened, each other section when first used. It keeps the JSON file it
/// stands for open, so that a part that fails its check is read from the very
/// file that was checked.
final class CacheEntry: ColumnSource {
    let collection: CollectionName
    /// What the meta section says.
    let meta: Meta
    private let bytes: UnsafeRawBufferPointer
    private let json: Int32
    /// Sections (by offset) whose hash has been compared.
    private var verified: Set<Int> = []

    /// The entry at `path` if it is whole and was made by this build from the
    /// file open as `json` (whose identity is `identity`); nil otherwise.
    init?(path: String, collection: CollectionName, fingerprint: UInt64, json: Int32, identity: FileIdentity) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size >= CacheFile.headerSize,
              let base = mmap(nil, Int(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else { return nil }
        let bytes = UnsafeRawBufferPointer(start: base, count: Int(info.st_size))
        var parsed: Meta?
        do { parsed = try CacheEntry.meta(bytes, fingerprint: fingerprint, identity: identity) } catch { parsed = nil }
        guard let meta = parsed else {
            munmap(base, Int(info.st_size))
            return nil
        }
        self.collection = collection
        self.bytes = bytes
        self.json = dup(json)
        self.meta = meta
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        close(json)
    }

    struct Meta {
        var stamp: SourceStamp
        var count: Int
        var columnNames: [String]
        var shapes: [[Int]]
        var skipped: [Int]
        var checks: CachedChecks
        /// By field: the target's content hash, the findings and the links' section.
        var references: [String: (targetHash: UInt64, found: [Validator.Finding], links: CacheFile.Section)]
        var columns: [(CacheFile.Encoding, [CacheFile.Section])]
        var shapeSection: CacheFile.Section
    }

    private var count: Int { meta.count }
    private var columns: [(CacheFile.Encoding, [CacheFile.Section])] { meta.columns }

    private static func meta(_ bytes: UnsafeRawBufferPointer, fingerprint: UInt64, identity: FileIdentity) throws(CacheDamage) -> Meta? {
        var h = ByteReader(bytes)
        for m in CacheFile.magic where try h.u8() != m { return nil }
        guard try h.u64() == fingerprint else { return nil }
        let cached = FileIdentity(device: try h.u64(), inode: try h.u64(), size: try h.i64(), modified: try h.i64(), changed: try h.i64())
        guard cached == identity else { return nil }
        let contentHash = try h.u64()
        let flags = try h.u64()
        let metaSection = CacheFile.Section(offset: try h.int(), length: try h.int(), hash: try h.u64())
        let headerHash = try h.u64()
        guard headerHash == ContentHash.of(UnsafeRawBufferPointer(rebasing: bytes[0..<(CacheFile.headerSize - 8)])),
              let metaBytes = checked(metaSection, in: bytes) else { throw CacheDamage() }
        var r = ByteReader(bytes, at: metaSection.offset)
        _ = metaBytes
        let count = try r.int()
        let names = try (0..<r.count(of: 4)).map { (_: Int) throws(CacheDamage) in try r.string() }
        let shapes = try (0..<r.count(of: 8)).map { (_: Int) throws(CacheDamage) -> [Int] in
            try (0..<r.count(of: 8)).map { (_: Int) throws(CacheDamage) -> Int in
                let c = try r.int()
                guard c >= 0, c < names.count else { throw CacheDamage() }
                return c
            }
        }
        let skipped = try (0..<r.count(of: 8)).map { (_: Int) throws(CacheDamage) in try r.int() }
        let idsAscend = try r.u8() == 1
        let loadProblems = try (0..<r.count(of: 8)).map { (_: Int) throws(CacheDamage) -> StoreProblem in try CacheFile.read(&r) }
        let found: [Validator.Finding] = try CacheFile.read(&r)
        let shapeSection: CacheFile.Section = try CacheFile.read(&r)
        var columns: [(CacheFile.Encoding, [CacheFile.Section])] = []
        for _ in names {
            guard let encoding = CacheFile.Encoding(rawValue: try r.u8()) else { throw CacheDamage() }
            let sections = try (0..<r.count(of: 24)).map { (_: Int) throws(CacheDamage) -> CacheFile.Section in try CacheFile.read(&r) }
            columns.append((encoding, sections))
        }
        var references: [String: (targetHash: UInt64, found: [Validator.Finding], links: CacheFile.Section)] = [:]
        for _ in 0..<(try r.count(of: 8)) {
            let field = try r.string()
            let target = try r.u64()
            let found: [Validator.Finding] = try CacheFile.read(&r)
            references[field] = (target, found, try CacheFile.read(&r))
        }
        guard r.position == metaSection.offset + metaSection.length else { throw CacheDamage() }
        return Meta(stamp: SourceStamp(identity: identity, contentHash: contentHash, racy: flags & 1 != 0), count: count,
                    columnNames: names, shapes: shapes, skipped: skipped,
                    checks: CachedChecks(loadProblems: loadProblems, found: found, idsAscend: idsAscend),
                    references: references, columns: columns, shapeSection: shapeSection)
    }

    /// A section's bytes if it lies within the file and hashes as written.
    private static func checked(_ s: CacheFile.Section, in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard s.offset >= CacheFile.headerSize, s.length >= 0, s.offset <= bytes.count - s.length else { return nil }
        let part = UnsafeRawBufferPointer(rebasing: bytes[s.offset..<(s.offset + s.length)])
        return ContentHash.of(part) == s.hash ? part : nil
    }

    /// A checked section as `n` plain values.
    /// A section's bytes, its hash compared on first use only (the file is mapped read-only).
    private func checked(_ s: CacheFile.Section) -> UnsafeRawBufferPointer? {
        if verified.contains(s.offset) { return UnsafeRawBufferPointer(rebasing: bytes[s.offset..<(s.offset + s.length)]) }
        guard let part = CacheEntry.checked(s, in: bytes) else { return nil }
        verified.insert(s.offset)
        return part
    }

    private func array<T: BitwiseCopyable>(_ s: CacheFile.Section, _ type: T.Type, count n: Int? = nil) -> UnsafeBufferPointer<T>? {
        guard let part = checked(s), part.count % MemoryLayout<T>.stride == 0 else { return nil }
        let n = n ?? part.count / MemoryLayout<T>.stride
        guard n * MemoryLayout<T>.stride == part.count else { return nil }
        var r = ByteReader(part)
        return try? r.array(n, of: T.self)
    }

    /// A copy of the entry's bytes.
    var fileBytes: [UInt8]? { Array(bytes) }

    /// Whether the JSON file (open since the entry was checked) still holds the content hashed.
    func contentMatches() -> Bool {
        guard let mapped = MappedFile(fd: json) else { return false }
        return ContentHash.of(UnsafeRawBufferPointer(mapped.bytes)) == meta.stamp.contentHash
    }

    // MARK: ColumnSource

    /// Column c, numbers and codes in place in their checked sections.
    func column(_ c: Int) -> Column? {
        guard columns.indices.contains(c) else { return nil }
        let (encoding, sections) = columns[c]
        switch encoding {
        case .null:
            return .nulls(count)
        case .numbers:
            guard sections.count == 1, let doubles = array(sections[0], Double.self, count: count) else { return nil }
            return .numbers(ColumnArray(mapped: doubles, owner: self))
        case .dictionary:
            guard sections.count == 3, let distinct = texts(sections[0], sections[1]),
                  let codes = array(sections[2], UInt32.self, count: count),
                  codes.allSatisfy({ $0 == Column.nullCode || Int($0) < distinct.count }) else { return nil }
            return .codes(distinct: distinct.map { $0 ?? "" }, codes: ColumnArray(mapped: codes, owner: self))
        case .strings:
            guard sections.count == 2, let strings = texts(sections[0], sections[1]), strings.count == count else { return nil }
            return .values(strings.map { $0.map(JSONValue.string) ?? .null })
        case .json:
            guard sections.count == 2, let ends = array(sections[0], UInt64.self, count: count),
                  let text = checked(sections[1]) else { return nil }
            var out = [JSONValue](repeating: .null, count: count)
            var start = 0
            for (row, end) in ends.enumerated() {
                let stop = Int(end & ~CacheFile.nullEnd)
                guard stop >= start, stop <= text.count else { return nil }
                if end & CacheFile.nullEnd == 0 {
                    var reader = JSONReader(bytes: UnsafeBufferPointer(rebasing: text.bindMemory(to: UInt8.self)[start..<stop]))
                    guard let value = try? reader.readValue() else { return nil }
                    out[row] = value
                }
                start = stop
            }
            return .values(out)
        }
    }

    /// Texts laid out by `CacheFile.concatenated` (nil for each null).
    private func texts(_ endSection: CacheFile.Section, _ textSection: CacheFile.Section) -> [String?]? {
        guard let ends = array(endSection, UInt64.self), let text = checked(textSection) else { return nil }
        var out: [String?] = []
        out.reserveCapacity(ends.count)
        var start = 0
        for end in ends {
            let stop = Int(end & ~CacheFile.nullEnd)
            guard stop >= start, stop <= text.count else { return nil }
            out.append(end & CacheFile.nullEnd != 0 ? nil : String(decoding: UnsafeRawBufferPointer(rebasing: text[start..<stop]), as: UTF8.self))
            start = stop
        }
        return out
    }

    func recordShapes() -> [Int32]? { array(meta.shapeSection, Int32.self, count: count).map(Array.init) }

    func links(_ field: String) -> [Int32]? {
        guard let r = meta.references[field] else { return nil }
        return array(r.links, Int32.self, count: count).map(Array.init)
    }

    func reread() -> TableBuilder.Parts? {
        guard let mapped = MappedFile(fd: json), case .success(let loaded) = TableLoader.parse(collection, bytes: mapped.bytes) else { return nil }
        return loaded.table.builtParts
    }
}

/// A whole file mapped read-only, unmapped when released.
final class MappedFile {
    let bytes: UnsafeBufferPointer<UInt8>

    init?(fd: Int32) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        let size = Int(info.st_size)
        if size == 0 {
            bytes = UnsafeBufferPointer(start: nil, count: 0)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else { return nil }
        bytes = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    /// Gives back the pages wholly inside `range` of a mapping: they leave this
    /// process's memory and stay in the page cache, read again if touched (the
    /// mapping is private and never written, so nothing is lost).
    static func release(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        guard let base = bytes.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = UInt(bitPattern: base) + UInt(range.lowerBound), end = UInt(bitPattern: base) + UInt(range.upperBound)
        let first = (start + UInt(page) - 1) / UInt(page) * UInt(page), last = end / UInt(page) * UInt(page)
        guard last > first else { return }
        madvise(UnsafeMutableRawPointer(bitPattern: first), Int(last - first), Int32(MADV_DONTNEED))
    }
}
