import VQModel
import VQSupport

/// A recursive-descent parser for one statement's tokens; `grammar/vq.ebnf`
/// is the grammar it implements.
public struct Parser {
    private let tokens: [Token]
    private let source: SourceText
    private var index = 0
    /// Set by the completer: record what would be accepted where the text ends.
    public var collectsExpectations = false
    public private(set) var expectations: [Expectation] = []
    /// The pipelines being parsed, innermost last: the rows an expression reads.
    private var pipelines: [Query] = []
    /// How deeply the parse is nested (brackets, subqueries, negations, operators
    /// in a chain): past `maxDepth` the statement is refused, rather than
    /// overflowing the stack here or when the tree is compiled and run.
    private var depth = 0
    static let maxDepth = 256

    /// The stages as they are written (completion offers these), declared once;
    /// a stage starts with the first word.
    public static let stages = ["where", "select", "order by", "sort by", "limit", "take", "group by", "count", "distinct"]
    static let stageKeywords = stages.map { String($0.prefix { $0 != " " }) }
    /// Words that cannot name a field or variable in an expression.
    static let reserved: Set<String> = ["and", "or", "not", "in", "between", "contains", "like", "is", "null", "true", "false"]

    /// The names `simulate … with` accepts, given by whoever knows the levers
    /// (nil: any name, for the simulator to check).
    private let levers: [String]?

    public init(tokens: [Token], source: SourceText, levers: [String]? = nil) {
        self.tokens = tokens.last?.kind == .end ? tokens : tokens + [Token(kind: .end, range: SourceRange(tokens.last?.range.end ?? 0, tokens.last?.range.end ?? 0))]
        self.source = source
        self.levers = levers
    }

    /// Parses every statement of a source text.
    public static func parse(_ source: String, levers: [String]? = nil) throws(Diagnostic) -> [Statement] {
        var out: [Statement] = []
        let text = SourceText(source)
        for s in Lexer(text).statements() {
            var p = Parser(tokens: s.tokens, source: text, levers: levers)
            out.append(try p.statement())
        }
        return out
    }

    private var current: Token { tokens[index] }
    private func peek(_ n: Int = 1) -> Token { tokens[min(index + n, tokens.count - 1)] }
    private mutating func advance() -> Token {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }
    private var previousEnd: Int { index > 0 ? tokens[index - 1].range.end : 0 }

    private func error(_ expected: String, hint: String? = nil) -> Diagnostic {
        if case .invalid(let why) = current.kind {
            let written = text(current.range)
            let habit = Lexer.sqlOperators.first { $0.key == written }
            return Diagnostic(why, at: current.range, hint: habit.map { habit in
                habit.value == "=" ? "status = \"active\"" : "rating > 3 \(habit.value) status = \"active\""
            })
        }
        return Diagnostic("expected \(expected), found \(current.display)", at: current.range, hint: hint)
    }

    private mutating func expectSymbol(_ s: String, _ what: String? = nil) throws(Diagnostic) {
        guard current.isSymbol(s) else { throw error(what ?? "'\(s)'") }
        _ = advance()
    }

    /// Notes what the grammar allows here, when the text ends here.
    private mutating func expect(_ e: Expectation) {
        if collectsExpectations, current.kind == .end { expectations.append(e) }
    }

    /// One level deeper; each call is paired with a `depth -= 1` when the level is done.
    private mutating func deeper() throws(Diagnostic) {
        depth += 1
        if depth > Parser.maxDepth {
            throw Diagnostic("the statement is nested too deeply (more than \(Parser.maxDepth) levels of brackets or operators)",
                             at: current.range)
        }
    }

    private mutating func acceptKeyword(_ word: String) -> Bool {
        expect(.keyword(word))
        if current.isKeyword(word) { _ = advance(); return true }
        return false
    }

    private func text(_ range: SourceRange) -> String {
        source.text(range)
    }

    // MARK: Statements

