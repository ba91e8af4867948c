import Foundation

/// Text for values: `display` for people (tables), `raw` for machines (csv, json).
public enum ValueText {
    /// Shortest text that reads back as the same number; whole numbers without a fraction.
    public static func raw(_ d: Double) -> String {
        JSONNumber.canonicalText(d)
    }

    /// Thousands separators from 10,000 up (so years and small counts read plainly),
    /// and at most 4 decimals (2 from 100 up), trailing zeros dropped.
    public static func display(_ d: Double) -> String {
        guard d.isFinite else { return d.isNaN ? "NaN" : (d < 0 ? "-∞" : "∞") }
        let decimals = abs(d) >= 100 ? 2 : 4
        var text = String(format: "%.\(decimals)f", d)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        if text == "-0" { text = "0" }
        let negative = text.hasPrefix("-")
        if negative { text.removeFirst() }
        let parts = text.split(separator: ".", maxSplits: 1)
        var whole = String(parts[0])
        var grouped = ""
        while whole.count > 3, parts[0].count > 4 {
            grouped = "," + whole.suffix(3) + grouped
            whole.removeLast(3)
        }
        grouped = whole + grouped
        if parts.count > 1 { grouped += "." + parts[1] }
        return (negative ? "-" : "") + grouped
    }

    public static func display(_ v: Value) -> String {
        switch v {
        case .null: "null"
        case .number(let d): display(d)
        case .list(let items): items.map(display).joined(separator: ", ")
        default: plain(v)
        }
    }

    /// Text without formatting: strings as they are, dates in ISO form, lists as JSON.
    public static func plain(_ v: Value) -> String {
        switch v {
        case .null: ""
        case .bool(let b): b ? "true" : "false"
        case .number(let d): raw(d)
        case .string(let s): s
        case .date(let d): Dates.format(day: d)
        case .month(let m): Dates.format(month: m)
        case .list, .object: JSONWriter.string(json(v))
        case .record(let c, let i): "\(c.singular)#\(i + 1)"
        }
    }

    public static func json(_ v: Value) -> JSONValue {
        switch v {
        case .null: .null
        case .bool(let b): .bool(b)
        case .number(let d): d.isFinite ? .number(d) : .null
        case .string(let s): .string(s)
        case .date, .month, .record: .string(plain(v))
        case .list(let items): .array(items.map(json))
        case .object(let pairs): .object(JSONObject(pairs.map { ($0.0, json($0.1)) }))
        }
    }

    public static func isNumeric(_ v: Value) -> Bool {
        if case .number = v { return true }
        return false
    }
}
