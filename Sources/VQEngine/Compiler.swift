import VQJSON
import VQLanguage
import VQModel
import VQStore
import VQSupport

/// Resolves the names in an expression against the scope its rows have
/// (fields, derived fields, relations, group keys, variables, parameters) and
/// turns it into a closure, so unknown names are reported before any row is
/// read and each row costs no lookups.
///
/// It is a function of (expression, scope): what the evaluator needs to know
/// beyond the closure comes back in the `Compiled` result, never through state.
public struct Compiler {
    public typealias Eval = (Row) throws -> Value

    public struct Compiled {
        public var eval: Eval
        /// The value is a list per row (`contracts.value`), so an aggregate over it is per row.
        var isList = false
        /// Derived fields read directly on the rows: a query's records show them as columns.
        public var derived: [DerivedField] = []

        /// `eval`, carrying what the parts it is made of read.
        init(eval: @escaping Eval, isList: Bool = false, from parts: [Compiled] = [], derived: [DerivedField] = []) {
            self.eval = eval
            self.isList = isList
            self.derived = (derived + parts.flatMap(\.derived)).uniqued()
        }
    }

    let store: Store
    let environment: Environment
    let source: SourceText
    let exchange: Exchange

    public init(store: Store, environment: Environment, source: SourceText) {
        self.store = store
        self.environment = environment
        self.source = source
        exchange = Exchange(store: store)
    }

