import VQSupport

/// The records of a table by id (the first record wins when an id is
/// duplicated). When a large table's records all have ids and they ascend —
/// as generated files and most exports have them — the ids themselves are the
/// index, searched by halves: no dictionary of a million keys to build on every read.
public struct IDIndex: Sendable {
    private enum Storage: Sendable {
        case hashed([ExactString: Int])
        /// Row i has ids[i], in code point order.
        case ascending([String])
    }
    private var storage: Storage

    static let empty = IDIndex(storage: .hashed([:]))

    /// The index of `ids` (nil: a record without one): the ids themselves when
    /// they are known to ascend, else a dictionary in which the first record wins.
    init(ids: [String?], ascending: Bool) {
        if ascending, !ids.contains(nil) {
            storage = .ascending(ids.map { $0! })
            return
        }
        var index: [ExactString: Int] = [:]
        index.reserveCapacity(ids.count)
        for (row, id) in ids.enumerated() {
            guard let id else { continue }
            if index[ExactString(id)] == nil { index[ExactString(id)] = row }
        }
        storage = .hashed(index)
    }

    init(hashed: [ExactString: Int]) { storage = .hashed(hashed) }
    init(ascending ids: [String]) { storage = .ascending(ids) }
    private init(storage: Storage) { self.storage = storage }

    public func row(_ id: String) -> Int? {
        switch storage {
        case .hashed(let index): return index[ExactString(id)]
        case .ascending(let ids):
            var lo = 0, hi = ids.count
            while lo < hi {
                let mid = (lo + hi) / 2
                let c = ids[mid].codePointOrder(id)
                if c == 0 { return mid }
                if c < 0 { lo = mid + 1 } else { hi = mid }
            }
            return nil
        }
    }

    /// Whether the ids index themselves (they ascend).
    var isAscending: Bool {
        if case .ascending = storage { return true }
        return false
    }

    public var ids: [String] {
        switch storage {
        case .hashed(let index): index.keys.map(\.string)
        case .ascending(let ids): ids
        }
    }
}
