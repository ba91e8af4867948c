import VQSupport

/// A JSON value as it was read, keeping what a round trip needs: object key
/// order and the exact text of numbers (`1.50`, `1e6`).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public static func number(_ value: Double) -> JSONValue {
        .number(JSONNumber(value))
    }

    /// The number, if this is one.
    @inlinable
    public var number: Double? {
        if case .number(let n) = self { return n.value }
        return nil
    }

    /// The day, if this is a date string (`YYYY-MM-DD`).
    public var date: Int? {
        if case .string(let s) = self { return Dates.parseDate(s) }
        return nil
    }

    /// Strings equal by code points, as JSON compares them.
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): x.sameCodePoints(as: y)
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x == y
        default: false
        }
    }

    /// The name of this value's JSON type, for messages ("expected number, found string").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A JSON number: its value and the text it was written as. Most numbers are
/// written the way vq would write them (`950000`, `0.9312`), so only the others
/// (`1.50`, `1e6`) keep their text, which keeps a column of numbers small.
public struct JSONNumber: Sendable, Equatable {
    public var value: Double
    private var written: WrittenText?

    public init(_ value: Double) {
        self.value = value
    }

    public init(value: Double, text: String) {
        self.value = value
        if text != JSONNumber.canonicalText(value) { written = WrittenText(text) }
    }

    /// A number whose text is known to be the canonical one.
    public init(canonical value: Double) {
        self.value = value
    }

    public var text: String { written?.text ?? JSONNumber.canonicalText(value) }

    /// Whether the number keeps text of its own (`1.50`, `1e6`), which a plain Double would lose.
    public var keepsText: Bool { written != nil }

    public static func == (a: JSONNumber, b: JSONNumber) -> Bool { a.value == b.value && a.text == b.text }

    /// Integers without a fraction, others in the shortest text that reads back
    /// as the same Double.
    public static func canonicalText(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            return value == 0 ? "0" : String(Int64(value))
        }
        return value.isFinite ? "\(value)" : "null"
    }
}

final class WrittenText: Sendable {
    let text: String
    init(_ text: String) { self.text = text }
}

/// A JSON object with its keys in the order they were written.
public struct JSONObject: Sendable, Equatable {
    public var keys: [String]
    public var values: [JSONValue]

    public init(keys: [String] = [], values: [JSONValue] = []) {
        self.keys = keys
        self.values = values
    }

    public init(_ pairs: [(String, JSONValue)]) {
        self.keys = pairs.map(\.0)
        self.values = pairs.map(\.1)
    }

    public subscript(key: String) -> JSONValue? {
        keys.firstIndex { $0.sameCodePoints(as: key) }.map { values[$0] }
    }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.keys.count == b.keys.count && zip(a.keys, b.keys).allSatisfy { $0.sameCodePoints(as: $1) } && a.values == b.values
    }
}
