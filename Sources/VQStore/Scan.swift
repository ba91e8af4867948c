import Foundation
import VQJSON
import VQModel
import VQSupport

extension Store {
    /// Each record of `collection` as the values of `fields` (nil: absent), in
    /// file order, without building its table: one pass over a large file that
    /// only a few of its fields are needed from (a portfolio's recorded costs).
    /// A table already read is gone through instead. Records are not validated
    /// here: the caller takes only values of the types it needs, as a table reads
    /// the others as null; the file's problems are reported when it is read.
    public func scan(_ collection: CollectionName, fields: [String], _ body: ([JSONValue?]) throws(StoreError) -> Void) throws(StoreError) {
        // A database's collection is read whole, as a table.
        if let table = try readWhole(collection) {
            let columns = fields.map { table.column($0).map { table.columns[$0] } }
            for row in 0..<table.count { try body(columns.map { $0?[row] }) }
            return
        }
        let file = fileURL(collection)
        guard let data = FileManager.default.contents(atPath: file) else { return }  // a missing file is an empty collection
        let failure: StoreError? = data.withUnsafeBytes { raw -> StoreError? in
            let bytes = raw.bindMemory(to: UInt8.self)
            var reader = JSONReader(bytes: bytes)
            var slotOfKey: [Int] = []
            do {
                reader.position = JSONReader.byteOrderMark(bytes)
                try reader.expect(UInt8(ascii: "["), "'[' (a store file is a JSON array of objects)")
                if reader.consume(UInt8(ascii: "]")) { return nil }
                while true {
                    reader.skipWhitespace()
                    if reader.consume(UInt8(ascii: "{")) {
                        reader.position -= 1
                        var values = [JSONValue?](repeating: nil, count: fields.count)
                        try reader.readObject(keyIndex: true) { key, r in
                            while slotOfKey.count <= key { slotOfKey.append(-2) }
                            if slotOfKey[key] == -2 { slotOfKey[key] = fields.firstIndex(of: r.keyName(key)) ?? -1 }
                            let value = try r.readValue()
                            // The first of a repeated key is used, as a table does.
                            if slotOfKey[key] >= 0, values[slotOfKey[key]] == nil { values[slotOfKey[key]] = value }
                        }
                        try body(values)
                    } else {
                        _ = try reader.readValue()  // not an object: left out, as a table leaves it
                    }
                    if reader.consume(UInt8(ascii: ",")) { continue }
                    try reader.expect(UInt8(ascii: "]"), "',' or ']'")
                    try reader.expectEnd()
                    return nil
                }
            } catch let e as StoreError {
                return e
            } catch {
                return StoreError("cannot read \(collection.fileName): \(error)")
            }
        }
        if let failure { throw failure }
    }
}

extension Store {
    /// The ids of a collection's records, to check references against: its table's
    /// when it is read or cached, else from one pass over its file (an import into
    /// measurements needs no more of kpis.json, nor the contracts kpis refer to).
    public func idIndex(_ collection: CollectionName) throws(StoreError) -> IDIndex {
        if let table = try readWhole(collection) { return table.idIndex }
        if servedFromCache(collection) { return try table(collection).idIndex }
        var ids: [String?] = []
        try scan(collection, fields: ["id"]) { values throws(StoreError) in
            if case .string(let id)? = values[0] { ids.append(id) } else { ids.append(nil) }
        }
        let ascending = zip(ids, ids.dropFirst()).allSatisfy { a, b in
            guard let a, let b else { return false }
            return a.codePointOrder(b) < 0
        }
        return IDIndex(ids: ids, ascending: ascending)
    }
}