    public mutating func statement() throws(Diagnostic) -> Statement {
        let first = current
        expect(.statement)
        let result: Statement
        switch first.kind {
        case .meta(let name, let arguments):
            _ = advance()
            result = .meta(name: name, arguments: arguments, range: first.range)
        case .identifier(let word) where ["let", "param"].contains(word.lowercased()) && peek().identifier != nil && peek(2).isSymbol("="):
            _ = advance()
            let nameToken = advance()
            _ = advance()
            let name = nameToken.identifier!
            if word.lowercased() == "let" { expect(.source) }
            if word.lowercased() == "let", current.isKeyword("simulate") {
                result = .binding(name: name, nameRange: nameToken.range, value: .simulation(try simulation()))
            } else if word.lowercased() == "param" {
                result = .param(name: name, nameRange: nameToken.range, value: try expression())
            } else if startsQuery() {
                result = .binding(name: name, nameRange: nameToken.range, value: .query(try query()))
            } else {
                result = .binding(name: name, nameRange: nameToken.range, value: .expression(try expression()))
            }
        case .identifier(let word) where ["insert", "update", "delete", "import", "undo"].contains(word.lowercased()) && !peek().isSymbol("("):
            result = .mutation(try mutation())
        case .identifier(let word) where word.lowercased() == "simulate":
            result = .simulate(try simulation())
        case .identifier(let word) where word.lowercased() == "select" && !peek().isSymbol("("):
            throw sqlSelect()
        default:
            result = startsQuery() ? .query(try query()) : .expression(try expression())
        }
        guard current.kind == .end else {
            throw error("the end of the statement")
        }
        return result
    }

    /// `select name from vendors where …`, as SQL writes it: the vq form as the hint.
    private func sqlSelect() -> Diagnostic {
        let select = current
        let from = tokens.firstIndex { $0.isKeyword("from") }
        var hint = "vq starts with the collection: vendors | select name"
        if let from, from + 1 < tokens.count, let collection = tokens[from + 1].identifier {
            let items = text(SourceRange(select.range.end, tokens[from].range.start))[...].trimmingWhitespace()
            let restStart = tokens[from + 1].range.end, end = tokens.last!.range.end
            let rest = text(SourceRange(restStart, max(restStart, end)))[...].trimmingWhitespace()
            hint = "vq starts with the collection: \(collection)" + (rest.isEmpty ? "" : " | \(rest)") + (items == "*" ? "" : " | select \(items)")
        }
        return Diagnostic("a vq query starts with its collection, not with 'select'", at: select.range, hint: hint)
    }

    /// A query starts with a name that is not a function call, or with `(` and a query.
    /// A name followed by an operator starts an expression (`t + 1`, `_ * 2`).
    private func startsQuery() -> Bool {
        if let name = current.identifier {
            return !peek().isSymbol("(") && !Parser.reserved.contains(name.lowercased()) && !continuesExpression(peek())
        }
        if current.isSymbol("(") {
            var i = index
            while tokens[i].isSymbol("(") { i += 1 }
            if let name = tokens[i].identifier { return !tokens[i + 1].isSymbol("(") && !Parser.reserved.contains(name.lowercased()) && isQueryContinuation(tokens[i + 1]) }
        }
        return false
    }

    /// An operator after a name: what follows is an expression, not a query's stages.
    private func continuesExpression(_ t: Token) -> Bool {
        ["+", "-", "*", "/", "=", "!=", "<", "<=", ">", ">=", "."].contains { t.isSymbol($0) }
            || ["and", "or", "in", "between", "contains", "like", "is", "not"].contains { t.isKeyword($0) }
    }

    /// After `(name`, a query goes on with a stage, `|` or `)`; an expression with an operator.
    private func isQueryContinuation(_ t: Token) -> Bool {
        t.isSymbol("|") || t.isSymbol(")") || Parser.stageKeywords.contains { t.isKeyword($0) }
    }

    // MARK: Queries

