import VQSupport

/// Writes JSON text: numbers as their recorded text, keys in their order,
/// non-ASCII characters as they are (not as \u escapes).
public enum JSONWriter {
    public static func write(_ value: JSONValue, into out: inout String, indent: String? = nil, level: Int = 0) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n.text
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                write(item, into: &out, indent: nil, level: level + 1)
            }
            out += "]"
        case .object(let object):
            if object.keys.isEmpty { out += "{}"; return }
            out += "{"
            for i in object.keys.indices {
                if i > 0 { out += "," }
                if let indent {
                    out += "\n" + String(repeating: indent, count: level + 1)
                } else if i > 0 {
                    out += " "
                }
                writeString(object.keys[i], into: &out)
                out += ": "
                write(object.values[i], into: &out, indent: indent, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: indent, count: level) }
            out += "}"
        }
    }

    public static func string(_ value: JSONValue, indent: String? = nil) -> String {
        var out = ""
        write(value, into: &out, indent: indent)
        return out
    }

    public static func writeString(_ s: String, into out: inout String) {
        out += "\""
        // Most strings need no escape: appended whole rather than scalar by scalar.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += s
            out += "\""
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// A store file: an array with one object per line, two-space indented.
    public static func storeFile(_ records: [JSONObject]) -> String {
        var out = "[\n"
        for (i, record) in records.enumerated() {
            out += "  "
            write(.object(record), into: &out)
            out += i + 1 < records.count ? ",\n" : "\n"
        }
        out += "]\n"
        return out
    }
}
