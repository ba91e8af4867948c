import VQJSON
import VQSupport

/// A value the evaluator works with. Dates and months are typed so that they
/// compare and compute as dates; records are references into the store.
public enum Value: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    /// An amount with its currency (SPEC §5).
    case money(Money)
    case string(String)
    /// Days since 1970-01-01.
    case date(Int)
    /// Months since year 0.
    case month(Int)
    case list([Value])
    case record(CollectionName, Int)
    /// A whole-result value, such as a simulation result kept in a variable.
    case object([(String, Value)])

    public static func == (a: Value, b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.money(let x), .money(let y)): x.amount == y.amount && x.currency == y.currency
        case (.string(let x), .string(let y)): x.sameCodePoints(as: y)
        case (.date(let x), .date(let y)): x == y
        case (.month(let x), .month(let y)): x == y
        case (.list(let x), .list(let y)): x == y
        case (.record(let c, let i), .record(let d, let j)): c == d && i == j
        case (.object(let x), .object(let y)):
            x.count == y.count && zip(x, y).allSatisfy { $0.0.sameCodePoints(as: $1.0) && $0.1 == $1.1 }
        default: false
        }
    }

    public var isNull: Bool { if case .null = self { true } else { false } }

    public var number: Double? { if case .number(let d) = self { d } else { nil } }

    /// The number, or the amount of money (whatever its currency).
    public var amount: Double? {
        switch self {
        case .number(let d): d
        case .money(let m): m.amount
        default: nil
        }
    }

    /// The type name used in messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .number: "number"
        case .money: "money"
        case .string: "string"
        case .date: "date"
        case .month: "month"
        case .list: "list"
        case .record(let c, _): c.singular
        case .object: "object"
        }
    }
}

/// Three-valued comparison and ordering shared by `=`, `<`, `order by`, `min`, `max` and `distinct`.
public enum ValueOrder {
    /// Compares two non-null values, coercing a date string to the other side's
    /// date or month; nil when the types cannot be compared.
    public static func compare(_ a: Value, _ b: Value) -> Int? {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        // Money of one currency compares by amount; a bare number compares with
        // the amount as stored. Different currencies compare only once converted.
        case (.money(let x), .money(let y)) where x.currency == y.currency: return compare(.number(x.amount), .number(y.amount))
        case (.money(let x), .number): return compare(.number(x.amount), b)
        case (.number, .money(let y)): return compare(a, .number(y.amount))
        case (.string(let x), .string(let y)): return x.codePointOrder(y)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (x ? 1 : -1)
        case (.date(let x), .date(let y)), (.month(let x), .month(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.date(let x), .month(let m)): return compare(.month(Dates.month(ofDay: x)), .month(m))
        case (.month(let m), .date(let x)): return compare(.month(m), .month(Dates.month(ofDay: x)))
        case (.date, .string(let s)), (.month, .string(let s)):
            guard let other = parseTemporal(s) else { return nil }
            return compare(a, other)
        case (.string(let s), .date), (.string(let s), .month):
            guard let other = parseTemporal(s) else { return nil }
            return compare(other, b)
        case (.record(let c, let i), .record(let d, let j)) where c == d: return i < j ? -1 : (i > j ? 1 : 0)
        case (.list(let x), .list(let y)):
            for (u, v) in zip(x, y) {
                if let c = sortCompare(u, v), c != 0 { return c }
            }
            return x.count < y.count ? -1 : (x.count > y.count ? 1 : 0)
        default: return nil
        }
    }

    /// A date (`YYYY-MM-DD`) or month (`YYYY-MM`) written as a string.
    public static func parseTemporal(_ s: String) -> Value? {
        if let d = Dates.parseDate(s) { return .date(d) }
        if let m = Dates.parseMonth(s) { return .month(m) }
        return nil
    }

    /// A total order for sorting: nulls after everything, then values of
    /// different types by a fixed rank.
    public static func sortCompare(_ a: Value, _ b: Value) -> Int? {
        switch (a.isNull, b.isNull) {
        case (true, true): return 0
        case (true, false): return 1
        case (false, true): return -1
        default: break
        }
        if let c = compare(a, b) { return c }
        // Unconverted amounts sort by currency, then amount: deterministic, and each currency together.
        if case .money(let x) = a, case .money(let y) = b {
            return x.currency < y.currency ? -1 : (x.currency == y.currency ? compare(.number(x.amount), .number(y.amount)) : 1)
        }
        let ra = rank(a), rb = rank(b)
        return ra < rb ? -1 : (ra > rb ? 1 : 0)
    }

    private static func rank(_ v: Value) -> Int {
        switch v {
        case .null: 9
        case .bool: 0
        case .number, .money: 1
        case .date, .month: 2
        case .string: 3
        case .list: 4
        case .record: 5
        case .object: 6
        }
    }
}

extension Value: Hashable {
    public func hash(into h: inout Hasher) {
        switch self {
        case .null: h.combine(0)
        case .bool(let b): h.combine(b)
        case .number(let d): h.combine(d)
        case .money(let m): h.combine(m.amount); h.combine(m.currency)
        case .string(let s): h.combine(ExactString(s))
        case .date(let d): h.combine(d)
        case .month(let m): h.combine(m)
        case .list(let items): h.combine(items)
        case .record(let c, let i): h.combine(c); h.combine(i)
        case .object(let pairs): h.combine(pairs.map { ExactString($0.0) })
        }
    }
}
