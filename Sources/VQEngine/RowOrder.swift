import VQJSON
import VQLanguage
import VQModel
import VQStore
import VQSupport

/// The order of `order by`: stable, nulls last in both directions. Keys are
/// computed once per row; a key whose values are all numbers (the usual case)
/// is compared as plain Doubles. When a `limit` follows, only that many rows
/// are kept while going through them, as DuckDB's top-N does, instead of
/// sorting every row.
struct RowOrder {
    /// One key's values for every row.
    private enum Column {
        /// Numbers, with `.nan` standing for null (a Double from a store is never NaN).
        case numbers([Double])
        case values([Value])
    }

    private let columns: [Column]
    private let descending: [Bool]

    /// `keys[k][row]`: the value of key k for each row. Amounts of one currency
    /// sort by amount; of several, by what they are in `reporting` (nil: by
    /// currency, then amount, as they are not comparable).
    init(keys: [[Value]], descending: [Bool], reporting: ((Money) throws -> Double)? = nil) throws {
        columns = try keys.map { values in
            var numbers: [Double] = []
            numbers.reserveCapacity(values.count)
            var currency: Currency?
            for v in values {
                switch v {
                case .number(let d) where !d.isNaN: numbers.append(d)
                case .null: numbers.append(.nan)
                case .money(let m) where currency == nil || currency == m.currency:
                    currency = m.currency
                    numbers.append(m.amount)
                default:
                    guard let reporting, values.allSatisfy({ if case .money = $0 { true } else { $0.isNull } }) else { return .values(values) }
                    return .numbers(try values.map { v in if case .money(let m) = v { try reporting(m) } else { .nan } })
                }
            }
            return .numbers(numbers)
        }
        self.descending = descending
    }

    /// Whether row `a` comes before row `b`.
    func before(_ a: Int, _ b: Int) -> Bool {
        for (k, column) in columns.enumerated() {
            let c: Int
            switch column {
            case .numbers(let xs):
                let x = xs[a], y = xs[b]
                if x.isNaN || y.isNaN {
                    if x.isNaN != y.isNaN { return y.isNaN }  // nulls last
                    continue
                }
                c = x < y ? -1 : (x > y ? 1 : 0)
            case .values(let vs):
                let x = vs[a], y = vs[b]
                if x.isNull || y.isNull {
                    if x.isNull != y.isNull { return y.isNull }
                    continue
                }
                c = ValueOrder.sortCompare(x, y) ?? 0
            }
            if c != 0 { return descending[k] ? c > 0 : c < 0 }
        }
        return a < b
    }

    /// The row numbers `0..<count` in order, or the first `keep` of them.
    /// `stop` is asked now and then; when it says yes the work ends and nil is returned.
    func sorted(count: Int, keep: Int?, stop: () -> Bool) -> [Int]? {
        var comparisons = 0
        var stopped = false
        func before(_ a: Int, _ b: Int) -> Bool {
            comparisons += 1
            if comparisons & 0xFFFF == 0, !stopped { stopped = stop() }
            return !stopped && self.before(a, b)
        }
        let result: [Int]
        if let keep, keep < count / 4 {
            result = top(keep, of: count, before: before)
        } else {
            result = Array((0..<count).sorted(by: before).prefix(keep ?? count))
        }
        return stopped ? nil : result
    }

    /// The first `n` rows in order: a heap of the best so far, its worst on top.
    private func top(_ n: Int, of count: Int, before: (Int, Int) -> Bool) -> [Int] {
        guard n > 0 else { return [] }
        var heap: [Int] = []
        heap.reserveCapacity(n)
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var worst = i
                if l < heap.count, before(heap[worst], heap[l]) { worst = l }
                if r < heap.count, before(heap[worst], heap[r]) { worst = r }
                if worst == i { return }
                heap.swapAt(i, worst)
                i = worst
            }
        }
        for row in 0..<count {
            if heap.count < n {
                heap.append(row)
                var i = heap.count - 1
                while i > 0, before(heap[(i - 1) / 2], heap[i]) {
                    heap.swapAt(i, (i - 1) / 2)
                    i = (i - 1) / 2
                }
            } else if before(row, heap[0]) {
                heap[0] = row
                siftDown(0)
            }
        }
        return heap.sorted(by: before)
    }
}
