import Foundation
import VQModel

extension Store {
    /// A collection's file as it is now, to change; with its table, checked to hold
    /// the records the table was read from.
    public func fileEdit(_ collection: CollectionName, checkedAgainst table: Table?) throws(StoreError) -> FileEdit {
        // A database's collection is changed by row: its rows as read are the elements.
        if database != nil { return FileEdit(rows: try self.table(collection).count) }
        let edit = try FileEdit(contents: FileManager.default.contents(atPath: fileURL(collection)))
        if let table, edit.elements.count != table.count + table.skipped.count {
            throw StoreError("\(collection.fileName) changed while it was being read; try again")
        }
        return edit
    }
}

extension Table {
    /// The file's array position of each record (elements that are not objects are not records).
    public var elementIndices: [Int] {
        var out: [Int] = []
        out.reserveCapacity(count)
        var skipped = skipped[...]
        var element = 0
        while out.count < count {
            if skipped.first == element { skipped = skipped.dropFirst() } else { out.append(element) }
            element += 1
        }
        return out
    }
}
