import VQModel
import VQSupport

/// Turns source text into tokens and splits it into statements.
///
/// A statement ends at a newline unless a bracket or string is still open, the
/// line ends with `|` or `,`, or the next line starts with `|`; `;` also ends
/// one. A line starting with `.` is a meta-command.
public struct Lexer {
    public let source: SourceText
    private let bytes: [UInt8]

    public init(_ source: SourceText) {
        self.source = source
        bytes = source.bytes
    }

    public init(_ text: String) { self.init(SourceText(text)) }

    /// All tokens, ending with `.end`. Never fails: bad text becomes an `.invalid` token.
    public func tokens() -> [Token] {
        var out: [Token] = []
        var i = 0
        var atLineStart = true
        func add(_ kind: Token.Kind, _ start: Int, _ end: Int) { out.append(Token(kind: kind, range: SourceRange(start, end))) }
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case 0x20, 0x09, 0x0D:
                i += 1
                continue
            case 0x0A:
                add(.newline, i, i + 1)
                i += 1
                atLineStart = true
                continue
            case UInt8(ascii: "#"):
                while i < bytes.count, bytes[i] != 0x0A { i += 1 }
                continue
            case UInt8(ascii: "-") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "-"):
                while i < bytes.count, bytes[i] != 0x0A { i += 1 }
                continue
            default:
                break
            }
            let start = i
            if atLineStart, c == UInt8(ascii: "."), i + 1 < bytes.count, Lexer.isIdentifierStart(bytes[i + 1]) {
                var end = i
                while end < bytes.count, bytes[end] != 0x0A { end += 1 }
                let line = Lexer.strippingComment(String(decoding: bytes[(i + 1)..<end], as: UTF8.self))
                let name = String(line.prefix { !$0.isWhitespace })
                let arguments = line.dropFirst(name.count).trimmingWhitespace()
                add(.meta(name: name, arguments: arguments), start, start + 1 + line.utf8.count)
                i = end
                continue
            }
            atLineStart = false
            if Lexer.isIdentifierStart(c) {
                while i < bytes.count, Lexer.isIdentifierPart(bytes[i]) { i += 1 }
                add(.identifier(String(decoding: bytes[start..<i], as: UTF8.self)), start, i)
            } else if c >= 0x30, c <= 0x39 {
                add(number(&i), start, i)
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                add(string(&i, quote: c), start, i)
            } else if c == UInt8(ascii: "$") {
                i += 1
                while i < bytes.count, Lexer.isIdentifierPart(bytes[i]) { i += 1 }
                if i == start + 1 {
                    add(.invalid("'$' must be followed by a parameter name"), start, i)
                } else {
                    add(.parameter(String(decoding: bytes[(start + 1)..<i], as: UTF8.self)), start, i)
                }
            } else if let habit = Lexer.sqlOperators.first(where: { matches($0.key, at: i) }) {
                i += 2
                add(.invalid("'\(habit.key)' is not an operator in vq; write '\(habit.value)'"), start, i)
            } else if let symbol = symbol(at: i) {
                i += symbol.utf8.count
                add(.symbol(symbol == "<>" ? "!=" : symbol), start, i)
            } else {
                // One whole character, however many bytes it takes.
                i += 1
                while i < bytes.count, bytes[i] & 0xC0 == 0x80 { i += 1 }
                let ch = String(decoding: bytes[start..<i], as: UTF8.self)
                add(.invalid("unexpected character '\(ch)'"), start, i)
            }
        }
        add(.end, bytes.count, bytes.count)
        return out
    }

    /// A meta-command's line without its comment: `--` or `#` starting a word
    /// (`.describe vendors -- note`), so that a file name holding `#` still works.
    static func strippingComment(_ line: String) -> String {
        var previousIsSpace = false
        var index = line.startIndex
        while index < line.endIndex {
            let c = line[index]
            if previousIsSpace, c == "#" || (c == "-" && line[index...].hasPrefix("--")) {
                return line[..<index].trimmingWhitespace()
            }
            previousIsSpace = c == " " || c == "\t"
            index = line.index(after: index)
        }
        return line
    }

    static func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || c == 0x5F || c >= 0x80
    }

    static func isIdentifierPart(_ c: UInt8) -> Bool {
        isIdentifierStart(c) || (c >= 0x30 && c <= 0x39)
    }

    /// Whether `s` is a name the language can write: a field, variable or `$parameter`.
    public static func isName(_ s: Substring) -> Bool {
        guard let first = s.utf8.first, isIdentifierStart(first) else { return false }
        return s.utf8.allSatisfy(isIdentifierPart)
    }

    private static let symbols = ["!=", "<>", "<=", ">=", "..", "|", ",", "(", ")", "[", "]", "{", "}", ".", "=", "<", ">",
                                  "+", "-", "*", "/", ":", ";"]

    /// Operators from SQL and C that vq writes as words or as one `=`.
    static let sqlOperators: KeyValuePairs<String, String> = ["==": "=", "&&": "and", "||": "or"]

    private func matches(_ s: String, at i: Int) -> Bool {
        let u = Array(s.utf8)
        return i + u.count <= bytes.count && Array(bytes[i..<(i + u.count)]) == u
    }

    private func symbol(at i: Int) -> String? {
        Lexer.symbols.first { matches($0, at: i) }
    }

    /// `1200`, `1_200`, `12.5`, `1e6`, `95%` (0.95), `50k` (50 000), `1.2m` (1 200 000).
    private func number(_ i: inout Int) -> Token.Kind {
        let start = i
        var digits = ""
        func run() {
            while i < bytes.count, (bytes[i] >= 0x30 && bytes[i] <= 0x39) || bytes[i] == UInt8(ascii: "_") {
                if bytes[i] != UInt8(ascii: "_") { digits.append(Character(Unicode.Scalar(bytes[i]))) }
                i += 1
            }
        }
        run()
        if i + 1 < bytes.count, bytes[i] == UInt8(ascii: "."), bytes[i + 1] >= 0x30, bytes[i + 1] <= 0x39 {
            digits.append(".")
            i += 1
            run()
        }
        if i < bytes.count, bytes[i] | 0x20 == UInt8(ascii: "e") {
            var j = i + 1
            if j < bytes.count, bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-") { j += 1 }
            if j < bytes.count, bytes[j] >= 0x30, bytes[j] <= 0x39 {
                digits += String(decoding: bytes[i..<j], as: UTF8.self)
                i = j
                run()
            }
        }
        guard var value = Double(digits) else {
            return .invalid("malformed number")
        }
        if i < bytes.count {
            let suffix = bytes[i]
            let next = i + 1 < bytes.count ? bytes[i + 1] : 0x20
            if suffix == UInt8(ascii: "%") {
                value /= 100
                i += 1
            } else if !Lexer.isIdentifierPart(next) {
                switch suffix | 0x20 {
                case UInt8(ascii: "k"): value *= 1_000; i += 1
                case UInt8(ascii: "m"): value *= 1_000_000; i += 1
                default: break
                }
            }
        }
        if i < bytes.count, Lexer.isIdentifierPart(bytes[i]) {
            while i < bytes.count, Lexer.isIdentifierPart(bytes[i]) { i += 1 }
            return .invalid("malformed number '\(String(decoding: bytes[start..<i], as: UTF8.self))' (suffixes are %, k and m)")
        }
        return .number(value, String(decoding: bytes[start..<i], as: UTF8.self))
    }

    /// `s` as a string literal that lexes back to `s` (for statements vq builds, such as `vq import`'s).
    public static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    /// A string in `"…"` or `'…'`; a doubled quote or a backslash escapes.
    private func string(_ i: inout Int, quote: UInt8) -> Token.Kind {
        var out: [UInt8] = []
        i += 1
        while i < bytes.count {
            let c = bytes[i]
            if c == quote {
                if i + 1 < bytes.count, bytes[i + 1] == quote {
                    out.append(quote)
                    i += 2
                    continue
                }
                i += 1
                return .string(String(decoding: out, as: UTF8.self))
            }
            if c == UInt8(ascii: "\\"), i + 1 < bytes.count {
                let e = bytes[i + 1]
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                default: out.append(e)
                }
                i += 2
                continue
            }
            out.append(c)
            i += 1
        }
        return .invalid("unterminated string (a closing \(quote == 0x22 ? "\"" : "'") is missing)")
    }
}

