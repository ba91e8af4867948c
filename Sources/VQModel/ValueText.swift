import Foundation
import VQJSON
import VQSupport

/// Text for values: `display` for people (tables), `raw` for machines (csv, json).
public enum ValueText {
    /// A result number for machines (csv, json): whole numbers without a fraction,
    /// others to 15 significant digits, so the binary noise of arithmetic on
    /// decimal figures (`0.1 + 0.2`) does not show; any number with 15 digits
    /// or fewer (everything a person types) comes out exactly as written.
    /// (Inlinable, as `plain`: an export writes a million of them from another module.)
    @inlinable
    public static func raw(_ d: Double) -> String {
        guard d.isFinite, d != d.rounded() else { return JSONNumber.canonicalText(d) }
        // The shortest text is made once: it is both counted and, nearly always, the answer.
        let text = d.description
        return significantDigits(text) > 15 ? JSONNumber.canonicalText(rounded15(d)) : text
    }

    /// The Double nearest to `d` rounded to 15 significant digits (as sqlite3 and
    /// spreadsheets show). Most numbers have fewer and are returned as they are,
    /// without the cost of Foundation's formatting.
    @inlinable
    static func resultValue(_ d: Double) -> Double {
        guard d.isFinite, d != d.rounded(), significantDigits(d.description) > 15 else { return d }
        return rounded15(d)
    }

    @usableFromInline
    static func rounded15(_ d: Double) -> Double {
        Double(String(format: "%.15g", d)) ?? d
    }

    /// Digits of a number's text before any exponent, leading zeros left out
    /// (the shortest text of a Double has no trailing ones).
    @usableFromInline
    static func significantDigits(_ text: String) -> Int {
        var count = 0, leading = true
        for byte in text.utf8 {
            if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") { break }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { continue }
            if leading, byte == UInt8(ascii: "0") { continue }
            leading = false
            count += 1
        }
        return count
    }

    /// At most 4 decimals (2 from 100 up), trailing zeros dropped unless
    /// `decimals` asks for more; thousands separators when `grouped`, which by
    /// default means from 10,000 up, so that years and small counts read plainly.
    /// A table decides both per column, so that its numbers line up.
    public static func display(_ d: Double, grouped: Bool? = nil, decimals: Int? = nil) -> String {
        guard d.isFinite else { return d.isNaN ? "NaN" : (d < 0 ? "-∞" : "∞") }
        if scientific(d) { return String(format: "%.4g", d) }
        let (negative, whole, fraction) = digits(d)
        var result = ""
        var rest = whole
        if grouped ?? needsGrouping(d) {
            while rest.count > 3 {
                result = "," + rest.suffix(3) + result
                rest.removeLast(3)
            }
        }
        result = rest + result
        let places = max(decimals ?? 0, fraction.count)
        if places > 0 { result += "." + fraction + String(repeating: "0", count: places - fraction.count) }
        return (negative ? "-" : "") + result
    }

    /// The decimals `display` shows for `d` on its own.
    public static func decimals(_ d: Double) -> Int { d.isFinite && !scientific(d) ? digits(d).fraction.count : 0 }

    /// Numbers too large for their digits to mean anything, or too small for 4
    /// decimals to show them, are shown as `1.235e+20` or `3e-06`.
    private static func scientific(_ d: Double) -> Bool {
        abs(d) >= 1e15 || (d != 0 && abs(d) < 0.00005)
    }

    private static func digits(_ d: Double) -> (negative: Bool, whole: String, fraction: String) {
        var text = String(format: "%.\(abs(d) >= 100 ? 2 : 4)f", d)
        while text.contains("."), text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        let negative = text.hasPrefix("-") && text != "-0"
        if text.hasPrefix("-") { text.removeFirst() }
        let parts = text.split(separator: ".", maxSplits: 1)
        return (negative, String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
    }

    public static func needsGrouping(_ d: Double) -> Bool { abs(d) >= 10_000 }

    /// A count or an amount in prose and in a simulation's figures, always with
    /// thousands separators (`2,807 contracts`, `10,000 trials`), so that one
    /// screen shows its numbers in one style.
    public static func grouped(_ d: Double) -> String { display(d, grouped: true) }

    public static func count(_ n: Int) -> String { grouped(Double(n)) }

    public static func display(_ v: Value, grouped: Bool? = nil, decimals: Int? = nil) -> String {
        switch v {
        case .null: "null"
        case .number(let d): display(d, grouped: grouped, decimals: decimals)
        case .money(let m): display(m.amount, grouped: grouped, decimals: decimals) + " " + m.currency.code
        case .list(let items): items.map { display($0) }.joined(separator: ", ")
        default: plain(v)
        }
    }

    /// Text without formatting: strings as they are, dates in ISO form, lists as JSON.
    @inlinable
    public static func plain(_ v: Value) -> String {
        switch v {
        case .null: ""
        case .bool(let b): b ? "true" : "false"
        case .number(let d): d.isFinite ? raw(d) : ""  // as csv writes null: no number can say it
        case .money(let m): m.amount.isFinite ? raw(m.amount) : ""  // its currency goes in a column of its own
        case .string(let s): s
        case .date(let d): Dates.format(day: d)
        case .month(let m): Dates.format(month: m)
        case .list, .object: JSONWriter.string(json(v))
        case .record(let c, let i): "\(c.singular)#\(i + 1)"
        }
    }

    /// A result as JSON, numbers as `raw` writes them.
    public static func json(_ v: Value) -> JSONValue {
        json(v) { .number(resultValue($0)) }
    }

    /// `value` with every number as `raw` writes it (a result built as JSON, such as a simulation's).
    public static func resultNumbers(_ value: JSONValue) -> JSONValue {
        switch value {
        case .number(let n): .number(resultValue(n.value))
        case .array(let items): .array(items.map(resultNumbers))
        case .object(let o): .object(JSONObject(keys: o.keys, values: o.values.map(resultNumbers)))
        default: value
        }
    }

    /// A value to store: numbers exact, so that the file reads back as the same Double.
    public static func stored(_ v: Value) -> JSONValue {
        json(v) { .number($0) }
    }

    private static func json(_ v: Value, number: (Double) -> JSONValue) -> JSONValue {
        switch v {
        case .null: .null
        case .bool(let b): .bool(b)
        case .number(let d): d.isFinite ? number(d) : .null
        case .money(let m): m.amount.isFinite ? number(m.amount) : .null
        case .string(let s): .string(s)
        case .date, .month, .record: .string(plain(v))
        case .list(let items): .array(items.map { json($0, number: number) })
        case .object(let pairs): .object(JSONObject(pairs.map { ($0.0, json($0.1, number: number)) }))
        }
    }
}
