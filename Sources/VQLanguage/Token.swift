import VQModel
import VQSupport

/// A token of the vq language, with the source range it came from.
public struct Token: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case identifier(String)
        /// A number literal: its value (after `%`, `k`, `m`) and its text.
        case number(Double, String)
        case string(String)
        /// `$name`
        case parameter(String)
        /// A whole meta-command line: `.mode csv` → name "mode", arguments "csv".
        case meta(name: String, arguments: String)
        /// Punctuation and operators: `| , ( ) [ ] { } . = != <> < <= > >= + - * / : ;`
        case symbol(String)
        case newline
        /// Text that is not a token, with the reason.
        case invalid(String)
        case end
    }

    public var kind: Kind
    public var range: SourceRange

    /// The identifier's text, when this token is one.
    public var identifier: String? {
        if case .identifier(let s) = kind { return s }
        return nil
    }

    /// Whether this token is the keyword `word` (keywords are case-insensitive).
    public func isKeyword(_ word: String) -> Bool {
        if case .identifier(let s) = kind { return s.lowercased() == word }
        return false
    }

    public func isSymbol(_ s: String) -> Bool {
        if case .symbol(let t) = kind { return t == s }
        return false
    }

    /// How the token is named in "expected …, found …" messages.
    public var display: String {
        switch kind {
        case .identifier(let s): "'\(s)'"
        case .number(_, let t): t
        case .string(let s): "\"\(s)\""
        case .parameter(let p): "$\(p)"
        case .meta(let n, _): ".\(n)"
        case .symbol(let s): "'\(s)'"
        case .newline: "the end of the line"
        case .invalid(let why): why
        case .end: "the end of the statement"
        }
    }
}
