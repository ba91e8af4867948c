import VQModel
import VQSupport

/// The parsed form of vq statements (SPEC §3), before names are resolved.
public indirect enum Statement: Sendable {
    case query(Query)
    /// `let name = query` or `let name = expression`
    case binding(name: String, nameRange: SourceRange, value: Binding)
    /// `param name = expression`: a default that `--set name=…` overrides.
    case param(name: String, nameRange: SourceRange, value: Expr)
    /// A bare expression, such as `$threshold * 2`.
    case expression(Expr)
    case meta(name: String, arguments: String, range: SourceRange)
    case simulate(Simulation)
    case mutation(Mutation)

    public indirect enum Binding: Sendable {
        case query(Query)
        case expression(Expr)
        case simulation(Simulation)
    }
}

/// `insert`, `update`, `delete` and `undo` (SPEC §3 "Mutations").
public struct Mutation: Sendable {
    public enum Kind: Sendable {
        /// `insert into C {…}` or `insert into C [{…}, …]`
        case insert([RecordLiteral])
        /// `update C set f = e, … [where cond]`
        case update([Assignment], filter: Expr?)
        /// `delete from C [where cond] [cascade]`
        case delete(filter: Expr?, cascade: Bool)
        /// `import into C from "FILE" [sheet …] [encoding …] [map …] [on conflict update] [dry run]`
        case importFile(ImportClause)
        case undo
    }
    public struct Assignment: Sendable {
        public var field: String
        public var value: Expr
        public var range: SourceRange
    }
    public var kind: Kind
    /// The collection changed (nil for `undo`), and where it was named.
    public var collection: CollectionName?
    public var range: SourceRange
}

/// What an import reads and how (SPEC §6).
public struct ImportClause: Sendable {
    /// A string, or a `$parameter` holding one.
    public var file: Expr
    public var sheet: String?
    public var encoding: (name: String, range: SourceRange)?
    /// `map "Header" as field`: `_` for a column left out.
    public var mappings: [(header: String, field: String, range: SourceRange)] = []
    public var onConflictUpdate = false
    public var dryRun = false
}

/// `{key: value, …}` in an insert: values are expressions, lists or objects.
public struct RecordLiteral: Sendable {
    public indirect enum Item: Sendable {
        case value(Expr)
        case list([Item], SourceRange)
        case object(RecordLiteral)
    }
    public var fields: [(name: String, item: Item, range: SourceRange)]
    public var range: SourceRange
}

/// `simulate cost|risk [of …] [with lever = value, …] [trials N] [seed S]`
public struct Simulation: Sendable {
    public enum Kind: String, Sendable { case cost, risk }
    public enum Target: Sendable {
        /// No `of`: the active contracts.
        case active
        /// `of "C-0042"`
        case id(String, SourceRange)
        /// `of name` or `of (query)`
        case query(Query)
        /// `of $param`: a contract id
        case parameter(Expr)

        public var isActive: Bool { if case .active = self { true } else { false } }
    }
    /// `lever = value`, or a sweep `lever = a..b step s`: the lever by name (the simulator knows the levers), lower-cased.
    public struct Setting: Sendable {
        public var lever: String
        public var nameRange: SourceRange
        public var value: Expr
        public var sweep: (to: Expr, step: Expr)?
        public var range: SourceRange
    }
    /// `solve LEVER for STAT OP TARGET`
    public struct Solve: Sendable {
        public var lever: String
        public var leverRange: SourceRange
        public var statistic: String
        public var statisticRange: SourceRange
        public var op: BinaryOperator
        public var target: Expr
        public var range: SourceRange
    }
    public var kind: Kind
    public var target: Target
    public var levers: [Setting]
    public var solve: Solve?
    /// `each`: a row per contract, then the portfolio.
    public var each = false
    public var trials: Expr?
    public var seed: Expr?
    public var range: SourceRange
}

public struct Query: Sendable {
    public var source: Source
    public var stages: [Stage]
    public var range: SourceRange
}

public indirect enum Source: Sendable {
    /// A collection, a variable, or `_` (the previous result).
    case named(String, SourceRange)
    case subquery(Query)
}

public struct Stage: Sendable {
    public enum Kind: Sendable {
        case filter(Expr)
        case select([SelectItem])
        case order([OrderKey])
        case limit(Expr)
        case group([GroupKey])
        case count
        case distinct
    }
    public var kind: Kind
    public var range: SourceRange
}

public enum SelectItem: Sendable {
    case star(SourceRange)
    /// An expression and its column name: the alias, or the expression's text.
    case expression(Expr, name: String)
}

public struct OrderKey: Sendable {
    public var expr: Expr
    public var descending: Bool
}

public struct GroupKey: Sendable {
    public var expr: Expr
    public var name: String
}

public struct Expr: Sendable {
    public indirect enum Kind: Sendable {
        case literal(Value)
        /// `a.b.c`: a field, relation or variable, then fields of what it names.
        case path([PathSegment])
        case parameter(String)
        case call(name: String, nameRange: SourceRange, arguments: [Expr])
        case negate(Expr)
        case not(Expr)
        case binary(BinaryOperator, Expr, Expr)
        case inList(Expr, [Expr])
        case between(Expr, Expr, Expr)
        case isNull(Expr)
        /// `[a, b, …]`: a list value (`set certifications = ["ISO 9001"]`).
        case list([Expr])
    }
    public var kind: Kind
    public var range: SourceRange
}

public struct PathSegment: Sendable {
    public var name: String
    public var range: SourceRange
}

public enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
    case equal = "=", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case and, or, contains, like
}
