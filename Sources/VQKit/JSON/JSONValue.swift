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

/// A JSON number: its value and the text it was written as.
public struct JSONNumber: Sendable, Equatable {
    public var value: Double
    public var text: String

    public init(_ value: Double) {
        self.value = value
        self.text = JSONNumber.canonicalText(value)
    }

    public init(value: Double, text: String) {
        self.value = value
        self.text = text
    }

    /// Integers without a fraction, others in the shortest text that reads back
    /// as the same Double.
    public static func canonicalText(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return value.isFinite ? "\(value)" : "null"
    }
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
        keys.firstIndex(of: key).map { values[$0] }
    }
}
