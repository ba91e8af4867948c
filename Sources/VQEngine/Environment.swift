import VQJSON
import VQLanguage
import VQModel
import VQStore
import VQSupport

/// What a session's statements can name besides the store: variables made
/// with `let`, parameters (`$name`), and the previous result (`_`).
public struct Environment: Sendable {
    public enum Variable: Sendable {
        case relation(Relation)
        case scalar(Value)
    }

    public var variables: [String: Variable] = [:]
    public var parameters: [String: Value] = [:]
    public var last: QueryResult?

    public init() {}

    func scalar(_ name: String) -> Value? {
        if name == "_", case .scalar(let v)? = last { return v }
        if case .scalar(let v)? = variables[name] { return v }
        return nil
    }

    public var scalarNames: [String] {
        variables.compactMap { if case .scalar = $0.value { $0.key } else { nil } }.sorted()
    }

    /// `$name`: a parameter, or else a variable holding a single value.
    func parameter(_ name: String, at range: SourceRange) throws -> Value {
        if let v = parameters[name] { return v }
        if let v = scalar(name) { return v }
        var d = Diagnostic.unknown("parameter", "$" + name, at: range, candidates: parameters.keys.map { "$" + $0 })
        d.hint = "set it with --set \(name)=… or declare a default with: param \(name) = …"
        throw d
    }

    /// A value given on the command line (`--set k=v`): a number (with `%`, `k`,
    /// `m`), `true`/`false`/`null`, or else the text as a string.
    public static func parseSetting(_ text: String) -> Value {
        let tokens = Lexer(text).tokens()
        if tokens.count == 2 {
            switch tokens[0].kind {
            case .number(let v, _): return .number(v)
            case .string(let s): return .string(s)
            case .identifier(let w) where ["true", "false"].contains(w.lowercased()): return .bool(w.lowercased() == "true")
            case .identifier(let w) where w.lowercased() == "null": return .null
            default: break
            }
        }
        if tokens.count == 3, tokens[0].isSymbol("-"), case .number(let v, _) = tokens[1].kind { return .number(-v) }
        return .string(text)
    }
}
