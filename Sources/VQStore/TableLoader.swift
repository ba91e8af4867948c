import Foundation
import VQJSON
import VQModel
import VQSupport

/// Reads one collection file into a `Table`.
public enum TableLoader {
    struct Loaded: @unchecked Sendable {
        // A Table is handed from the reading thread to the store once, and not shared.
        var table: Table
        var problems: [StoreProblem]
        /// The file as it was when read (nil: it was missing).
        var identity: FileIdentity? = nil
        /// The hash of the content parsed (when the cache is on), and the version
        /// read, for its entry (nil when the file changed while it was read).
        var contentHash: UInt64? = nil
        var stamp: SourceStamp? = nil
    }

    /// A file read: parsed from JSON, or its current column cache entry.
    enum Read: @unchecked Sendable {
        case parsed(Loaded)
        case cached(CacheEntry)
    }

    static func parse(_ collection: CollectionName, file: String) -> Result<Loaded, StoreError> {
        read(collection, file: file, cache: nil).map { read in
            guard case .parsed(let loaded) = read else { preconditionFailure("no cache was given") }
            return loaded
        }
    }

    /// The file's current column cache entry, without reading the file otherwise.
    static func cached(_ collection: CollectionName, file: String, cache: ColumnCache) -> CacheEntry? {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return cache.entry(collection, file: file, json: fd, identity: FileIdentity(info))
    }

