import Foundation

/// Reads one collection file into a `Table`.
enum TableLoader {
    struct Loaded: @unchecked Sendable {
        // A Table is handed from the reading thread to the store once, and not shared.
        var table: Table
        var problems: [StoreProblem]
    }

    static func parse(_ collection: CollectionName, file: String) -> Result<Loaded, StoreError> {
        guard FileManager.default.fileExists(atPath: file) else {
            return .success(Loaded(table: Table(name: collection), problems: []))  // a missing file is an empty collection
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            return .failure(StoreError("cannot read \(collection.fileName): permission denied or not a file"))
        }
        return data.withUnsafeBytes { raw in
            parse(collection, bytes: raw.bindMemory(to: UInt8.self))
        }
    }

    static func parse(_ collection: CollectionName, bytes: UnsafeBufferPointer<UInt8>) -> Result<Loaded, StoreError> {
        let table = Table(name: collection)
        var problems: [StoreProblem] = []
        var reader = JSONReader(bytes: bytes)
        var fields: [(Int, JSONValue)] = []
        do {
            try reader.readArray { reader in
                reader.skipWhitespace()
                guard reader.consume(UInt8(ascii: "{")) else {
                    let value = try reader.readValue()
                    table.skipped.append(table.count + table.skipped.count)
                    problems.append(StoreProblem(
                        file: collection.fileName, record: "record \(table.count + table.skipped.count)", field: nil,
                        message: "expected an object, found \(value.typeName); this record is left out of queries"))
                    return
                }
                reader.position -= 1
                fields.removeAll(keepingCapacity: true)
                try reader.readObject { key, reader in
                    let column = table.columnAdding(key)
                    let value = try reader.readValue()
                    if fields.contains(where: { $0.0 == column }) {
                        problems.append(StoreProblem(
                            file: collection.fileName, record: "record \(table.count + table.skipped.count + 1)", field: key,
                            message: "the key appears twice in one object; the first value is used"))
                        return
                    }
                    fields.append((column, value))
                }
                table.append(fields)
            }
            try reader.expectEnd()
        } catch let e as JSONSyntaxError {
            return .failure(StoreError("cannot read \(collection.fileName): \(e)"))
        } catch {
            return .failure(StoreError("cannot read \(collection.fileName): \(error)"))
        }
        return .success(Loaded(table: table, problems: problems))
    }

    /// Parses several files, two at a time.
    static func parseConcurrently(_ files: [(CollectionName, String)]) -> [Result<Loaded, StoreError>] {
        let results = ResultSlots<Result<Loaded, StoreError>>(count: files.count)
        // Largest first, so the big file starts at once and the small ones share the other core.
        let order = files.indices.sorted { size(files[$0].1) > size(files[$1].1) }
        let next = Counter()
        DispatchQueue.concurrentPerform(iterations: min(2, files.count)) { _ in
            while let i = next.take(below: order.count) {
                let (c, path) = files[order[i]]
                results.set(order[i], parse(c, file: path))
            }
        }
        return results.values
    }

    private static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }
}

/// Results written by several threads, one slot each.
final class ResultSlots<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: T) { lock.withLock { slots[i] = value } }
    var values: [T] { lock.withLock { slots.map { $0! } } }
}

/// A shared counter handing out work items to threads.
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func take(below limit: Int) -> Int? {
        lock.withLock {
            guard value < limit else { return nil }
            value += 1
            return value - 1
        }
    }
}