    func text(_ range: SourceRange) -> String {
        source.text(range)
            .split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    public func compile(_ e: Expr, in scope: Scope) throws -> Compiled {
        // After a select or group by, an expression written like a column's name reads that column.
        if let names = scope.columnNames, let i = names.firstIndex(of: text(e.range)) {
            return Compiled(eval: Compiler.column(i, in: scope))
        }
        switch e.kind {
        case .literal(let v):
            return Compiled(eval: { (_: Row) throws -> Value in v })
        case .parameter(let name):
            let value = try environment.parameter(name, at: e.range)
            return Compiled(eval: { (_: Row) throws -> Value in value })
        case .path(let segments):
            return try path(segments, range: e.range, in: scope)
        case .call(let name, let nameRange, let arguments):
            return try call(name, nameRange: nameRange, arguments, range: e.range, in: scope)
        case .negate(let operand):
            let x = try compile(operand, in: scope)
            return Compiled(eval: { (row: Row) throws -> Value in
                let v = try x.eval(row)
                switch v {
                case .null: return .null
                case .number(let d): return .number(-d)
                case .money(let m): return .money(m.with(amount: -m.amount))
                default: throw Diagnostic("cannot negate a \(v.typeName)", at: e.range)
                }
            }, from: [x])
        case .not(let operand):
            let x = try compile(operand, in: scope)
            return Compiled(eval: { (row: Row) throws -> Value in
                switch try Operators.truth(try x.eval(row), at: operand.range) {
                case nil: return .null
                case let b?: return .bool(!b)
                }
            }, from: [x])
        case .binary(let op, let l, let r):
            if op == .equal || op == .notEqual {
                try checkEnumLiteral(l, r, in: scope)
                try checkEnumLiteral(r, l, in: scope)
            }
            let a = try compile(l, in: scope), b = try compile(r, in: scope)
            return Compiled(eval: Operators.binary(op, a.eval, b.eval, left: l.range, right: r.range, at: e.range,
                                                   exchange: exchange, literal: Compiler.moneyLiteral(l) ?? Compiler.moneyLiteral(r)),
                            from: [a, b])
        case .inList(let l, let items):
            for item in items { try checkEnumLiteral(l, item, in: scope) }
            let x = try compile(l, in: scope)
            let compiled = try items.map { (item: Expr) throws -> Compiled in try compile(item, in: scope) }
            let list = compiled.map(\.eval)
            let literals = items.map(Compiler.moneyLiteral)
            return Compiled(eval: { (row: Row) throws -> Value in
                let v = try x.eval(row)
                if v.isNull { return .null }
                var sawNull = false
                for (item, literal) in zip(list, literals) {
                    let w = try item(row)
                    if w.isNull { sawNull = true; continue }
                    if try Operators.compare(v, w, at: e.range, exchange: exchange, literal: literal) == 0 { return .bool(true) }
                }
                return sawNull ? .null : .bool(false)
            }, from: [x] + compiled)
        case .between(let l, let low, let high):
            let x = try compile(l, in: scope), lo = try compile(low, in: scope), hi = try compile(high, in: scope)
            return Compiled(eval: { (row: Row) throws -> Value in
                let v = try x.eval(row), a = try lo.eval(row), b = try hi.eval(row)
                if v.isNull || a.isNull || b.isNull { return .null }
                let literal = Compiler.moneyLiteral(low) ?? Compiler.moneyLiteral(high)
                let aboveLow = try Operators.compare(v, a, at: e.range, exchange: exchange, literal: literal) >= 0
                let belowHigh = try Operators.compare(v, b, at: e.range, exchange: exchange, literal: literal) <= 0
                return .bool(aboveLow && belowHigh)
            }, from: [x, lo, hi])
        case .list(let items):
            let compiled = try items.map { (item: Expr) throws -> Compiled in try compile(item, in: scope) }
            let evals = compiled.map(\.eval)
            return Compiled(eval: { (row: Row) throws -> Value in .list(try evals.map { try $0(row) }) }, from: compiled)
        case .isNull(let operand):
            let x = try compile(operand, in: scope)
            return Compiled(eval: { (row: Row) throws -> Value in .bool(try x.eval(row).isNull) }, from: [x])
        }
    }

    /// The currency of a money literal (`1.2m USD`): a comparison with one converts to it.
    static func moneyLiteral(_ e: Expr) -> Currency? {
        if case .literal(.money(let m)) = e.kind { return m.currency }
        return nil
    }

    /// `status = "activ"` is a slip when no record has that value: saying so
    /// beats an empty result. (A value outside the schema's list that a file
    /// does hold, reported when it was read, can still be looked for.)
    private func checkEnumLiteral(_ field: Expr, _ literal: Expr, in scope: Scope) throws {
        guard case .literal(.string(let text)) = literal.kind, case .path(let segments) = field.kind,
              scope.columnNames?.contains(self.text(field.range)) != true,
              case .records(var collection) = scope else { return }
        for segment in segments.dropLast() {
            guard case .ref(let target)? = collection.spec.field(segment.name)?.type else { return }
            collection = target
        }
        let name = segments.last!.name
        guard case .oneOf(let allowed)? = collection.spec.field(name)?.type, !allowed.containsExactly(text),
              let table = try? store.table(collection), let c = table.column(name),
              !table.columns[c].contains(.string(text)) else { return }
        var d = Diagnostic("\"\(text)\" is not a \(name) of \(collection.rawValue): it is one of \(allowed.joined(separator: ", "))",
                           at: literal.range)
        if let near = Suggest.closest(to: text, in: allowed) ?? allowed.first(where: { $0.lowercased() == text.lowercased() }) {
            d.hint = "did you mean \"\(near)\"?"
        }
        throw d
    }

    static func column(_ i: Int, in scope: Scope) -> Eval {
        { (row: Row) throws -> Value in
            switch row {
            case .values(let values): return values[i]
            case .group(let g): return i < g.keys.count ? g.keys[i] : .number(Double(g.members.count))
            default: return .null
            }
        }
    }

    // MARK: Names

    /// After a `select` or `group by` the rows have only their columns: the
    /// message says which, since a field of the collection is no longer there.
    private static func unknownColumn(_ name: String, at range: SourceRange, columns: [String]) -> Diagnostic {
        var d = Diagnostic.unknown("column", name, at: range, candidates: columns)
        let shown = columns.prefix(12).joined(separator: ", ") + (columns.count > 12 ? ", …" : "")
        d.hint = "the rows here have only the columns \(shown)"
        return d
    }

    private func path(_ segments: [PathSegment], range: SourceRange, in scope: Scope) throws -> Compiled {
        let first = segments[0]
        switch scope {
        case .records(let collection):
            let known = Compiler.memberNames(of: collection) + ((try? store.table(collection))?.columnNames ?? [])
            if known.contains(first.name) {
                return try navigate(segments, from: collection)
            }
            if segments.count == 1, let value = environment.scalar(first.name) {
                return Compiled(eval: { (_: Row) throws -> Value in value })
            }
            throw Diagnostic.unknown("field", first.name, on: collection.rawValue, at: first.range,
                                     candidates: known.uniqued() + environment.scalarNames)
        case .columns(let names):
            if segments.count == 1, let value = environment.scalar(first.name), !names.contains(first.name) {
                return Compiled(eval: { (_: Row) throws -> Value in value })
            }
            throw Compiler.unknownColumn(text(range), at: range, columns: names)
        case .groups(let keys, let member):
            if segments.count == 1, let value = environment.scalar(first.name) {
                return Compiled(eval: { (_: Row) throws -> Value in value })
            }
            if (try? path(segments, range: range, in: member)) != nil {
                throw Diagnostic("'\(text(range))' is neither a group key nor inside an aggregate", at: range,
                                 hint: "add it to group by, or use an aggregate such as max(\(text(range)))")
            }
            throw Compiler.unknownColumn(text(range), at: range, columns: keys + ["count"])
        case .constant:
            if segments.count == 1, let value = environment.scalar(first.name) {
                return Compiled(eval: { (_: Row) throws -> Value in value })
            }
            if first.name == "_" {
                throw Diagnostic("_ is the previous result's rows, not a single value", at: first.range,
                                 hint: "use it as a source: _ | count")
            }
            throw Diagnostic.unknown("variable", first.name, at: first.range, candidates: environment.scalarNames)
        }
    }

    /// What a record of `collection` can be asked for: stored fields (and extra
    /// ones in its file), derived fields, and the lists of records that refer to it.
    public static func memberNames(of collection: CollectionName) -> [String] {
        collection.spec.fields.map(\.name) + DerivedField.on(collection).map(\.name)
            + Schema.children(of: collection).map(\.child.rawValue).uniqued()
    }

    private enum Member {
        case value((Int) -> Value)
        case reference(CollectionName, [Int32], (Int) -> Value)
        case children(CollectionName, Adjacency)
    }

    private func member(_ segment: PathSegment, of collection: CollectionName) throws -> Member {
        do {
            let name = segment.name
            let spec = collection.spec
            if let index = spec.fields.firstIndex(where: { $0.name == name }) {
                let field = spec.fields[index]
                let table = try store.table(collection)
                // Schema fields are a table's first columns, in their order.
                let column = table.reader(index)
                let convert = Convert.reader(for: field.type)
                if case .ref(let target) = field.type {
                    return .reference(target, table.references[name] ?? [], { convert(column($0)) })
                }
                if let money = try store.moneyColumn(collection, field) {
                    return .value { row in
                        if case .number(let n) = column(row) { money.money(n.value, row: row) } else { .null }
                    }
                }
                return .value { convert(column($0)) }
            }
            if let derived = DerivedField.named(name, on: collection) {
                let values = try store.derived(derived)
                return .value { values[$0] }
            }
            if let child = CollectionName(rawValue: name), let link = Schema.children(of: collection).first(where: { $0.child == child }) {
                return .children(child, try store.children(child, via: link.field))
            }
            let table = try store.table(collection)
            if let c = table.column(name) {
                let column = table.reader(c)
                return .value { Convert.generic(column($0)) }
            }
        } catch {
            throw Diagnostic(error.message, at: segment.range)
        }
        var candidates = Compiler.memberNames(of: collection)
        if let table = try? store.table(collection) { candidates += table.columnNames }
        throw Diagnostic.unknown("field", segment.name, on: collection.rawValue, at: segment.range, candidates: candidates.uniqued())
    }

    /// `a.b.c` from a record of `collection`: each step reads a field, follows a
    /// reference, or opens a list of referring records (then maps over it).
    private func navigate(_ segments: [PathSegment], from collection: CollectionName) throws -> Compiled {
        enum Kind { case record(CollectionName), list(CollectionName), scalar, scalarList }
        var kind = Kind.record(collection)
        var steps: [(Value) -> Value] = []
        for (n, segment) in segments.enumerated() {
            let last = n == segments.count - 1
            let owner: CollectionName
            let isList: Bool
            switch kind {
            case .record(let c): owner = c; isList = false
            case .list(let c): owner = c; isList = true
            case .scalar, .scalarList:
                throw Diagnostic("'\(segments[n - 1].name)' is a value, not a record: it has no field '\(segment.name)'",
                                 at: segment.range)
            }
            let step: (Int) -> Value
            switch try member(segment, of: owner) {
            case .value(let read):
                step = read
                kind = isList ? .scalarList : .scalar
            case .reference(let target, let refs, let read):
                if last {
                    step = read
                    kind = isList ? .scalarList : .scalar
                } else {
                    step = { refs[$0] >= 0 ? .record(target, Int(refs[$0])) : .null }
                    kind = isList ? .list(target) : .record(target)
                }
            case .children(let child, let links):
                step = { .list(links[$0].map { .record(child, Int($0)) }) }
                kind = .list(child)
            }
            steps.append { value in Compiler.apply(step, to: value) }
        }
        let isList: Bool
        switch kind {
        case .list, .scalarList: isList = true
        default: isList = false
        }
        // A derived field named on the rows themselves is shown with them.
        let shown = DerivedField.named(segments[0].name, on: collection).map { [$0] } ?? []
        if steps.count == 1, case .value(let read) = try member(segments[0], of: collection) {
            return Compiled(eval: { (row: Row) throws -> Value in
                if case .record(let i) = row { return read(i) }
                return .null
            }, isList: isList, derived: shown)
        }
        return Compiled(eval: { (row: Row) throws -> Value in
            guard case .record(let i) = row else { return .null }
            var v = Value.record(collection, i)
            for step in steps { v = step(v) }
            return v
        }, isList: isList, derived: shown)
    }

    /// Applies a record step to a record, or to each record of a list (flattening lists of lists).
    private static func apply(_ step: (Int) -> Value, to value: Value) -> Value {
        switch value {
        case .record(_, let i): return step(i)
        case .list(let items):
            var out: [Value] = []
            out.reserveCapacity(items.count)
            for item in items {
                let v = apply(step, to: item)
                if case .list(let inner) = v, case .record = item { out += inner } else { out.append(v) }
            }
            return .list(out)
        default: return .null
        }
    }

    /// Whether `e` holds an aggregate over the rows of `scope` (`count()`,
    /// `sum(value)`), as opposed to one over a list in each row
    /// (`sum(contracts.value)`): a select of such an expression treats all the
    /// rows as one group. Decided from the tree and the schema, before compiling.
    public func aggregatesOverRows(_ e: Expr, in scope: Scope) -> Bool {
        if case .groups = scope { return false }
        if let names = scope.columnNames, names.contains(text(e.range)) { return false }
        switch e.kind {
        case .literal, .parameter, .path: return false
        case .call(let name, _, let arguments):
            if Functions.aggregates[name.lowercased()] != nil {
                guard let first = arguments.first else { return true }
                return !Compiler.isList(first, in: scope)
            }
            return arguments.contains { aggregatesOverRows($0, in: scope) }
        case .negate(let x), .not(let x), .isNull(let x): return aggregatesOverRows(x, in: scope)
        case .binary(_, let a, let b): return aggregatesOverRows(a, in: scope) || aggregatesOverRows(b, in: scope)
        case .inList(let x, let items): return ([x] + items).contains { aggregatesOverRows($0, in: scope) }
        case .list(let items): return items.contains { aggregatesOverRows($0, in: scope) }
        case .between(let x, let a, let b): return [x, a, b].contains { aggregatesOverRows($0, in: scope) }
        }
    }

    /// Whether a path names a list in each row of `scope`: it passes through the
    /// records that refer to a record (`contracts.value` from a vendor).
    static func isList(_ e: Expr, in scope: Scope) -> Bool {
        guard case .path(let segments) = e.kind, case .records(var collection) = scope else { return false }
        for segment in segments {
            if let child = CollectionName(rawValue: segment.name), Schema.children(of: collection).contains(where: { $0.child == child }) {
                return true
            }
            guard case .ref(let target)? = collection.spec.field(segment.name)?.type else { return false }
            collection = target
        }
        return false
    }

    // MARK: Calls

    private func call(_ name: String, nameRange: SourceRange, _ arguments: [Expr], range: SourceRange,
                      in scope: Scope) throws -> Compiled {
        let lower = name.lowercased()
        if let aggregate = Functions.aggregates[lower] {
            return try self.aggregate(aggregate, name: lower, arguments, range: range, in: scope)
        }
        guard let function = Functions.scalars[lower] else {
            throw Diagnostic.unknown("function", name, at: nameRange,
                                     candidates: Array(Functions.aggregates.keys) + Array(Functions.scalars.keys))
        }
        guard function.arity.contains(arguments.count) else {
            throw Diagnostic("\(lower) takes \(Functions.describe(function.arity)), not \(arguments.count)", at: range,
                             hint: "usage: \(function.usage)")
        }
        let compiled = try arguments.map { (a: Expr) throws -> Compiled in try compile(a, in: scope) }
        let args = compiled.map(\.eval)
        let context = FunctionContext(today: store.today, exchange: exchange, range: range, argumentRanges: arguments.map(\.range))
        let body = function.body
        // `if` and `coalesce` evaluate only the arguments they need.
        return Compiled(eval: { (row: Row) throws -> Value in
            try body(Functions.Arguments(evals: args, row: row), context)
        }, from: compiled)
    }

    private func aggregate(_ aggregate: Functions.Aggregate, name: String, _ arguments: [Expr], range: SourceRange,
                           in scope: Scope) throws -> Compiled {
        guard aggregate.arity.contains(arguments.count) else {
            throw Diagnostic("\(name) takes \(Functions.describe(aggregate.arity)), not \(arguments.count)", at: range,
                             hint: "usage: \(aggregate.usage)")
        }
        let extra = try arguments.dropFirst().map { (a: Expr) throws -> Eval in try compile(a, in: scope).eval }
        let compute = aggregate.compute
        let exchange = self.exchange
        func finish(_ values: [Value], _ row: Row) throws -> Value {
            try compute(values, try extra.map { (x: Eval) throws -> Value in try x(row) }, range, exchange)
        }
        if case .groups(_, let member) = scope {
            guard let first = arguments.first else {
                return Compiled(eval: { (row: Row) throws -> Value in
                    guard case .group(let g) = row else { return .null }
                    return .number(Double(g.members.count))
                })
            }
            let x = try compile(first, in: member)
            return Compiled(eval: { (row: Row) throws -> Value in
                guard case .group(let g) = row else { return .null }
                var values: [Value] = []
                values.reserveCapacity(g.members.count)
                for m in g.members {
                    let v = try x.eval(m)
                    if case .list(let items) = v, x.isList { values += items } else { values.append(v) }
                }
                return try finish(values, row)
            }, from: [x])
        }
        if let first = arguments.first {
            let x = try compile(first, in: scope)
            if x.isList {
                return Compiled(eval: { (row: Row) throws -> Value in
                    guard case .list(let items) = try x.eval(row) else { return try finish([], row) }
                    return try finish(items, row)
                }, from: [x])
            }
        }
        throw Diagnostic("\(name)() over rows needs groups here", at: range,
                         hint: "use it in select (one row for all), or after group by; over a relation write e.g. \(name)(contracts.value)")
    }
}

/// Runtime semantics of the operators, with SQL's null rules.
enum Operators {
    /// A condition's truth: nil for null; an error for a value that is not true or false.
    static func truth(_ v: Value, at range: SourceRange) throws -> Bool? {
        switch v {
        case .null: return nil
        case .bool(let b): return b
        default: throw Diagnostic("expected true or false, found a \(v.typeName)", at: range)
        }
    }

