import Foundation

/// Runs statements against a store and writes their results: the one place
/// the command line, scripts, `.read` and the interactive shell all go through.
public final class Session {
    public private(set) var store: Store
    public var environment = Environment()
    public var format: OutputFormat
    public var maxRows = 40
    public var timer = false
    /// Set by the shell when results go to a terminal: tables fit its width, and
    /// styling is used unless NO_COLOR is set. Neither applies to `.output` files.
    public var terminalWidth: (() -> Int?)?
    public var style = TextStyle.plain
    /// Why the store may not be changed (`--read-only`), if so.
    public var readOnly: String?
    /// The bundled demo store's path, when this session may open it: it stays as shipped.
    public var demoStorePath: String?
    /// The session's applied changes, newest last, for `undo`.
    private var undoStack: [AppliedChange] = []
    /// Shows how far a long simulation has got (the shell, on a terminal); nil clears it.
    public var progress: (@Sendable (Double?) -> Void)?
    /// The shell's history, for `.history`.
    public var history: (() -> [String])?
    public private(set) var quitRequested = false
    /// Checked while a statement runs, so Ctrl-C can stop it.
    public var isCancelled: @Sendable () -> Bool = { false }
    private let standardOutput: (String) -> Void
    private let writeError: (String) -> Void
    private var redirect: (handle: FileHandle, once: Bool)?
    private var reportedProblems = 0
    private var lastTable: ResultTable?
    /// Names of the scripts being read, innermost last (for `.read` paths and loops).
    private var reading: [String] = []

    public init(store: Store, format: OutputFormat = .table,
                write: @escaping (String) -> Void, writeError: @escaping (String) -> Void) {
        self.store = store
        self.format = format
        self.standardOutput = write
        self.writeError = writeError
    }

    /// A renderer for the current format, fitted to the terminal when writing to it.
    private func renderer(maxRows: Int) -> Renderer {
        let terminal = redirect == nil
        return Renderer(format: format, maxRows: maxRows, width: terminal ? terminalWidth?() : nil,
                        style: terminal ? style : .plain)
    }

    private func write(_ text: String) {
        if let redirect {
            redirect.handle.write(Data(text.utf8))
        } else {
            standardOutput(text)
        }
    }

    /// Runs every statement of `source`. `origin` names the script in messages.
    /// Stops at the first error unless `keepGoing`; returns whether all succeeded.
    @discardableResult
    public func run(_ source: String, origin: String? = nil, keepGoing: Bool = false) -> Bool {
        var ok = true
        for statement in Lexer(source).statements() {
            if quitRequested { break }
            let started = Date()
            do {
                // Another shell or an editor changed the files: read them again.
                if store.isStale { try refresh() }
                var parser = Parser(tokens: statement.tokens, source: source)
                let parsed = try parser.statement()
                // A change reads only what it must (an insert into measurements needs none of them).
                switch parsed {
                case .mutation: break
                case .simulate(let s), .binding(_, _, .simulation(let s)):
                    // For one contract the simulation finds its measurements in the file; else all are read.
                    var wanted: Set<CollectionName> = [.contracts, .kpis, .risks, .vendors]
                    if case .id = s.target {} else { wanted.insert(.measurements) }
                    store.prefetch(wanted)
                default: prefetch(statement.tokens)
                }
                try execute(parsed, source: source, origin: origin)
            } catch {
                let diagnostic = (error as? Diagnostic) ?? Diagnostic("\(error)")
                writeError(diagnostic.render(source: source, origin: origin) + "\n")
                ok = false
            }
            reportProblems()
            if timer { write(String(format: "Run Time: %.3f s\n", Date().timeIntervalSince(started))) }
            if !ok && !keepGoing { break }
        }
        return ok
    }

    private func reportProblems() {
        let problems = store.problems
        guard problems.count > reportedProblems else { return }
        let fresh = problems[reportedProblems...]
        for p in fresh.prefix(20) { writeError("warning: \(p)\n") }
        if fresh.count > 20 { writeError("warning: … and \(fresh.count - 20) more problems (.problems lists them all)\n") }
        reportedProblems = problems.count
    }

