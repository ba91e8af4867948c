import VQJSON
import VQLanguage
import VQModel
import VQStore
import VQSupport

/// Runs a query's stages left to right over the rows of its source.
public final class Evaluator {
    let store: Store
    let environment: Environment
    public let compiler: Compiler
    let isCancelled: @Sendable () -> Bool

    public init(store: Store, environment: Environment, source: SourceText, isCancelled: @escaping @Sendable () -> Bool) {
        self.store = store
        self.environment = environment
        self.compiler = Compiler(store: store, environment: environment, source: source)
        self.isCancelled = isCancelled
    }

    public func run(_ query: Query) throws -> QueryResult {
        var relation: Relation
        // Derived fields the query reads on its records, shown after their stored fields.
        var mentioned: [DerivedField] = []
        switch query.source {
        case .subquery(let inner):
            switch try run(inner) {
            case .relation(let r):
                relation = r
                mentioned = r.derivedShown
            case .scalar:
                if query.stages.isEmpty { return try run(inner) }
                throw Diagnostic("the subquery yields a single value, which has no rows to pass on", at: inner.range)
            }
        case .named(let name, let range):
            switch try resolveSource(name, at: range) {
            case .relation(let r): relation = r
            case .scalar(let v):
                if let stage = query.stages.first {
                    throw Diagnostic("'\(name)' holds a single value, which has no rows for \(Evaluator.describe(stage))", at: stage.range)
                }
                return .scalar(v)
            }
        }
        for (n, stage) in query.stages.enumerated() {
            if case .count = stage.kind {
                if n + 1 < query.stages.count {
                    throw Diagnostic("count yields a single number; nothing can follow it", at: query.stages[n + 1].range)
                }
                return .scalar(.number(Double(relation.rows.count)))
            }
            // `order by … | limit N` keeps N rows while sorting rather than sorting all.
            var keep: Int?
            if case .order = stage.kind, n + 1 < query.stages.count, case .limit(let expr) = query.stages[n + 1].kind {
                keep = try limitCount(expr)
            }
            relation = try apply(stage, to: relation, keep: keep, mentioned: &mentioned)
            if isCancelled() { throw Evaluator.interrupted(stage) }
        }
        if case .records(let c) = relation.scope {
            relation.derivedShown = mentioned.uniqued().filter { $0.collection == c }
        }
        return .relation(relation)
    }

    private static func describe(_ stage: Stage) -> String {
        switch stage.kind {
        case .filter: "where"
        case .select: "select"
        case .order: "order by"
        case .limit: "limit"
        case .group: "group by"
        case .count: "count"
        case .distinct: "distinct"
        }
    }

    private func resolveSource(_ name: String, at range: SourceRange) throws -> Environment.Variable {
        if name == "_" {
            switch environment.last {
            case .relation(let r)?: return .relation(r)
            case .scalar(let v)?: return .scalar(v)
            case nil: throw Diagnostic("'_' names the previous result, and there is none yet", at: range)
            }
        }
        if let collection = CollectionName(rawValue: name) {
            do {
                let table = try store.table(collection)
                return .relation(Relation(scope: .records(collection), rows: (0..<table.count).map(Row.record)))
            } catch {
                throw Diagnostic(error.message, at: range)
            }
        }
        if let variable = environment.variables[name] { return variable }
        throw Diagnostic.unknown("collection or variable", name, at: range,
                                 candidates: CollectionName.allCases.map(\.rawValue) + environment.variables.keys.sorted())
    }

    private func checkCancelled(_ n: Int, _ range: SourceRange) throws {
        // Often enough that a row costing milliseconds still stops within a moment.
        if n & 0xF == 0, isCancelled() { throw Diagnostic("interrupted (Ctrl-C) here; nothing was kept", at: range) }
    }

    static func interrupted(_ stage: Stage) -> Diagnostic {
        Diagnostic("interrupted (Ctrl-C) after \(describe(stage)); nothing was kept", at: stage.range)
    }

    private func limitCount(_ expr: Expr) throws -> Int {
        let value = try compiler.compile(expr, in: .constant).eval(.none)
        guard case .number(let n) = value, n >= 0, n == n.rounded(), n < 1e15 else {
            throw Diagnostic("limit needs a whole number of rows, 0 or more", at: expr.range)
        }
        return Int(n)
    }