    /// Compares two values; amounts in different currencies once converted
    /// (to `literal`'s currency when one side is a money literal).
    static func compare(_ a: Value, _ b: Value, at range: SourceRange, exchange: Exchange, literal: Currency? = nil) throws -> Int {
        if case .money(let m) = a, case .money(let n) = b, m.currency != n.currency {
            let (x, y, _) = try exchange.align(m, n, "the comparison", literal: literal, at: range)
            return x < y ? -1 : (x > y ? 1 : 0)
        }
        guard let c = ValueOrder.compare(a, b) else {
            throw Diagnostic("cannot compare a \(a.typeName) with a \(b.typeName)", at: range)
        }
        return c
    }

    static func binary(_ op: BinaryOperator, _ a: @escaping Compiler.Eval, _ b: @escaping Compiler.Eval,
                       left: SourceRange, right: SourceRange, at range: SourceRange,
                       exchange: Exchange, literal: Currency?) -> Compiler.Eval {
        switch op {
        case .and, .or:
            // SQL's three-valued logic: a false decides `and` and a true decides `or`
            // (the right side is then not evaluated); otherwise a null makes the result null.
            let decisive = op == .or
            return { (row: Row) throws -> Value in
                let x = try truth(try a(row), at: left)
                if x == decisive { return .bool(decisive) }
                let y = try truth(try b(row), at: right)
                if y == decisive { return .bool(decisive) }
                return x == nil || y == nil ? .null : .bool(!decisive)
            }
        case .add, .subtract, .multiply, .divide:
            return { (row: Row) throws -> Value in
                let x = try a(row), y = try b(row)
                if x.isNull || y.isNull { return .null }
                guard case .number(let p) = x, case .number(let q) = y else {
                    if let v = try Operators.money(op, x, y, exchange: exchange, at: range) { return v }
                    if let v = try Operators.calendar(op, x, y, at: range) { return v }
                    throw Diagnostic("'\(op.rawValue)' needs numbers (or a date and days), found a \(x.typeName) and a \(y.typeName)", at: range)
                }
                switch op {
                case .add: return .number(p + q)
                case .subtract: return .number(p - q)
                case .multiply: return .number(p * q)
                default: return q == 0 ? .null : .number(p / q)
                }
            }
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            return { (row: Row) throws -> Value in
                let x = try a(row), y = try b(row)
                if x.isNull || y.isNull { return .null }
                let c = try compare(x, y, at: range, exchange: exchange, literal: literal)
                switch op {
                case .equal: return .bool(c == 0)
                case .notEqual: return .bool(c != 0)
                case .less: return .bool(c < 0)
                case .lessEqual: return .bool(c <= 0)
                case .greater: return .bool(c > 0)
                default: return .bool(c >= 0)
                }
            }
        case .contains:
            return { (row: Row) throws -> Value in
                let x = try a(row), y = try b(row)
                if x.isNull || y.isNull { return .null }
                switch (x, y) {
                case (.string(let s), .string(let t)):
                    return .bool(Operators.containsCodePoints(s.lowercased(), t.lowercased()))
                case (.list(let items), _):
                    return .bool(items.contains { item in
                        if case .string(let s) = item, case .string(let t) = y { return s.lowercased().sameCodePoints(as: t.lowercased()) }
                        return ValueOrder.compare(item, y) == 0
                    })
                default:
                    throw Diagnostic("contains needs a string or a list on its left, found a \(x.typeName)", at: range)
                }
            }
        case .like:
            return { (row: Row) throws -> Value in
                let x = try a(row), y = try b(row)
                if x.isNull || y.isNull { return .null }
                guard case .string(let s) = x, case .string(let p) = y else {
                    throw Diagnostic("like needs strings, found a \(x.typeName) and a \(y.typeName)", at: range)
                }
                return .bool(Operators.like(Array(s.lowercased().unicodeScalars), Array(p.lowercased().unicodeScalars)))
            }
        }
    }

