import Foundation
import VQEngine
import VQExchange
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQSimulation
import VQStore
import VQSupport

/// Runs statements against a store and writes their results: the one place
/// the command line, scripts, `.read` and the interactive shell all go through.
public final class Session {
    public internal(set) var store: Store
    /// The reporting currency the session names (`--currency`, `.currency`), over
    /// any store's settings.json: it holds across `.open`.
    public var currency: Currency? {
        didSet { if let currency { store.reportingCurrency = currency } }
    }
    public var environment = Environment()
    public var format: OutputFormat
    public var maxRows = 40
    /// Table mode: one record per block always, never, or when too wide (`.expanded`).
    public var expanded = ExpandedMode.off
    public var timer = false
    /// Set by the shell when results go to a terminal: tables fit its width, and
    /// styling is used unless NO_COLOR is set. Neither applies to `.output` files.
    public var terminalWidth: (() -> Int?)?
    public var style = TextStyle.plain
    /// Whether statements that show no result say what they did (`let`, `.open`):
    /// in the shell, not in scripts, whose output may be a csv file.
    public var confirms = false
    /// Why the store may not be changed (`--read-only`), if so.
    public var readOnly: String?
    /// The bundled demo store's path, when this session may open it: it stays as shipped.
    public var demoStorePath: String?
    /// The session's applied changes, newest last, for `undo`.
    var undoStack: [AppliedChange] = []
    /// Shows how far a long simulation or import has got (the shell, on a terminal):
    /// what runs ("simulating") and the share done; nil clears it.
    public var progress: (@Sendable ((activity: String, share: Double)?) -> Void)?
    /// The shell's history, for `.history`.
    public var history: (() -> [String])?
    public internal(set) var quitRequested = false
    /// Checked while a statement runs, so Ctrl-C can stop it.
    public var isCancelled: @Sendable () -> Bool = { false }
    private let standardOutput: (String) throws -> Void
    /// Messages, with any control character a value brought in made visible.
    let writeError: (String) -> Void
    /// Set when output could not be written whole; the statement then fails.
    private var outputFailure: OutputFailure?
    var redirect: (handle: FileHandle, once: Bool)?
    /// Results going into a workbook instead (`.output FILE.xlsx`, `.once FILE.xlsx`,
    /// `-o FILE.xlsx`), written when the output ends.
    var workbook: (path: String, writer: XLSXWriter, once: Bool)?
    var reportedProblems = 0
    var lastTable: ResultTable?
    /// Names of the scripts being read, innermost last (for `.read` paths and loops).
    var reading: [String] = []
    /// Parameters whose value is a `param` statement's default, not a --set.
    var defaulted: Set<String> = []

    public init(store: Store, format: OutputFormat = .table,
                write: @escaping (String) throws -> Void, writeError: @escaping (String) -> Void) {
        self.store = store
        self.format = format
        self.standardOutput = write
        self.writeError = { writeError(TerminalText.visible($0, keepingLineBreaks: true)) }
    }

    /// A renderer for the current format, fitted to the terminal when writing to it.
    func renderer(maxRows: Int) -> Renderer {
        let terminal = redirect == nil
        return Renderer(format: format, maxRows: maxRows, width: terminal ? terminalWidth?() : nil,
                        style: terminal ? style : .plain, expanded: expanded)
    }

    /// Writes every byte of `text` (a NUL included); a failed or short write is
    /// kept and fails the statement.
    func write(_ text: String) {
        guard outputFailure == nil else { return }
        do {
            if let redirect {
                try OutputFailure.writeAll(text, to: redirect.handle.fileDescriptor, what: "to the output file")
            } else {
                try standardOutput(text)
            }
        } catch let failure as OutputFailure {
            outputFailure = failure
        } catch {
            outputFailure = OutputFailure("cannot write the output: \(error)")
        }
    }

    /// Text for people (messages, help, `.describe`): control characters shown
    /// as escapes, and on a terminal lines broken at spaces to fit its width.
    func say(_ text: String) {
        let visible = TerminalText.visible(text, keepingLineBreaks: true)
        if redirect == nil, let width = terminalWidth?() {
            write(TextWrap.fit(visible, width: width))
        } else {
            write(visible)
        }
    }

