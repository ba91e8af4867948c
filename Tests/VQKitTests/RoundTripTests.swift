import Testing
@testable import VQJSON
@testable import VQLanguage
@testable import VQModel
@testable import VQSupport

/// parse ∘ print: random expression trees, printed with only the brackets that
/// precedence and associativity require, parse back to the same tree. This pins
/// down the precedence table of the grammar for every operator.
@Suite struct RoundTripTests {
    /// Binding strength, loosest first; an operand that binds more loosely than
    /// its place requires is bracketed.
    enum Level: Int, Comparable {
        case or = 1, and, not, comparison, additive, multiplicative, unary, primary
        static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    static let names = ["rating", "name", "vendor", "contracts", "on_time", "_x", "名称"]
    static let functions = ["round", "coalesce", "lower", "count", "f"]
    static let comparisons: [BinaryOperator] = [.equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .contains, .like]

    static func expression(_ rng: inout Xoshiro256, depth: Int = 0) -> Expr.Kind {
        func sub() -> Expr { Expr(kind: expression(&rng, depth: depth + 1), range: SourceRange(0, 0)) }
        let leaf = depth > 4 || rng.chance(0.25)
        switch leaf ? rng.int(0...3) : rng.int(4...11) {
        case 0:
            let texts = ["0", "12.5", "1000", "0.95", "3e-7", "a \"quoted\" \\ 顺丰\n"]
            let text = rng.pick(texts)
            return .literal(Double(text).map(Value.number) ?? .string(text))
        case 1: return .literal(rng.pick([.bool(true), .bool(false), .null]))
        case 2: return .path((0..<rng.int(1...3)).map { _ in PathSegment(name: rng.pick(names), range: SourceRange(0, 0)) })
        case 3: return .parameter(rng.pick(["threshold", "top"]))
        case 4: return .call(name: rng.pick(functions), nameRange: SourceRange(0, 0), arguments: (0..<rng.int(0...3)).map { _ in sub() })
        case 5: return .negate(sub())
        case 6: return .not(sub())
        case 7: return .binary(rng.pick([.and, .or]), sub(), sub())
        case 8: return .binary(rng.pick(comparisons), sub(), sub())
        case 9: return .binary(rng.pick([.add, .subtract, .multiply, .divide]), sub(), sub())
        case 10: return rng.chance(0.5) ? .inList(sub(), (0..<rng.int(0...3)).map { _ in sub() }) : .isNull(sub())
        default: return .between(sub(), sub(), sub())
        }
    }

    /// The text of `e`, bracketed when it binds more loosely than `place` requires.
    static func print(_ e: Expr, _ place: Level = .or) -> String {
        let (text, level) = printed(e)
        return level < place ? "(" + text + ")" : text
    }

    static func printed(_ e: Expr) -> (String, Level) {
        switch e.kind {
        case .literal(.number(let d)): return (JSONNumber.canonicalText(d), .primary)
        case .literal(.string(let s)):
            let escaped = s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return ("\"" + escaped + "\"", .primary)
        case .literal(let v): return (v == .null ? "null" : v == .bool(true) ? "true" : "false", .primary)
        case .path(let segments): return (segments.map(\.name).joined(separator: "."), .primary)
        case .parameter(let name): return ("$" + name, .primary)
        case .call(let name, _, let arguments): return (name + "(" + arguments.map { print($0) }.joined(separator: ", ") + ")", .primary)
        case .negate(let x): return ("- " + print(x, .unary), .unary)
        case .not(let x): return ("not " + print(x, .not), .not)
        case .binary(let op, let a, let b):
            let level: Level = switch op {
            case .or: .or
            case .and: .and
            case .add, .subtract: .additive
            case .multiply, .divide: .multiplicative
            default: .comparison
            }
            // Left-associative: the left operand may bind as loosely as the operator
            // itself; comparisons do not chain, so both sides bind more tightly.
            let left = level == .comparison ? Level.additive : level
            let right = Level(rawValue: level.rawValue + 1)!
            return (print(a, left) + " " + op.rawValue + " " + print(b, right), level)
        case .inList(let x, let items):
            return (print(x, .additive) + " in (" + items.map { print($0) }.joined(separator: ", ") + ")", .comparison)
        case .between(let x, let low, let high):
            return (print(x, .additive) + " between " + print(low, .additive) + " and " + print(high, .additive), .comparison)
        case .isNull(let x): return (print(x, .additive) + " is null", .comparison)
        case .list(let items): return ("[" + items.map { print($0) }.joined(separator: ", ") + "]", .primary)
        }
    }

    /// A tree's shape without source ranges, fully bracketed.
    static func shape(_ e: Expr) -> String {
        switch e.kind {
        case .literal(let v): "lit(\(v))"
        case .path(let segments): "path(\(segments.map(\.name).joined(separator: ".")))"
        case .parameter(let name): "$\(name)"
        case .call(let name, _, let arguments): "\(name)(\(arguments.map(shape).joined(separator: ",")))"
        case .negate(let x): "neg(\(shape(x)))"
        case .not(let x): "not(\(shape(x)))"
        case .binary(let op, let a, let b): "(\(shape(a)) \(op.rawValue) \(shape(b)))"
        case .inList(let x, let items): "in(\(shape(x));\(items.map(shape).joined(separator: ",")))"
        case .between(let x, let a, let b): "between(\(shape(x));\(shape(a));\(shape(b)))"
        case .isNull(let x): "isnull(\(shape(x)))"
        case .list(let items): "list(\(items.map(shape).joined(separator: ",")))"
        }
    }

    @Test func printedExpressionsParseBackToTheSameTree() throws {
        var rng = Xoshiro256(seed: 12)
        for _ in 0..<3000 {
            let tree = Expr(kind: Self.expression(&rng), range: SourceRange(0, 0))
            let text = Self.print(tree)
            let statements = try Parser.parse("vendors where " + text)
            guard case .query(let query)? = statements.first, statements.count == 1,
                  case .filter(let parsed)? = query.stages.first?.kind, query.stages.count == 1 else {
                Issue.record("\(text) did not parse as one condition")
                continue
            }
            #expect(Self.shape(parsed) == Self.shape(tree), "\(text)")
        }
    }
}