    /// Reads a file, from its column cache entry when `cache` has a current one.
    static func read(_ collection: CollectionName, file: String, cache: ColumnCache?) -> Result<Read, StoreError> {
        guard FileManager.default.fileExists(atPath: file) else {
            return .success(.parsed(Loaded(table: Table(name: collection), problems: [])))  // a missing file is an empty collection
        }
        let readStart = ColumnCache.now()
        // Mapped rather than read: no copy of a large file, and the pages come from the cache.
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return .failure(StoreError("cannot read \(collection.fileName): \(String(cString: strerror(errno)))"))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            return .failure(StoreError("cannot read \(collection.fileName): not a regular file"))
        }
        let identity = FileIdentity(info)
        if let cache, let entry = cache.entry(collection, file: file, json: fd, identity: identity) { return .success(.cached(entry)) }
        guard let mapped = MappedFile(fd: fd) else {
            return .failure(StoreError("cannot read \(collection.fileName): \(String(cString: strerror(errno)))"))
        }
        // Hashed before it is parsed, and its identity taken again after: a file changed
        // while it was read gets no entry, or one whose hash is not of what was parsed.
        // Hashed pages are given back: the parse reads them again from the page cache.
        let contentHash = cache.map { _ in
            ContentHash.of(UnsafeRawBufferPointer(mapped.bytes)) { MappedFile.release(mapped.bytes, ($0 - 16 << 20)..<$0) }
        }
        return parse(collection, bytes: mapped.bytes).map { loaded in
            var loaded = loaded
            loaded.identity = identity
            loaded.contentHash = contentHash
            var after = stat()
            if let cache, let contentHash, fstat(fd, &after) == 0, FileIdentity(after) == identity {
                loaded.stamp = SourceStamp(identity: identity, contentHash: contentHash, racy: identity.latest >= readStart - cache.racyWindow)
            }
            return .parsed(loaded)
        }
    }

    /// The records of a file whose string `field` is one of `values`, found
    /// without reading the rest: each value is searched for in quotes, and the
    /// object around each hit is read and checked. Nil when a hit cannot be
    /// read as such a record: the caller then reads the whole file.
    static func records(in file: String, field: String, values: Set<ExactString>) -> [JSONObject]? {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return FileManager.default.fileExists(atPath: file) ? nil : [] }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { return nil }
        let size = Int(info.st_size)
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else { return nil }
        defer { munmap(base, size) }
        let bytes = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: size)
        var starts = Set<Int>()
        var out: [JSONObject] = []
        let patterns = values.map { value -> (String, [UInt8]) in
            var written = ""
            JSONWriter.writeString(value.string, into: &written)
            return (value.string, Array(written.utf8))
        }
        for (pattern, hit) in Search.any(patterns.map(\.1), in: bytes, threads: 2) {
            // The record's `{`: the nearest one before the hit (checked below).
            var start = hit
            while start > 0, bytes[start] != UInt8(ascii: "{") { start -= 1 }
            guard !starts.contains(start) else { continue }
            var reader = JSONReader(bytes: bytes)
            reader.position = start
            guard case .object(let record)? = try? reader.readValue(), reader.position > hit,
                  record[field] == .string(patterns[pattern].0) else { return nil }
            starts.insert(start)
            out.append(record)
        }
        return out
    }

    /// A problem in a record, by its position among the file's array elements.
    private struct RecordProblem {
        var element: Int
        var field: String?
        var message: String
    }

    /// One part of a file's array, read into its own builder.
    private struct Part {
        var builder: TableBuilder
        var problems: [RecordProblem] = []
        /// Whether reading stopped at the planned split point (else it read to the end).
        var stoppedAtSplit = false
    }

    static func parse(_ collection: CollectionName, bytes: UnsafeBufferPointer<UInt8>) -> Result<Loaded, StoreError> {
        // A large file is read in two halves at once when a record boundary can be
        // found near its middle; the first half confirms the guess by arriving
        // exactly there, or else reads on to the end by itself.
        if bytes.count >= 4 << 20, let split = splitPoint(bytes) {
            let buffer = SendableBytes(bytes: bytes)
            let parts = ResultSlots<Result<Part, Error>>(count: 2)
            Parallel.run(2) { i in
                parts.set(i, Result { try readPart(collection, buffer.bytes, from: i == 0 ? nil : split, stopAt: i == 0 ? split : nil) })
            }
            var results = parts.take()
            let second = results.removeLast(), first = results.removeLast()
            if case .success(var first) = consume first, case .success(let second) = consume second {
                if first.stoppedAtSplit {
                    let offset = first.builder.elements
                    first.builder.append(second.builder)
                    first.problems += second.problems.map { RecordProblem(element: $0.element + offset, field: $0.field, message: $0.message) }
                }
                return .success(loaded(collection, first))
            }
        }
        return Result { try readPart(collection, bytes, from: nil, stopAt: nil) }
            .map { loaded(collection, $0) }
            .mapError { error in
                StoreError("cannot read \(collection.fileName): \((error as? JSONSyntaxError).map(String.init(describing:)) ?? "\(error)")")
            }
    }

    private static func loaded(_ collection: CollectionName, _ part: Part) -> Loaded {
        var builder = part.builder
        return Loaded(table: Table(builder.finish()), problems: part.problems.map {
            StoreProblem(file: collection.fileName, record: "record \($0.element + 1)", field: $0.field, message: $0.message)
        })
    }

    /// The offset of a `{` after the middle of the file that follows `,` and a line break:
    /// likely the start of a record (a line break cannot be inside a JSON string).
    private static func splitPoint(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = bytes.count / 2
        while i < bytes.count - 1 {
            if bytes[i] == UInt8(ascii: ",") {
                var j = i + 1
                var sawNewline = false
                while j < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[j]) {
                    if bytes[j] == 0x0A { sawNewline = true }
                    j += 1
                }
                if sawNewline, j < bytes.count, bytes[j] == UInt8(ascii: "{") { return j }
                i = j
            } else {
                i += 1
            }
        }
        return nil
    }

    /// Reads the array's elements: from the `[` (from: nil) or from a record start,
    /// up to `stopAt` if reading arrives there exactly, or to the closing `]`.
    private static func readPart(_ collection: CollectionName, _ bytes: UnsafeBufferPointer<UInt8>,
                                 from start: Int?, stopAt: Int?) throws -> Part {
        var part = Part(builder: TableBuilder(name: collection))
        var reader = JSONReader(bytes: bytes)
        var columnOfKey: [Int] = []
        var reserved = false
        if let start {
            reader.position = start
        } else {
            reader.position = JSONReader.byteOrderMark(bytes)
            try reader.expect(UInt8(ascii: "["), "'[' (a store file is a JSON array of objects)")
            if reader.consume(UInt8(ascii: "]")) {
                try reader.expectEnd()
                return part
            }
        }
        let origin = reader.position
        // What has been read is given back as reading goes: values are copied
        // out, so a large file never sits in memory whole beside its table.
        var released = origin
        while true {
            if reader.position - released >= 16 << 20 {
                MappedFile.release(bytes, released..<reader.position)
                released = reader.position
            }
            reader.skipWhitespace()
            if let stopAt, reader.position == stopAt {
                part.stoppedAtSplit = true
                return part
            }
            if reader.consume(UInt8(ascii: "{")) {
                reader.position -= 1
                try reader.readObject(keyIndex: true) { key, reader in
                    while columnOfKey.count <= key { columnOfKey.append(-1) }
                    if columnOfKey[key] < 0 { columnOfKey[key] = part.builder.column(named: reader.keyName(key)) }
                    if try !part.builder.add(columnOfKey[key], from: &reader) {
                        part.problems.append(RecordProblem(element: part.builder.elements, field: reader.keyName(key),
                                                           message: "the key appears twice in one object; the first value is used"))
                    }
                }
                part.builder.endRecord()
            } else {
                let value = try reader.readValue()
                part.problems.append(RecordProblem(element: part.builder.elements, field: nil,
                                                   message: "expected an object, found \(value.typeName); this record is left out of queries"))
                part.builder.skipElement()
            }
            // Reserve room once the typical record size is known: growing a column by
            // doubling would copy it again and again.
            if !reserved, part.builder.count == 2000 {
                reserved = true
                // The first part will hold the second's records too.
                let share = Double(bytes.count - origin) / Double(reader.position - origin)
                part.builder.reserve(Int(share * 2000 * 1.05))
            }
            if reader.consume(UInt8(ascii: ",")) { continue }
            try reader.expect(UInt8(ascii: "]"), "',' or ']'")
            try reader.expectEnd()
            return part
        }
    }

    /// Reads several files, two at a time.
    static func readConcurrently(_ files: [(CollectionName, String)], cache: ColumnCache?) -> [Result<Read, StoreError>] {
        let results = ResultSlots<Result<Read, StoreError>>(count: files.count)
        // Largest first, so the big file starts at once and the small ones share the other core.
        let order = files.indices.sorted { size(files[$0].1) > size(files[$1].1) }
        let next = Counter()
        Parallel.run(min(2, files.count)) { _ in
            while let i = next.take(below: order.count) {
                let (c, path) = files[order[i]]
                results.set(order[i], read(c, file: path, cache: cache))
            }
        }
        return results.take()
    }

    private static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }
}