    mutating func query() throws(Diagnostic) -> Query {
        try deeper()
        defer { depth -= 1 }
        let start = current.range.start
        let source: Source
        if current.isSymbol("(") {
            _ = advance()
            let inner = try query()
            try expectSymbol(")", "')' to close the subquery")
            source = .subquery(inner)
        } else if let name = current.identifier {
            source = .named(name, advance().range)
        } else {
            expect(.source)
            throw error("a collection or variable name")
        }
        var stages: [Stage] = []
        pipelines.append(Query(source: source, stages: [], range: SourceRange(start, start)))
        defer { pipelines.removeLast() }
        while true {
            let piped = current.isSymbol("|")
            if piped { _ = advance() }
            guard let stage = try stage() else {
                if piped || (current.kind != .end && !current.isSymbol(")")) {
                    var hint: String?
                    if let word = current.identifier, let near = Suggest.closest(to: word, in: Parser.stageKeywords) {
                        hint = "did you mean '\(near)'?"
                    }
                    throw error("a stage (where, select, order by, limit, group by, count, distinct)"
                                + (piped ? "" : " or the end of the statement"), hint: hint)
                }
                break
            }
            stages.append(stage)
            pipelines[pipelines.count - 1].stages.append(stage)
        }
        return Query(source: source, stages: stages, range: SourceRange(start, previousEnd))
    }

    private mutating func stage() throws(Diagnostic) -> Stage? {
        let start = current.range.start
        expect(.stage)
        guard let word = current.identifier?.lowercased(), Parser.stageKeywords.contains(word) else { return nil }
        // `count(` starts an expression, not the count stage.
        if word == "count", peek().isSymbol("(") { return nil }
        _ = advance()
        let kind: Stage.Kind
        switch word {
        case "where":
            kind = .filter(try expression())
        case "select":
            var items: [SelectItem] = []
            repeat {
                if current.isSymbol("*") {
                    items.append(.star(advance().range))
                } else {
                    let e = try expression()
                    items.append(.expression(e, name: try alias() ?? columnName(e)))
                }
            } while acceptSymbol(",")
            kind = .select(items)
        case "order", "sort":
            guard acceptKeyword("by") else { throw error("'by' after '\(word)'") }
            var keys: [OrderKey] = []
            repeat {
                let e = try expression()
                var descending = false
                if acceptKeyword("desc") { descending = true } else { _ = acceptKeyword("asc") }
                keys.append(OrderKey(expr: e, descending: descending))
            } while acceptSymbol(",")
            kind = .order(keys)
        case "limit", "take":
            kind = .limit(try expression())
        case "group":
            guard acceptKeyword("by") else { throw error("'by' after 'group'") }
            var keys: [GroupKey] = []
            repeat {
                let e = try expression()
                keys.append(GroupKey(expr: e, name: try alias() ?? columnName(e)))
            } while acceptSymbol(",")
            kind = .group(keys)
        case "count":
            kind = .count
        default:
            kind = .distinct
        }
        return Stage(kind: kind, range: SourceRange(start, previousEnd))
    }

    private mutating func alias() throws(Diagnostic) -> String? {
        guard acceptKeyword("as") else { return nil }
        if case .string(let s) = current.kind { _ = advance(); return s }
        guard let name = current.identifier else { throw error("a column name after 'as'") }
        _ = advance()
        return name
    }