    /// Arithmetic on money (SPEC §5): same-currency amounts add and subtract
    /// (different ones once converted), money × or ÷ a number is money, money ÷
    /// money a number. A bare number next to money is taken in its currency.
    static func money(_ op: BinaryOperator, _ x: Value, _ y: Value, exchange: Exchange, at range: SourceRange) throws -> Value? {
        switch (x, y) {
        case (.money(let m), .money(let n)):
            if op == .multiply { throw Diagnostic("cannot multiply money by money", at: range, hint: "multiply an amount by a number") }
            let (p, q, currency) = try exchange.align(m, n, "'\(op.rawValue)'", at: range)
            if op == .divide { return q == 0 ? .null : .number(p / q) }
            return .money(Money(op == .add ? p + q : p - q, currency, day: m.day == n.day ? m.day : nil))
        case (.money(let m), .number(let q)):
            switch op {
            case .add: return .money(m.with(amount: m.amount + q))
            case .subtract: return .money(m.with(amount: m.amount - q))
            case .multiply: return .money(m.with(amount: m.amount * q))
            default: return q == 0 ? .null : .money(m.with(amount: m.amount / q))
            }
        case (.number(let p), .money(let n)):
            switch op {
            case .add: return .money(n.with(amount: p + n.amount))
            case .subtract: return .money(n.with(amount: p - n.amount))
            case .multiply: return .money(n.with(amount: p * n.amount))
            default: throw Diagnostic("cannot divide a number by money", at: range, hint: "divide money by a number, or by money for a ratio")
            }
        default:
            return nil
        }
    }