    /// Reads the files a statement's names point at together, on both cores.
    private func prefetch(_ tokens: [Token]) {
        var wanted = Set<CollectionName>()
        for t in tokens {
            guard let name = t.identifier else { continue }
            if let c = CollectionName(rawValue: name) { wanted.insert(c) }
            wanted.formUnion(Session.derivedSources[name] ?? [])
        }
        if !wanted.isEmpty { store.prefetch(wanted) }
    }

    /// The collections each derived field reads.
    private static let derivedSources: [String: [CollectionName]] = [
        "on_time": [.vendors, .contracts, .kpis, .measurements], "score": [.kpis, .measurements],
        "mean": [.measurements], "latest": [.measurements], "misses": [.measurements], "miss_rate": [.measurements],
        "attainment": [.measurements], "spend": [.costs], "remaining": [.costs], "risk_exposure": [.risks],
        "open_findings": [.findings], "eval_score": [.evaluations],
    ]

    private func evaluator(_ source: String) -> Evaluator {
        Evaluator(store: store, environment: environment, source: source, isCancelled: isCancelled)
    }

    private func execute(_ statement: Statement, source: String, origin: String?) throws {
        switch statement {
        case .query(let query):
            let evaluator = self.evaluator(source)
            let result = try evaluator.run(query)
            environment.last = result
            try show(result, evaluator)
        case .expression(let e):
            let value = try evaluator(source).compiler.compile(e, in: .constant).eval(.none)
            environment.last = .scalar(value)
            write(renderer(maxRows: maxRows).render(scalar: value))
        case .binding(let name, let range, let value):
            if CollectionName(rawValue: name) != nil || name == "_" {
                throw Diagnostic("'\(name)' names a collection; choose another variable name", at: range)
            }
            switch value {
            case .query(let query):
                switch try evaluator(source).run(query) {
                case .relation(let r): environment.variables[name] = .relation(r)
                case .scalar(let v): environment.variables[name] = .scalar(v)
                }
            case .expression(let e):
                environment.variables[name] = .scalar(try evaluator(source).compiler.compile(e, in: .constant).eval(.none))
            case .simulation(let simulation):
                let table = try simulate(simulation, source: source).table
                environment.variables[name] = .relation(Session.relation(table))
            }
        case .param(let name, _, let value):
            if environment.parameters[name] == nil {
                environment.parameters[name] = try evaluator(source).compiler.compile(value, in: .constant).eval(.none)
            }
        case .meta(let name, let arguments, let range):
            try meta(name, arguments, range: range, origin: origin)
        case .simulate(let simulation):
            let result = try simulate(simulation, source: source)
            let table = result.table
            environment.last = .relation(Session.relation(table))
            lastTable = table
            switch format {
            case .table: write(result.text(style: redirect == nil ? style : .plain))
            case .json: write(JSONWriter.string(result.json, indent: "  ") + "\n")
            case .jsonl: write(JSONWriter.string(result.json) + "\n")
            case .csv, .markdown, .line: write(renderer(maxRows: 0).render(table))
            }
        case .mutation(let mutation):
            try change(mutation, source: source)
        }
    }

    private func simulate(_ simulation: Simulation, source: String) throws -> SimulationResult {
        let report = progress
        defer { report?(nil) }
        return try Simulator(store: store, evaluator: evaluator(source), isCancelled: isCancelled,
                             progress: report.map { report in { @Sendable share in report(share) } }).run(simulation)
    }

    /// A table of values as rows a later query can read (`let s = simulate …`, then `s | select …`).
    static func relation(_ table: ResultTable) -> Relation {
        Relation(scope: .columns(table.columns), rows: table.rows.map(Row.values))
    }

    private func show(_ result: QueryResult, _ evaluator: Evaluator) throws {
        let renderer = renderer(maxRows: maxRows)
        switch result {
        case .scalar(let v):
            write(renderer.render(scalar: v))
        case .relation(let relation):
            let table = try evaluator.tabulate(relation)
            lastTable = table
            write(renderer.render(table))
        }
        if let redirect, redirect.once {
            try? redirect.handle.close()
            self.redirect = nil
        }
    }

    // MARK: Meta-commands