/// One statement's tokens and where it sits in the source.
public struct StatementTokens: Sendable {
    public var tokens: [Token]
    public var range: SourceRange
}

extension Lexer {
    /// Splits the source into statements (see the type's summary for the rules).
    public func statements() -> [StatementTokens] {
        let all = tokens()
        var out: [StatementTokens] = []
        var current: [Token] = []
        var depth = 0
        func flush() {
            guard !current.isEmpty else { return }
            let range = SourceRange(current.first!.range.start, current.last!.range.end)
            out.append(StatementTokens(tokens: current, range: range))
            current = []
        }
        for (index, token) in all.enumerated() {
            switch token.kind {
            case .end:
                flush()
            case .meta:
                flush()
                current.append(token)
                flush()
            case .symbol(";") where depth == 0:
                flush()
            case .newline:
                if depth > 0 { continue }
                if let last = current.last, last.isSymbol("|") || last.isSymbol(",") { continue }
                let next = all[(index + 1)...].first { $0.kind != .newline }
                if let next, next.isSymbol("|"), !current.isEmpty { continue }
                flush()
            case .symbol(let s):
                if ["(", "[", "{"].contains(s) { depth += 1 }
                if [")", "]", "}"].contains(s) { depth = max(0, depth - 1) }
                current.append(token)
            default:
                current.append(token)
            }
        }
        return out
    }

    /// The source text of a statement.
    public func text(of statement: StatementTokens) -> String {
        String(decoding: bytes[statement.range.start..<min(statement.range.end, bytes.count)], as: UTF8.self)
    }

    /// Why the text typed so far needs another line to be a whole statement.
    public enum Continuation: Equatable, Sendable {
        /// The last line ends with `|` or `,`.
        case pipe
        /// A bracket is still open: the innermost one.
        case bracket(Character)
        /// A string is still open: its quote.
        case string(Character)
    }

    /// What keeps the text typed so far from being a whole statement, if anything.
    public func continuation() -> Continuation? {
        var open: [Character] = []
        var last: Token?
        for token in tokens() {
            switch token.kind {
            case .invalid(let why) where why.hasPrefix("unterminated string"):
                return .string(Character(Unicode.Scalar(bytes[token.range.start])))
            case .symbol(let s):
                if ["(", "[", "{"].contains(s) { open.append(Character(s)) }
                if [")", "]", "}"].contains(s), !open.isEmpty { open.removeLast() }
                if s == ";" { open = [] }
            case .meta: open = []
            default: break
            }
            if token.kind != .newline, token.kind != .end { last = token }
        }
        if let bracket = open.last { return .bracket(bracket) }
        if let last, last.isSymbol("|") || last.isSymbol(",") { return .pipe }
        return nil
    }

    public func needsMoreInput() -> Bool { continuation() != nil }
}

extension Substring {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