    /// Runs every statement of `source`. `origin` names the script in messages,
    /// and `lineOffset` says on which of its lines `source` starts (input read
    /// statement by statement). Stops at the first error unless `keepGoing`;
    /// returns whether all succeeded.
    @discardableResult
    public func run(_ text: String, origin: String? = nil, keepGoing: Bool = false, lineOffset: Int = 0) -> Bool {
        // The text is owned once, and every statement's parser, compiler and errors share it.
        let source = SourceText(text)
        var ok = true
        for statement in Lexer(source).statements() {
            if quitRequested { break }
            let started = Date()
            do {
                // Another shell or an editor changed the files: read them again.
                if store.isStale { try refresh() }
                var parser = Parser(tokens: statement.tokens, source: source, levers: Lever.names)
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
                writeError(diagnostic.render(source: source, origin: origin, lineOffset: lineOffset) + "\n")
                ok = false
            }
            if let failure = outputFailure {
                outputFailure = nil
                writeError("error: \(failure.message); the result is incomplete\n")
                ok = false
                reportProblems()
                break
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
            wanted.formUnion(DerivedField.reads(ofName: name))
        }
        if !wanted.isEmpty { store.prefetch(wanted) }
    }

    func evaluator(_ source: SourceText) -> Evaluator {
        Evaluator(store: store, environment: environment, source: source, isCancelled: isCancelled)
    }

    private func execute(_ statement: Statement, source: SourceText, origin: String?) throws {
        switch statement {
        case .query(let query):
            let evaluator = self.evaluator(source)
            let result = try evaluator.run(query)
            environment.last = result
            if case .named(let name, _) = query.source { try show(result, evaluator, name: name) } else { try show(result, evaluator, name: "result") }
        case .expression(let e):
            let evaluator = self.evaluator(source)
            let value = try evaluator.compiler.compile(e, in: .constant).eval(.none)
            environment.last = .scalar(value)
            try show(.scalar(value), evaluator, name: "value")
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
            if confirms {
                switch environment.variables[name]! {
                case .relation(let r): say("\(name): \(ValueText.count(r.rows.count)) \(r.rows.count == 1 ? "row" : "rows")\n")
                case .scalar(let v): say("\(name) = \(ValueText.display(v))\n")
                }
            }
        case .param(let name, _, let value):
            // A value from --set wins; a default (this script's, or one an earlier script left) gives way.
            if environment.parameters[name] == nil || defaulted.contains(name) {
                environment.parameters[name] = try evaluator(source).compiler.compile(value, in: .constant).eval(.none)
                defaulted.insert(name)
            }
        case .meta(let name, let arguments, let range):
            try meta(name, arguments, range: range, origin: origin)
        case .simulate(let simulation):
            let result = try simulate(simulation, source: source)
            let table = result.table
            environment.last = .relation(Session.relation(table))
            lastTable = table
            if workbook != nil { return try addSheet(table, name: "simulation") }
            switch format {
            case .table: write(result.text(style: redirect == nil ? style : .plain))
            case .json: write(JSONWriter.string(result.json, indent: "  ") + "\n")
            case .jsonl: write(JSONWriter.string(result.json) + "\n")
            case .csv, .markdown, .line: write(renderer(maxRows: 0).render(table))
            }
        case .mutation(let mutation):
            try change(mutation, source: source, origin: origin)
        }
    }

    private func simulate(_ simulation: Simulation, source: SourceText) throws -> SimulationResult {
        let report = progress
        defer { report?(nil) }
        return try Simulator(store: store, evaluator: evaluator(source), isCancelled: isCancelled,
                             progress: report.map { report in { @Sendable share in report(("simulating", share)) } }).run(simulation)
    }

    /// A table of values as rows a later query can read (`let s = simulate …`, then `s | select …`).
    static func relation(_ table: ResultTable) -> Relation {
        Relation(scope: .columns(table.columns), rows: table.rows.map(Row.values))
    }

    private func show(_ result: QueryResult, _ evaluator: Evaluator, name: String) throws {
        if workbook != nil {
            switch result {
            case .scalar(let v): try addSheet(ResultTable(columns: ["value"], rows: [[v]]), name: name)
            case .relation(let relation):
                let table = try evaluator.tabulate(relation)
                lastTable = table
                try addSheet(table, name: name)
            }
            return
        }
        let renderer = renderer(maxRows: maxRows)
        switch result {
        case .scalar(let v):
            write(renderer.render(scalar: v))
        case .relation(let relation):
            let table = try evaluator.tabulate(relation)
            lastTable = table
            renderer.render(table, to: write)
        }
        if let redirect, redirect.once {
            self.redirect = nil
            do { try redirect.handle.close() } catch { outputFailure = OutputFailure("cannot write to the output file: \(error.localizedDescription)") }
        }
    }

    /// Switches to a store; variables that held its records no longer apply.
    public func open(_ store: Store) {
        if let currency { store.reportingCurrency = currency }
        self.store = store
        undoStack = []
        reportedProblems = 0
        lastTable = nil
        environment.last = nil
        environment.variables = environment.variables.filter { if case .scalar = $0.value { true } else { false } }
    }
}