    public struct MetaCommand: Sendable {
        public var name: String
        public var usage: String
        public var summary: String
        public var example: String
    }

    public static let metaCommands: [MetaCommand] = [
        MetaCommand(name: "help", usage: ".help [topic]", summary: "this help; topics: statements, stages, functions, levers, formats, a meta-command or a collection", example: ".help functions"),
        MetaCommand(name: "collections", usage: ".collections", summary: "the collections and how many records each holds", example: ".collections"),
        MetaCommand(name: "describe", usage: ".describe COLLECTION", summary: "stored fields and types, derived fields, relations, record count", example: ".describe vendors"),
        MetaCommand(name: "mode", usage: ".mode table|csv|json|jsonl|markdown|line", summary: "how results are written", example: ".mode csv"),
        MetaCommand(name: "maxrows", usage: ".maxrows N", summary: "table mode shows at most N rows (0: all)", example: ".maxrows 100"),
        MetaCommand(name: "last", usage: ".last", summary: "the whole of the previous result, every row", example: ".last"),
        MetaCommand(name: "output", usage: ".output [FILE]", summary: "write results to FILE; without FILE, back to the terminal", example: ".output late.csv"),
        MetaCommand(name: "once", usage: ".once FILE", summary: "write the next result to FILE", example: ".once ranking.md"),
        MetaCommand(name: "read", usage: ".read FILE", summary: "run the statements of a script (relative to the script that reads it)", example: ".read scripts/examples/late-vendors.vq"),
        MetaCommand(name: "timer", usage: ".timer on|off", summary: "show how long each statement took", example: ".timer on"),
        MetaCommand(name: "vars", usage: ".vars", summary: "variables and parameters", example: ".vars"),
        MetaCommand(name: "history", usage: ".history [N]", summary: "the statements entered, the last N (default all); Ctrl-R searches them", example: ".history 10"),
        MetaCommand(name: "problems", usage: ".problems", summary: "every problem found in the store's files so far", example: ".problems"),
        MetaCommand(name: "open", usage: ".open DIR", summary: "switch to another store", example: ".open ~/stores/2026"),
        MetaCommand(name: "reload", usage: ".reload", summary: "read the store's files again", example: ".reload"),
        MetaCommand(name: "quit", usage: ".quit", summary: "leave vq (also .exit, or Ctrl-D)", example: ".quit"),
    ]

