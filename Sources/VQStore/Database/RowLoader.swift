import VQJSON
import VQModel
import VQSupport

/// Builds a collection's table from a database's rows, field by field, into the
/// same columns a file's records give (each value read as the JSON it is), with
/// the same problems; a record whose fields are not all in their columns comes
/// whole, as the JSON object its file would hold.
public struct RowLoader: @unchecked Sendable {
    // A loader is filled by one thread, then handed to the store once.
    private var builder: TableBuilder
    private var problems: [(element: Int, field: String, message: String)] = []
    private let collection: CollectionName

    public init(_ collection: CollectionName, expected: Int) {
        self.collection = collection
        builder = TableBuilder(name: collection)
        if expected > 0 { builder.reserve(expected) }
    }

    public var count: Int { builder.count }

    // Each value of model field `field` (its index in the collection's fields) of the record being built.

    public mutating func string(_ field: Int, _ bytes: UnsafeBufferPointer<UInt8>) {
        _ = builder.add(field) { $0.append(string: bytes) }
    }

    public mutating func number(_ field: Int, _ text: UnsafeBufferPointer<UInt8>) throws(StoreError) {
        guard let n = JSONReader.number(bytes: text) else {
            throw StoreError("the database sent a number of \(collection.rawValue).\(collection.spec.fields[field].name) vq cannot read")
        }
        _ = builder.add(field) { $0.append(.number(n)) }
    }

    public mutating func bool(_ field: Int, _ value: Bool) {
        _ = builder.add(field) { $0.append(.bool(value)) }
    }

    public mutating func field(_ field: Int, json: UnsafeBufferPointer<UInt8>) throws(StoreError) {
        var reader = JSONReader(bytes: json)
        do { _ = try builder.add(field, from: &reader) } catch {
            throw StoreError("the database sent a value of \(collection.rawValue).\(collection.spec.fields[field].name) vq cannot read: \(error)")
        }
    }

    /// The whole record being built, as a JSON object.
    public mutating func record(json: UnsafeBufferPointer<UInt8>) throws(StoreError) {
        var reader = JSONReader(bytes: json)
        do {
            try reader.readObject { name, reader in
                if try !builder.add(builder.column(named: name), from: &reader) {
                    problems.append((builder.elements, name, "the key appears twice in one object; the first value is used"))
                }
            }
        } catch {
            throw StoreError("the database holds a record of \(collection.rawValue) vq cannot read: \(error)")
        }
    }

    /// Fields the model does not know, after the record's columns, as a JSON object.
    public mutating func extras(json: UnsafeBufferPointer<UInt8>) throws(StoreError) { try record(json: json) }

    public mutating func endRecord() { builder.endRecord() }

    /// Appends the records another loader built (the later rows of the same table).
    public mutating func append(_ other: RowLoader) {
        let offset = builder.elements
        builder.append(other.builder)
        problems += other.problems.map { ($0.element + offset, $0.field, $0.message) }
    }

    /// The table, as `TableLoader` gives one parsed from a file.
    mutating func finish() -> TableLoader.Loaded {
        TableLoader.Loaded(table: Table(builder.finish()), problems: problems.map {
            StoreProblem(file: collection.fileName, record: "record \($0.element + 1)", field: $0.field, message: $0.message)
        })
    }
}
