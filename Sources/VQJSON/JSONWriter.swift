import VQSupport

/// Writes JSON text: numbers as their recorded text, keys in their order,
/// non-ASCII characters as they are (not as \u escapes). The bytes writer is
/// the one implementation; text is made from its bytes.
public enum JSONWriter {
    public static func write(_ value: JSONValue, into out: inout [UInt8], indent: String? = nil, level: Int = 0) {
        switch value {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .number(let n): out += n.text.utf8
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]".utf8; return }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", ".utf8 }
                write(item, into: &out, indent: nil, level: level + 1)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            if object.keys.isEmpty { out += "{}".utf8; return }
            out.append(UInt8(ascii: "{"))
            for i in object.keys.indices {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if let indent {
                    out.append(0x0A)
                    for _ in 0..<(level + 1) { out += indent.utf8 }
                } else if i > 0 {
                    out.append(0x20)
                }
                writeString(object.keys[i], into: &out)
                out += ": ".utf8
                write(object.values[i], into: &out, indent: indent, level: level + 1)
            }
            if let indent {
                out.append(0x0A)
                for _ in 0..<level { out += indent.utf8 }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    public static func write(_ value: JSONValue, into out: inout String, indent: String? = nil, level: Int = 0) {
        var bytes: [UInt8] = []
        write(value, into: &bytes, indent: indent, level: level)
        out += String(decoding: bytes, as: UTF8.self)
    }

    public static func string(_ value: JSONValue, indent: String? = nil) -> String {
        var out: [UInt8] = []
        write(value, into: &out, indent: indent)
        return String(decoding: out, as: UTF8.self)
    }

    /// A string in quotes: `"` and `\` escaped, control characters as `\n`, `\t` or `\u00XX`
    /// (all ASCII, so the UTF-8 bytes of everything else are copied as they are).
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { writeString(bytes: $0, into: &out) }
    }

    /// A string given as its UTF-8 bytes.
    public static func writeString(bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        defer { out.append(UInt8(ascii: "\"")) }
        // Most strings need no escape: appended whole rather than byte by byte.
        guard bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            out.append(contentsOf: bytes)
            return
        }
        for b in bytes {
            switch b {
            case UInt8(ascii: "\""): out += "\\\"".utf8
            case UInt8(ascii: "\\"): out += "\\\\".utf8
            case 0x0A: out += "\\n".utf8
            case 0x0D: out += "\\r".utf8
            case 0x09: out += "\\t".utf8
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += "\\u00".utf8
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            default: out.append(b)
            }
        }
    }

    public static func writeString(_ s: String, into out: inout String) {
        var bytes: [UInt8] = []
        writeString(s, into: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }

    /// A store file: an array with one object per line, two-space indented.
    public static func storeFile(_ records: [JSONObject]) -> String {
        var out: [UInt8] = Array("[\n".utf8)
        for (i, record) in records.enumerated() {
            out += "  ".utf8
            write(.object(record), into: &out)
            out += (i + 1 < records.count ? ",\n" : "\n").utf8
        }
        out += "]\n".utf8
        return String(decoding: out, as: UTF8.self)
    }
}
