import VQModel
import VQSupport

/// A span of a statement's source text, as UTF-8 byte offsets.
public struct SourceRange: Sendable, Equatable {
    public var start: Int
    public var end: Int
    public init(_ start: Int, _ end: Int) {
        self.start = start
        self.end = end
    }
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(min(start, other.start), max(end, other.end))
    }
}

/// An error in a statement, with the source range it is about so that the
/// shell can draw a caret under it, and a hint ("did you mean …").
public struct Diagnostic: Error, Sendable, Equatable {
    public var message: String
    public var range: SourceRange?
    public var hint: String?

    public init(_ message: String, at range: SourceRange? = nil, hint: String? = nil) {
        self.message = message
        self.range = range
        self.hint = hint
    }

    /// "unknown field 'x' on vendors" with "did you mean 'y'?" when a candidate is close.
    /// `listing`: a short, fixed list of choices (modes, settings) is given as the hint.
    public static func unknown(_ what: String, _ name: String, on owner: String? = nil, at range: SourceRange,
                        candidates: [String], listing: Bool = false) -> Diagnostic {
        var message = "unknown \(what) '\(name)'"
        if let owner { message += " on \(owner)" }
        if let near = Suggest.closest(to: name, in: candidates) {
            message += " — did you mean '\(near)'?"
        }
        return Diagnostic(message, at: range, hint: listing ? "one of: " + candidates.joined(separator: ", ") : nil)
    }

    /// Echoed lines wider than this are cut around the offending place.
    static let echoWidth = 100

    /// The message with the offending line of `source` and a caret under the range.
    /// `origin` names the file, and `lineOffset` says where `source` starts in it.
    public func render(source: String, origin: String? = nil, lineOffset: Int = 0) -> String {
        render(source: SourceText(source), origin: origin, lineOffset: lineOffset)
    }

    public func render(source: SourceText, origin: String? = nil, lineOffset: Int = 0) -> String {
        guard let range else {
            return (origin.map { "\($0): " } ?? "") + "error: " + message + (hint.map { "\n  hint: \($0)" } ?? "")
        }
        let bytes = source.bytes
        let start = min(range.start, bytes.count)
        let (number, lineStart, lineEnd) = source.line(at: start)
        let line = number + lineOffset
        let prefix = String(decoding: bytes[lineStart..<start], as: UTF8.self)
        let end = min(max(range.end, start + 1), lineEnd)
        let marked = String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
        let column = prefix.count + 1
        var out = ""
        if let origin { out += "\(origin):\(line):\(column): " }
        out += "error: " + message + "\n"
        var before = prefix, shown = marked
        var after = String(decoding: bytes[max(start, end)..<lineEnd], as: UTF8.self)
        // A very long line (a generated script) is shown around the offending place only.
        if TextWidth.of(before) + TextWidth.of(marked) + TextWidth.of(after) > Diagnostic.echoWidth {
            shown = TextWidth.truncate(marked, to: Diagnostic.echoWidth / 2)
            before = TextWidth.truncate(before, keepingEndTo: Diagnostic.echoWidth / 4)
            after = TextWidth.truncate(after, to: max(1, Diagnostic.echoWidth - TextWidth.of(before) - TextWidth.of(shown)))
        }
        out += "  " + before + shown + after + "\n"
        let pad = String(repeating: " ", count: TextWidth.of(before))
        out += "  " + pad + String(repeating: "^", count: max(1, TextWidth.of(shown)))
        if let hint { out += "\n  hint: " + hint }
        return out
    }
}