    private func meta(_ name: String, _ arguments: String, range: SourceRange, origin: String?) throws {
        let args = arguments.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        func usage() -> Diagnostic {
            Diagnostic("usage: \(Session.metaCommands.first { $0.name == name }?.usage ?? "." + name)", at: range)
        }
        switch name {
        case "quit", "exit", "q":
            quitRequested = true
        case "help":
            write(Help.text(topic: args.first))
        case "mode":
            guard args.count == 1, let f = OutputFormat(rawValue: args[0].lowercased()) else {
                if args.isEmpty { write("mode: \(format.rawValue)\n"); return }
                throw Diagnostic.unknown("mode", args[0], at: range, candidates: OutputFormat.allCases.map(\.rawValue))
            }
            format = f
        case "maxrows":
            guard args.count == 1, let n = Int(args[0]), n >= 0 else {
                if args.isEmpty { write("maxrows: \(maxRows)\n"); return }
                throw usage()
            }
            maxRows = n
        case "last":
            guard let lastTable else { throw Diagnostic("there is no previous result yet", at: range) }
            write(renderer(maxRows: 0).render(lastTable))
        case "timer":
            guard args.count == 1, ["on", "off"].contains(args[0].lowercased()) else { throw usage() }
            timer = args[0].lowercased() == "on"
        case "history":
            guard let history else { throw Diagnostic("there is no history outside the interactive shell", at: range) }
            let entries = history()
            let count = args.isEmpty ? entries.count : Int(args[0]) ?? -1
            guard args.count <= 1, count >= 0 else { throw usage() }
            let width = String(entries.count).count
            for (n, entry) in entries.enumerated().suffix(count) {
                let number = String(n + 1)
                write(String(repeating: " ", count: width - number.count) + number + "  "
                      + entry.replacingOccurrences(of: "\n", with: "\n" + String(repeating: " ", count: width + 2)) + "\n")
            }
        case "collections":
            var rows: [[Value]] = []
            for c in CollectionName.allCases {
                do {
                    rows.append([.string(c.rawValue), .number(Double(try store.table(c).count))])
                } catch {
                    rows.append([.string(c.rawValue), .string("unreadable: \(error.message)")])
                }
            }
            write(renderer(maxRows: 0).render(ResultTable(columns: ["collection", "records"], rows: rows)))
        case "describe":
            guard args.count == 1 else { throw usage() }
            guard let c = CollectionName(rawValue: args[0]) else {
                throw Diagnostic.unknown("collection", args[0], at: range, candidates: CollectionName.allCases.map(\.rawValue))
            }
            let count: String
            do { count = String(try store.table(c).count) } catch { count = "unreadable (\(error.message))" }
            write(Help.describe(c, records: count, extraFields: (try? store.table(c))?.columnNames ?? []))
        case "vars":
            var rows: [[Value]] = environment.parameters.keys.sorted().map { [.string("$" + $0), environment.parameters[$0]!] }
            for name in environment.variables.keys.sorted() {
                switch environment.variables[name]! {
                case .scalar(let v): rows.append([.string(name), v])
                case .relation(let r): rows.append([.string(name), .string("\(r.rows.count) rows")])
                }
            }
            write(renderer(maxRows: 0).render(ResultTable(columns: ["name", "value"], rows: rows)))
        case "problems":
            if store.problems.isEmpty { write("no problems found in the files read so far\n") }
            for p in store.problems { write("\(p)\n") }
        case "read":
            guard args.count == 1 else { throw usage() }
            let base = origin.map { ($0 as NSString).deletingLastPathComponent } ?? ""
            let path = args[0].hasPrefix("/") || base.isEmpty ? args[0] : (base as NSString).appendingPathComponent(args[0])
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw Diagnostic("cannot read '\(path)'", at: range)
            }
            guard !reading.contains(path) else { throw Diagnostic("'\(path)' is already being read (a .read loop)", at: range) }
            reading.append(path)
            defer { reading.removeLast() }
            if !run(text, origin: path) { throw Diagnostic("stopped: '\(path)' had an error", at: range) }
        case "output", "once":
            if let redirect { try? redirect.handle.close(); self.redirect = nil }
            if args.isEmpty {
                if name == "once" { throw usage() }
                return
            }
            guard FileManager.default.createFile(atPath: args[0], contents: nil),
                  let handle = FileHandle(forWritingAtPath: args[0]) else {
                throw Diagnostic("cannot write to '\(args[0])'", at: range)
            }
            redirect = (handle, name == "once")
        case "open":
            guard args.count == 1 else { throw usage() }
            do { try open(Store(path: args[0])) } catch { throw Diagnostic(error.message, at: range) }
        case "reload":
            do { try open(Store(path: store.path)) } catch { throw Diagnostic(error.message, at: range) }
        default:
            throw Diagnostic.unknown("meta-command", "." + name, at: range,
                                     candidates: Session.metaCommands.map { "." + $0.name } + [".exit"])
        }
    }

    // MARK: Changes

    /// A change this session made: each file's contents before, and its identity after.
    private struct AppliedChange {
        var summary: String
        var files: [(name: String, before: Data?, after: FileIdentity?)]
    }

    /// Applies a mutation under the store's lock, from the files as they are now.
    private func change(_ mutation: Mutation, source: String) throws {
        if let readOnly { throw Diagnostic("\(readOnly); nothing was changed", at: mutation.range) }
        if let demo = demoStorePath, store.path == demo {
            throw Diagnostic("the bundled demo store is read-only; nothing was changed", at: mutation.range,
                             hint: "make a store of your own with: vq generate --vendors 50 --seed 42 DIR, then open it with --store DIR or .open DIR")
        }
        let lock: StoreLock
        do {
            lock = try StoreLock(store.path)
            try Commit.recover(store.path)
        } catch { throw Diagnostic(error.message, at: mutation.range) }
        try withExtendedLifetime(lock) {
            if store.isStale { try refresh() }
            if case .undo = mutation.kind {
                try undo(at: mutation.range)
                return
            }
            // Someone else changed files since this session's last change: undoing
            // that change would now overwrite theirs, so it can no longer be undone.
            if let top = undoStack.last, top.files.contains(where: { FileIdentity.of(Commit.path(store.path, $0.name)) != $0.after }) {
                undoStack = []
            }
            let plan = try Mutator(store: store, evaluator: evaluator(source)).plan(mutation)
            let edits = plan.edits.sorted { $0.key < $1.key }
            do {
                try Commit.write(edits.map { ($0.key.fileName, $0.value.contents()) }, in: store.path)
            } catch let error as StoreError { throw Diagnostic(error.message, at: mutation.range) }
            if !edits.isEmpty {
                undoStack.append(AppliedChange(summary: plan.summary, files: edits.map {
                    ($0.key.fileName, $0.value.existed ? $0.value.original : nil,
                     FileIdentity.of(Commit.path(store.path, $0.key.fileName)))
                }))
                if undoStack.count > Session.undoDepth { undoStack.removeFirst() }
                try refresh()
            }
            write(plan.summary + "\n")
        }
    }

    /// How many changes `undo` can step back through.
    static let undoDepth = 20

    private func undo(at range: SourceRange) throws {
        guard let last = undoStack.last else { throw Diagnostic("nothing to undo: this session has changed nothing (or undone all it changed)", at: range) }
        for file in last.files where FileIdentity.of(Commit.path(store.path, file.name)) != file.after {
            throw Diagnostic("cannot undo '\(last.summary)': \(file.name) has changed since (another shell or an editor); nothing was changed",
                             at: range)
        }
        do { try Commit.write(last.files.map { ($0.name, $0.before) }, in: store.path) } catch { throw Diagnostic(error.message, at: range) }
        undoStack.removeLast()
        // The files are now as the change before left them: that one can be undone next.
        if !undoStack.isEmpty {
            for k in undoStack[undoStack.count - 1].files.indices {
                let name = undoStack[undoStack.count - 1].files[k].name
                if last.files.contains(where: { $0.name == name }) {
                    undoStack[undoStack.count - 1].files[k].after = FileIdentity.of(Commit.path(store.path, name))
                }
            }
        }
        try refresh()
        write("undone: \(last.summary)\n")
    }

    /// Reads the store's files again. Variables holding records keep them by
    /// id (a deleted record drops out); groups cannot be kept and are dropped.
    private func refresh() throws {
        let old = store
        let fresh: Store
        do { fresh = try Store(path: old.path, today: old.today) } catch { throw Diagnostic(error.message) }
        func carry(_ relation: Relation) -> Relation? {
            switch relation.scope {
            case .records(let c):
                guard c.spec.hasID, let before = try? old.table(c), let after = try? fresh.table(c) else { return nil }
                var moved = relation
                moved.rows = relation.rows.compactMap { row in
                    guard case .record(let r) = row, let id = before.id(r), let now = after.idIndex[id] else { return nil }
                    return .record(now)
                }
                return moved
            case .columns, .constant: return relation
            case .groups: return nil
            }
        }
        var dropped: [String] = []
        for (name, variable) in environment.variables {
            guard case .relation(let r) = variable else { continue }
            if let moved = carry(r) { environment.variables[name] = .relation(moved) } else {
                environment.variables[name] = nil
                dropped.append(name)
            }
        }
        if case .relation(let r)? = environment.last { environment.last = carry(r).map { .relation($0) } }
        store = fresh
        reportedProblems = 0
        if !dropped.isEmpty {
            writeError("note: the store changed; \(dropped.sorted().joined(separator: ", ")) held groups of the old records and "
                       + "\(dropped.count == 1 ? "was" : "were") dropped\n")
        }
    }

    /// Switches to a store; variables that held its records no longer apply.
    public func open(_ store: Store) {
        self.store = store
        undoStack = []
        reportedProblems = 0
        lastTable = nil
        environment.last = nil
        environment.variables = environment.variables.filter { if case .scalar = $0.value { true } else { false } }
    }
}