    /// Runs one stage; `keep` says that only the first so many rows of an `order by` are wanted.
    /// `mentioned` gathers the derived fields a stage reads on records, to show them.
    private func apply(_ stage: Stage, to input: Relation, keep: Int? = nil, mentioned: inout [DerivedField]) throws -> Relation {
        var relation = input
        switch stage.kind {
        case .filter(let condition):
            let compiled = try compiler.compile(condition, in: relation.scope)
            mentioned += compiled.derived
            let predicate = compiled.eval
            var kept: [Row] = []
            for (n, row) in relation.rows.enumerated() {
                try checkCancelled(n, stage.range)
                if try Operators.truth(try predicate(row), at: condition.range) == true { kept.append(row) }
            }
            relation.rows = kept
        case .select(let items):
            // Aggregates without group by: all rows form one group.
            if items.contains(where: { if case .expression(let e, _) = $0 { compiler.aggregatesOverRows(e, in: relation.scope) } else { false } }) {
                relation = Relation(scope: .groups(keys: [], member: relation.scope),
                                    rows: [.group(Group(keys: [], members: relation.rows))])
            }
            let (names, evals) = try compileSelect(items, in: relation.scope)
            var rows: [Row] = []
            rows.reserveCapacity(relation.rows.count)
            for (n, row) in relation.rows.enumerated() {
                try checkCancelled(n, stage.range)
                var values: [Value] = []
                values.reserveCapacity(evals.count)
                for e in evals { values.append(try e(row)) }
                rows.append(.values(values))
            }
            relation = Relation(scope: .columns(names), rows: rows)
        case .order(let keys):
            let compiled = try keys.map { (k: OrderKey) throws -> Compiler.Compiled in try compiler.compile(k.expr, in: relation.scope) }
            mentioned += compiled.flatMap(\.derived)
            let evals = compiled.map(\.eval)
            var columns = [[Value]](repeating: [], count: keys.count)
            for k in columns.indices { columns[k].reserveCapacity(relation.rows.count) }
            for (n, row) in relation.rows.enumerated() {
                try checkCancelled(n, stage.range)
                for (k, e) in evals.enumerated() { columns[k].append(try e(row)) }
            }
            let exchange = compiler.exchange
            let reporting = exchange.reporting.map { r in { (m: Money) throws -> Double in try exchange.convert(m, to: r, at: stage.range).amount } }
            let order = try RowOrder(keys: columns, descending: keys.map(\.descending), reporting: reporting)
            guard let sorted = order.sorted(count: relation.rows.count, keep: keep, stop: isCancelled) else {
                throw Diagnostic("interrupted (Ctrl-C) while sorting; nothing was kept", at: stage.range)
            }
            relation.rows = sorted.map { relation.rows[$0] }
        case .limit(let expr):
            relation.rows = Array(relation.rows.prefix(try limitCount(expr)))
        case .group(let keys):
            let evals = try keys.map { (k: GroupKey) throws -> Compiler.Eval in try compiler.compile(k.expr, in: relation.scope).eval }
            var index: [[Value]: Int] = [:]
            var groups: [Group] = []
            for (n, row) in relation.rows.enumerated() {
                try checkCancelled(n, stage.range)
                let key = try evals.map { (e: Compiler.Eval) throws -> Value in try e(row) }
                if let g = index[key] {
                    groups[g].members.append(row)
                } else {
                    index[key] = groups.count
                    groups.append(Group(keys: key, members: [row]))
                }
            }
            groups.sort { a, b in
                for (x, y) in zip(a.keys, b.keys) {
                    let c = ValueOrder.sortCompare(x, y) ?? 0
                    if c != 0 { return c < 0 }
                }
                return false
            }
            relation = Relation(scope: .groups(keys: Evaluator.distinct(keys.map(\.name)), member: relation.scope),
                                rows: groups.map(Row.group))
        case .distinct:
            let table = try tabulate(relation)
            var seen = Set<[Value]>()
            relation.rows = zip(relation.rows, table.rows).filter { seen.insert($0.1).inserted }.map(\.0)
        case .count:
            preconditionFailure("count is handled by run")
        }
        return relation
    }