    /// The default column name: the expression's text, with runs of white space folded.
    private func columnName(_ e: Expr) -> String {
        text(e.range).split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    private mutating func acceptSymbol(_ s: String) -> Bool {
        if current.isSymbol(s) { _ = advance(); return true }
        return false
    }

    // MARK: Mutations

    private mutating func mutation() throws(Diagnostic) -> Mutation {
        let first = advance()
        let word = first.identifier!.lowercased()
        if word == "undo" { return Mutation(kind: .undo, collection: nil, range: first.range) }
        if word == "insert" || word == "import", !acceptKeyword("into") { throw error("'into' after '\(word)'") }
        if word == "delete", !acceptKeyword("from") { throw error("'from' after 'delete'") }
        expect(.collection)
        guard let name = current.identifier else { throw error("a collection name") }
        let nameToken = advance()
        guard let collection = CollectionName(rawValue: name) else {
            throw Diagnostic.unknown("collection", name, at: nameToken.range, candidates: CollectionName.allCases.map(\.rawValue))
        }
        // Conditions and new values read the collection's records, as in a query.
        pipelines.append(Query(source: .named(name, nameToken.range), stages: [], range: nameToken.range))
        defer { pipelines.removeLast() }
        let kind: Mutation.Kind
        switch word {
        case "insert":
            if current.isSymbol("[") {
                _ = advance()
                var records: [RecordLiteral] = []
                if !current.isSymbol("]") {
                    repeat { records.append(try recordLiteral()) } while acceptSymbol(",")
                }
                try expectSymbol("]", "',' or ']' after the records")
                kind = .insert(records)
            } else {
                kind = .insert([try recordLiteral()])
            }
        case "update":
            guard acceptKeyword("set") else { throw error("'set' after the collection name") }
            var assignments: [Mutation.Assignment] = []
            repeat {
                expect(.settableField(collection))
                guard let field = current.identifier else { throw error("a field name") }
                let fieldRange = advance().range
                try expectSymbol("=", "'=' after the field name")
                let value = try expression()
                assignments.append(Mutation.Assignment(field: field, value: value, range: fieldRange.union(value.range)))
            } while acceptSymbol(",")
            kind = .update(assignments, filter: acceptKeyword("where") ? try expression() : nil)
        case "import":
            kind = .importFile(try importClause(collection))
        default:
            let filter = acceptKeyword("where") ? try expression() : nil
            kind = .delete(filter: filter, cascade: acceptKeyword("cascade"))
        }
        return Mutation(kind: kind, collection: collection, range: SourceRange(first.range.start, previousEnd))
    }

    /// `from "FILE"` and the options after it, in any order, each once.
    private mutating func importClause(_ collection: CollectionName) throws(Diagnostic) -> ImportClause {
        guard acceptKeyword("from") else { throw error("'from' and the file to import") }
        let file: Expr
        switch current.kind {
        case .string(let s): file = Expr(kind: .literal(.string(s)), range: advance().range)
        case .parameter(let p): file = Expr(kind: .parameter(p), range: advance().range)
        default: throw error("the file's name in quotes", hint: "import into \(collection.rawValue) from \"\(collection.rawValue).csv\"")
        }
        var clause = ImportClause(file: file)
        var seen = Set<String>()
        let options = ["sheet", "encoding", "map", "on conflict update", "dry run"]
        while true {
            for option in options where !seen.contains(option) { expect(.keyword(option)) }
            guard let word = current.identifier?.lowercased(), let option = options.first(where: { $0.hasPrefix(word + " ") || $0 == word }) else { break }
            let start = advance().range
            guard seen.insert(option).inserted else { throw Diagnostic("'\(option)' is given twice", at: start) }
            switch option {
            case "sheet", "encoding":
                guard case .string(let s) = current.kind else { throw error("the \(option == "sheet" ? "sheet's name" : "encoding") in quotes") }
                let range = advance().range
                if option == "sheet" { clause.sheet = s } else { clause.encoding = (s, range) }
            case "map":
                repeat {
                    guard case .string(let header) = current.kind else { throw error("a column's header in quotes", hint: "map \"评级\" as rating") }
                    let first = advance().range
                    guard acceptKeyword("as") else { throw error("'as' and the field the column gives") }
                    expect(.importField(collection))
                    guard let field = current.identifier else { throw error("a field name, or _ to leave the column out") }
                    clause.mappings.append((header, field, first.union(advance().range)))
                } while acceptSymbol(",")
            case "on conflict update":
                guard acceptKeyword("conflict"), acceptKeyword("update") else { throw error("'on conflict update'") }
                clause.onConflictUpdate = true
            default:
                guard acceptKeyword("run") else { throw error("'dry run'") }
                clause.dryRun = true
            }
        }
        return clause
    }

    /// `{name: value, "name": value, …}`
    private mutating func recordLiteral() throws(Diagnostic) -> RecordLiteral {
        let start = current.range.start
        try expectSymbol("{", "'{' to start a record")
        var fields: [(name: String, item: RecordLiteral.Item, range: SourceRange)] = []
        if !current.isSymbol("}") {
            repeat {
                let key = current
                let name: String
                switch key.kind {
                case .identifier(let s), .string(let s): name = s
                default: throw error("a field name")
                }
                _ = advance()
                if fields.contains(where: { $0.name == name }) { throw Diagnostic("field '\(name)' is given twice", at: key.range) }
                try expectSymbol(":", "':' after the field name")
                fields.append((name, try literalItem(), SourceRange(key.range.start, previousEnd)))
            } while acceptSymbol(",")
        }
        try expectSymbol("}", "',' or '}' in the record")
        return RecordLiteral(fields: fields, range: SourceRange(start, previousEnd))
    }

    private mutating func literalItem() throws(Diagnostic) -> RecordLiteral.Item {
        try deeper()
        defer { depth -= 1 }
        if current.isSymbol("{") { return .object(try recordLiteral()) }
        guard current.isSymbol("[") else { return .value(try expression()) }
        let start = advance().range.start
        var items: [RecordLiteral.Item] = []
        if !current.isSymbol("]") {
            repeat { items.append(try literalItem()) } while acceptSymbol(",")
        }
        try expectSymbol("]", "',' or ']' in the list")
        return .list(items, SourceRange(start, previousEnd))
    }

    // MARK: Simulations

    private mutating func simulation() throws(Diagnostic) -> Simulation {
        let start = advance().range.start  // simulate
        let kind: Simulation.Kind
        if acceptKeyword("cost") {
            kind = .cost
        } else if acceptKeyword("risk") {
            kind = .risk
        } else {
            throw error("'cost' or 'risk' after 'simulate'")
        }
        var target = Simulation.Target.active
        if acceptKeyword("of") {
            expect(.source)
            if case .string(let id) = current.kind {
                target = .id(id, advance().range)
            } else if current.isSymbol("(") {
                let open = advance().range.start
                let inner = try query()
                try expectSymbol(")", "')' to close the query after 'of'")
                target = .query(Query(source: .subquery(inner), stages: [], range: SourceRange(open, previousEnd)))
            } else if case .parameter(let name) = current.kind {
                target = .parameter(Expr(kind: .parameter(name), range: advance().range))
            } else if let name = current.identifier, !["with", "trials", "seed", "solve", "each"].contains(name.lowercased()) {
                let range = advance().range
                target = .query(Query(source: .named(name, range), stages: [], range: range))
            } else {
                throw error("a contract id in quotes, a variable, or a query in parentheses after 'of'")
            }
        }
        var levers: [Simulation.Setting] = []
        if acceptKeyword("with") {
            repeat {
                expect(.lever)
                guard let name = current.identifier else { throw error("a lever name (.help levers lists them)") }
                let nameRange = advance().range
                let lever = name.lowercased()
                if let known = self.levers, !known.contains(lever) {
                    throw Diagnostic.unknown("lever", name, at: nameRange, candidates: known)
                }
                if levers.contains(where: { $0.lever == lever }) { throw Diagnostic("lever '\(name)' is given twice", at: nameRange) }
                try expectSymbol("=", "'=' after the lever name")
                let value = try expression()
                var sweep: (to: Expr, step: Expr)?
                if acceptSymbol("..") {
                    let to = try expression()
                    guard acceptKeyword("step") else { throw error("'step' and the step of the sweep (0%..10% step 1%)") }
                    sweep = (to, try expression())
                }
                levers.append(Simulation.Setting(lever: lever, nameRange: nameRange, value: value, sweep: sweep,
                                                 range: nameRange.union(sweep?.step.range ?? value.range)))
            } while acceptSymbol(",")
        }
        var solve: Simulation.Solve?
        if kind == .cost, acceptKeyword("solve") {
            let solveStart = tokens[index - 1].range.start
            expect(.lever)
            guard let name = current.identifier else { throw error("the lever to solve for (.help levers lists them)") }
            let leverRange = advance().range
            if let known = self.levers, !known.contains(name.lowercased()) {
                throw Diagnostic.unknown("lever", name, at: leverRange, candidates: known)
            }
            guard acceptKeyword("for") else { throw error("'for' and the target (solve discount for p80 <= budget_cap)") }
            guard let statistic = current.identifier else { throw error("a statistic: expected, mean, p10, p50, p80, p90 or p_over_budget") }
            let statisticRange = advance().range
            let ops: [(String, BinaryOperator)] = [("<=", .lessEqual), ("<", .less), (">=", .greaterEqual), (">", .greater)]
            guard let op = ops.first(where: { current.isSymbol($0.0) })?.1 else { throw error("one of <=, <, >=, >") }
            _ = advance()
            let goal = try expression()
            solve = Simulation.Solve(lever: name.lowercased(), leverRange: leverRange, statistic: statistic.lowercased(),
                                     statisticRange: statisticRange, op: op, target: goal, range: SourceRange(solveStart, previousEnd))
        }
        let each = kind == .cost && acceptKeyword("each")
        // `trials` and `seed` in either order, each at most once.
        var trials: Expr?, seed: Expr?
        while true {
            if trials == nil, acceptKeyword("trials") {
                trials = try expression()
            } else if seed == nil, acceptKeyword("seed") {
                seed = try expression()
            } else {
                break
            }
        }
        return Simulation(kind: kind, target: target, levers: levers, solve: solve, each: each, trials: trials, seed: seed,
                          range: SourceRange(start, previousEnd))
    }

    // MARK: Expressions

    public mutating func expression() throws(Diagnostic) -> Expr {
        try chain([("or", .or)]) { (p: inout Parser) throws(Diagnostic) in try p.andExpression() }
    }

    private mutating func andExpression() throws(Diagnostic) -> Expr {
        try chain([("and", .and)]) { (p: inout Parser) throws(Diagnostic) in try p.notExpression() }
    }

    /// `operand (op operand)*`, left-associative. Each operator in the chain is a
    /// level deeper, as the tree it builds is.
    private mutating func chain(_ operators: [(String, BinaryOperator)],
                                _ operand: (inout Parser) throws(Diagnostic) -> Expr) throws(Diagnostic) -> Expr {
        var left = try operand(&self)
        let outer = depth
        defer { depth = outer }
        while let op = acceptOperator(operators) {
            try deeper()
            let right = try operand(&self)
            left = Expr(kind: .binary(op, left, right), range: left.range.union(right.range))
        }
        return left
    }

    /// The operator at the current token, taken; a word operator is a keyword.
    private mutating func acceptOperator(_ operators: [(String, BinaryOperator)]) -> BinaryOperator? {
        for (text, op) in operators {
            if text.first!.isLetter ? acceptKeyword(text) : acceptSymbol(text) { return op }
        }
        return nil
    }

    private mutating func notExpression() throws(Diagnostic) -> Expr {
        let start = current.range
        if acceptKeyword("not") {
            try deeper()
            defer { depth -= 1 }
            let operand = try notExpression()
            return Expr(kind: .not(operand), range: start.union(operand.range))
        }
        return try comparison()
    }

    private static let comparisons: [String: BinaryOperator] = [
        "=": .equal, "!=": .notEqual, "<": .less, "<=": .lessEqual, ">": .greater, ">=": .greaterEqual,
    ]

    private mutating func comparison() throws(Diagnostic) -> Expr {
        let left = try additive()
        if case .symbol(let s) = current.kind, let op = Parser.comparisons[s] {
            _ = advance()
            let right = try additive()
            return Expr(kind: .binary(op, left, right), range: left.range.union(right.range))
        }
        if acceptKeyword("is") {
            let negated = acceptKeyword("not")
            guard acceptKeyword("null") else { throw error("'null' after 'is\(negated ? " not" : "")'") }
            let e = Expr(kind: .isNull(left), range: SourceRange(left.range.start, previousEnd))
            return negated ? Expr(kind: .not(e), range: e.range) : e
        }
        let negated = current.isKeyword("not") && ["in", "between", "contains", "like"].contains { peek().isKeyword($0) }
        if negated { _ = advance() }
        let result: Expr
        if acceptKeyword("in") {
            try expectSymbol("(", "'(' to start the list after 'in'")
            var items: [Expr] = []
            if !current.isSymbol(")") {
                repeat { items.append(try expression()) } while acceptSymbol(",")
            }
            try expectSymbol(")", "',' or ')' in the list after 'in'")
            result = Expr(kind: .inList(left, items), range: SourceRange(left.range.start, previousEnd))
        } else if acceptKeyword("between") {
            let low = try additive()
            guard acceptKeyword("and") else { throw error("'and' in 'between … and …'") }
            let high = try additive()
            result = Expr(kind: .between(left, low, high), range: left.range.union(high.range))
        } else if acceptKeyword("contains") {
            let right = try additive()
            result = Expr(kind: .binary(.contains, left, right), range: left.range.union(right.range))
        } else if acceptKeyword("like") {
            let right = try additive()
            result = Expr(kind: .binary(.like, left, right), range: left.range.union(right.range))
        } else {
            return left
        }
        return negated ? Expr(kind: .not(result), range: result.range) : result
    }

    private mutating func additive() throws(Diagnostic) -> Expr {
        try chain([("+", .add), ("-", .subtract)]) { (p: inout Parser) throws(Diagnostic) in try p.multiplicative() }
    }

    private mutating func multiplicative() throws(Diagnostic) -> Expr {
        try chain([("*", .multiply), ("/", .divide)]) { (p: inout Parser) throws(Diagnostic) in try p.unary() }
    }

    private mutating func unary() throws(Diagnostic) -> Expr {
        try deeper()
        defer { depth -= 1 }
        let start = current.range
        if acceptSymbol("-") {
            let operand = try unary()
            return Expr(kind: .negate(operand), range: start.union(operand.range))
        }
        if acceptSymbol("+") { return try unary() }
        return try primary()
    }

    private mutating func primary() throws(Diagnostic) -> Expr {
        let token = current
        expect(.value(pipelines.last))
        switch token.kind {
        case .number(let value, _):
            _ = advance()
            // An amount with its currency (`1.2m USD`): the code is written in capitals, as ISO 4217 does.
            if case .identifier(let code) = current.kind, code == code.uppercased(), let currency = Currency(code) {
                let end = current.range.end
                _ = advance()
                return Expr(kind: .literal(.money(Money(value, currency))), range: SourceRange(token.range.start, end))
            }
            return Expr(kind: .literal(.number(value)), range: token.range)
        case .string(let s):
            _ = advance()
            return Expr(kind: .literal(.string(s)), range: token.range)
        case .parameter(let name):
            _ = advance()
            return Expr(kind: .parameter(name), range: token.range)
        case .symbol("["):
            _ = advance()
            var items: [Expr] = []
            if !current.isSymbol("]") {
                repeat { items.append(try expression()) } while acceptSymbol(",")
            }
            try expectSymbol("]", "',' or ']' in the list")
            return Expr(kind: .list(items), range: SourceRange(token.range.start, previousEnd))
        case .symbol("("):
            _ = advance()
            let inner = try expression()
            try expectSymbol(")", "')'")
            return Expr(kind: inner.kind, range: SourceRange(token.range.start, previousEnd))
        case .identifier(let name):
            switch name.lowercased() {
            case "true", "false":
                _ = advance()
                return Expr(kind: .literal(.bool(name.lowercased() == "true")), range: token.range)
            case "null":
                _ = advance()
                return Expr(kind: .literal(.null), range: token.range)
            case let word where Parser.reserved.contains(word):
                throw error("a value")
            default:
                break
            }
            _ = advance()
            if current.isSymbol("(") {
                _ = advance()
                var arguments: [Expr] = []
                if current.isSymbol("*"), name.lowercased() == "count" {
                    _ = advance()  // count(*) as in SQL
                } else if !current.isSymbol(")") {
                    repeat { arguments.append(try expression()) } while acceptSymbol(",")
                }
                try expectSymbol(")", "',' or ')' after the arguments of \(name)")
                return Expr(kind: .call(name: name, nameRange: token.range, arguments: arguments),
                            range: SourceRange(token.range.start, previousEnd))
            }
            var segments = [PathSegment(name: name, range: token.range)]
            while current.isSymbol(".") {
                _ = advance()
                expect(.member(segments.map(\.name), pipelines.last))
                guard let field = current.identifier else { throw error("a field name after '.'") }
                segments.append(PathSegment(name: field, range: advance().range))
            }
            return Expr(kind: .path(segments), range: SourceRange(token.range.start, previousEnd))
        default:
            throw error("a value (a number, string, field or function)")
        }
    }
}
