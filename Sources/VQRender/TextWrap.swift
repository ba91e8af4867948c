import VQEngine
import VQJSON
import VQModel
import VQSupport

/// Help and `.describe` fitted to the terminal: a line too wide is broken at
/// spaces, never inside a word, and goes on under its own second column (the
/// text after the first gap of two or more spaces), so the layout stays readable.
public enum TextWrap {
    public static func fit(_ text: String, width: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { wrap(String($0), width: width) }.joined(separator: "\n")
    }

    private static func wrap(_ line: String, width: Int) -> String {
        guard TextWidth.of(line) > width else { return line }
        let indent = String(repeating: " ", count: min(hangingIndent(line), width / 2))
        var lines: [String] = []
        var current = ""
        // Words keep the spaces before them, so the first line's layout is kept as written.
        for word in words(line) {
            let candidate = current + word
            if TextWidth.of(candidate) > width, !current.trimmingCharacters().isEmpty {
                lines.append(current)
                current = indent + word.drop { $0 == " " }
            } else {
                current = candidate
            }
        }
        lines.append(current)
        return lines.joined(separator: "\n")
    }

    /// Where a continuation starts: the second column, or the text's own indent plus two.
    private static func hangingIndent(_ line: String) -> Int {
        let chars = Array(line)
        var i = 0
        while i < chars.count, chars[i] == " " { i += 1 }
        let lead = i
        while i < chars.count {
            if chars[i] == " ", i + 1 < chars.count, chars[i + 1] == " " {
                while i < chars.count, chars[i] == " " { i += 1 }
                return TextWidth.of(String(chars[..<i]))
            }
            i += 1
        }
        return lead + 2
    }

    /// The line cut before each run of spaces: `["  name", "   text", " more"]`.
    private static func words(_ line: String) -> [String] {
        var out: [String] = []
        var current = ""
        var inSpaces = false
        for ch in line {
            if ch == " " {
                if !inSpaces, !current.trimmingCharacters().isEmpty { out.append(current); current = "" }
                inSpaces = true
            } else {
                inSpaces = false
            }
            current.append(ch)
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}

private extension String {
    func trimmingCharacters() -> Substring { drop { $0 == " " } }
}
