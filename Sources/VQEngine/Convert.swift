import VQJSON
import VQLanguage
import VQModel
import VQStore
import VQSupport

/// Reads stored JSON as evaluator values, by the field's type. A value of the
/// wrong type (reported when the store was read) reads as null.
enum Convert {
    static func reader(for type: FieldType) -> (JSONValue) -> Value {
        switch type {
        case .string, .oneOf, .ref, .currency:
            return { if case .string(let s) = $0 { .string(s) } else { .null } }
        case .number, .int:
            return { if case .number(let n) = $0 { .number(n.value) } else { .null } }
        case .bool:
            return { if case .bool(let b) = $0 { .bool(b) } else { .null } }
        case .date:
            return { if case .string(let s) = $0, let d = Dates.parseDate(s) { .date(d) } else { .null } }
        case .month:
            return { if case .string(let s) = $0, let m = Dates.parseMonth(s) { .month(m) } else { .null } }
        case .list(let element):
            let item = reader(for: element)
            return { if case .array(let items) = $0 { .list(items.map(item)) } else { .null } }
        }
    }

    /// A field the model does not know, read as what its JSON is.
    static func generic(_ json: JSONValue) -> Value {
        switch json {
        case .null: .null
        case .bool(let b): .bool(b)
        case .number(let n): .number(n.value)
        case .string(let s): .string(s)
        case .array(let items): .list(items.map(generic))
        case .object(let o): .object(Array(zip(o.keys, o.values.map(generic))))
        }
    }
}