    private func compileSelect(_ items: [SelectItem], in scope: Scope) throws -> ([String], [Compiler.Eval]) {
        var names: [String] = []
        var evals: [Compiler.Eval] = []
        for item in items {
            switch item {
            case .star(let range):
                switch scope {
                case .records(let c):
                    let table: Table
                    do { table = try store.table(c) } catch { throw Diagnostic(error.message, at: range) }
                    for (i, name) in table.columnNames.enumerated() {
                        names.append(name)
                        let read = Evaluator.reader(table, column: i)
                        evals.append { (row: Row) throws -> Value in
                            if case .record(let r) = row { return read(r) }
                            return .null
                        }
                    }
                default:
                    for (i, name) in (scope.columnNames ?? []).enumerated() {
                        names.append(name)
                        evals.append(Compiler.column(i, in: scope))
                    }
                }
            case .expression(let e, let name):
                names.append(name)
                evals.append(try compiler.compile(e, in: scope).eval)
            }
        }
        return (Evaluator.distinct(names), evals)
    }

    /// Column names made distinct (`select *, name` or two `as n`): later
    /// stages name each column, and a json row cannot hold a key twice. A
    /// repeat gets `_2`, `_3`, … as DuckDB's and pandas' do.
    static func distinct(_ names: [String]) -> [String] {
        var used = Set(names.map(ExactString.init))
        var seen = Set<ExactString>()
        return names.map { name in
            guard seen.contains(ExactString(name)) else { seen.insert(ExactString(name)); return name }
            var n = 2
            while used.contains(ExactString("\(name)_\(n)")) { n += 1 }
            used.insert(ExactString("\(name)_\(n)"))
            return "\(name)_\(n)"
        }
    }

    /// Reads a stored column by its schema type (or as plain JSON for a field the model does not know).
    static func reader(_ table: Table, column: Int) -> (Int) -> Value {
        let values = table.reader(column)
        if let field = table.name.spec.field(table.columnNames[column]) {
            let convert = Convert.reader(for: field.type)
            return { convert(values($0)) }
        }
        return { Convert.generic(values($0)) }
    }

    /// The relation as plain columns and rows: records show their stored
    /// fields, then the derived fields the query used.
    public func tabulate(_ relation: Relation) throws -> ResultTable {
        switch relation.scope {
        case .records(let c):
            let table: Table
            do { table = try store.table(c) } catch { throw Diagnostic(error.message) }
            var readers = table.columnNames.indices.map { Evaluator.reader(table, column: $0) }
            for field in relation.derivedShown {
                let values: [Value]
                do { values = try store.derived(field) } catch { throw Diagnostic(error.message) }
                readers.append { values[$0] }
            }
            let rows = relation.rows.map { row -> [Value] in
                guard case .record(let r) = row else { return [] }
                return readers.map { plain($0(r)) }
            }
            return ResultTable(columns: table.columnNames + relation.derivedShown.map(\.name), rows: rows)
        case .columns(let names):
            return ResultTable(columns: names, rows: relation.rows.map { row in
                if case .values(let v) = row { return v.map(plain) }
                return []
            })
        case .groups(let keys, _):
            return ResultTable(columns: keys + ["count"], rows: relation.rows.map { row in
                if case .group(let g) = row { return g.keys.map(plain) + [.number(Double(g.members.count))] }
                return []
            })
        case .constant:
            return ResultTable(columns: [], rows: [])
        }
    }

    /// Records become their ids (a measurement: its kpi and period), recursively in lists.
    func plain(_ value: Value) -> Value {
        switch value {
        case .record(let c, let i):
            guard let table = try? store.table(c) else { return .null }
            if let id = table.id(i) { return .string(id) }
            return .string(table.record(i).values.prefix(2).map { v -> String in
                if case .string(let s) = v { return s }
                return JSONWriter.string(v)
            }.joined(separator: " "))
        case .list(let items): return .list(items.map(plain))
        case .object(let pairs): return .object(pairs.map { ($0.0, plain($0.1)) })
        default: return value
        }
    }
}
