/// Text as it may reach a terminal: a value from a store file must never act on
/// it (an ESC sequence recolouring it, a CR overwriting a line, a BEL), so
/// control characters are shown as visible escapes (`\e`, `\r`, `\x01`,
/// `\u0085`). Tables, line mode, messages, `.describe`, completion lists and the
/// banner all go through here; csv, json and markdown keep every byte.
public enum TerminalText {
    /// `s` with its control characters made visible. A line break becomes `↵`
    /// unless `keepingLineBreaks` (messages of several lines).
    public static func visible(_ s: String, keepingLineBreaks: Bool = false) -> String {
        guard needsEscaping(s, keepingLineBreaks: keepingLineBreaks) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for scalar in s.unicodeScalars {
            if let escape = escape(scalar, keepingLineBreaks: keepingLineBreaks) {
                out += escape
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Whether `s` holds a control character: C0, DEL, or C1 (U+0080–U+009F,
    /// which UTF-8 writes as 0xC2 0x80–0x9F). Bytes, not Characters: every
    /// cell of a table is checked.
    static func needsEscaping(_ s: String, keepingLineBreaks: Bool) -> Bool {
        var afterC2 = false
        for byte in s.utf8 {
            if byte < 0x20 && !(keepingLineBreaks && byte == 0x0A) { return true }
            if byte == 0x7F || (afterC2 && byte < 0xA0) { return true }
            afterC2 = byte == 0xC2
        }
        return false
    }

    private static func escape(_ scalar: Unicode.Scalar, keepingLineBreaks: Bool) -> String? {
        switch scalar.value {
        case 0x0A: return keepingLineBreaks ? nil : "↵"
        case 0x00: return "\\0"
        case 0x07: return "\\a"
        case 0x08: return "\\b"
        case 0x09: return "\\t"
        case 0x0B: return "\\v"
        case 0x0C: return "\\f"
        case 0x0D: return "\\r"
        case 0x1B: return "\\e"
        case 0x01..<0x20, 0x7F: return "\\x" + hex(scalar.value, digits: 2)
        case 0x80..<0xA0: return "\\u" + hex(scalar.value, digits: 4)
        default: return nil
        }
    }

    private static func hex(_ v: UInt32, digits: Int) -> String {
        let text = String(v, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