    /// Date arithmetic: a date ± whole days is a date, a date − a date the days
    /// between them (as `days_between`); a month ± whole months is a month, a
    /// month − a month the months between. A date string next to a date reads as one.
    static func calendar(_ op: BinaryOperator, _ x: Value, _ y: Value, at range: SourceRange) throws -> Value? {
        func whole(_ d: Double) throws -> Int {
            guard d == d.rounded(), abs(d) < 1e9 else { throw Diagnostic("a date moves by whole days, found \(ValueText.raw(d))", at: range) }
            return Int(d)
        }
        func typed(_ v: Value, like other: Value) -> Value {
            if case .string(let s) = v, let t = ValueOrder.parseTemporal(s) {
                switch (t, other) {
                case (.date, .date), (.month, .month): return t
                default: break
                }
            }
            return v
        }
        switch (op, typed(x, like: y), typed(y, like: x)) {
        case (.add, .date(let d), .number(let n)), (.add, .number(let n), .date(let d)): return .date(d + (try whole(n)))
        case (.subtract, .date(let d), .number(let n)): return .date(d - (try whole(n)))
        case (.subtract, .date(let d), .date(let e)): return .number(Double(d - e))
        case (.add, .month(let m), .number(let n)), (.add, .number(let n), .month(let m)): return .month(m + (try whole(n)))
        case (.subtract, .month(let m), .number(let n)): return .month(m - (try whole(n)))
        case (.subtract, .month(let m), .month(let k)): return .number(Double(m - k))
        default: return nil
        }
    }

    /// Whether `t` occurs in `s` as the same code points (a precomposed `é` does not match `e` + U+0301).
    static func containsCodePoints(_ s: String, _ t: String) -> Bool {
        if t.isEmpty { return true }
        let hay = Array(s.utf8), needle = Array(t.utf8)
        guard needle.count <= hay.count else { return false }
        return (0...(hay.count - needle.count)).contains { i in hay[i] == needle[0] && hay[i..<(i + needle.count)].elementsEqual(needle) }
    }

    /// SQL LIKE over code points: `%` any run, `_` one code point.
    static func like(_ s: [Unicode.Scalar], _ p: [Unicode.Scalar]) -> Bool {
        var si = 0, pi = 0, star = -1, mark = 0
        while si < s.count {
            if pi < p.count, p[pi] == "_" || (p[pi] != "%" && p[pi] == s[si]) {
                si += 1; pi += 1
            } else if pi < p.count, p[pi] == "%" {
                star = pi; mark = si; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; si = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "%" { pi += 1 }
        return pi == p.count
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
