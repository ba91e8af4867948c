import Foundation
import VQEngine
import VQExchange
import VQJSON
import VQLanguage
import VQModel
import VQPostgres
import VQRender
import VQSimulation
import VQStore
import VQSupport

/// What a dot-command was given: its words, where it was written, and the script it is in.
struct MetaInvocation {
    var name: String
    var arguments: [String]
    var range: SourceRange
    var origin: String?
    var command: MetaCommand

    /// The command's usage, as the error for arguments it cannot take.
    var usage: Diagnostic { Diagnostic("usage: " + command.usage, at: range) }
}

/// A dot-command (SPEC §3 "Meta-commands"): declared once, in `all`, which
/// dispatch, `.help` and Tab completion all read. Adding one is one entry.
public struct MetaCommand: Sendable {
    /// What its argument is, for completion.
    public enum Argument: Sendable, Equatable {
        case none
        /// One of these words.
        case choice([String])
        case collection
        case helpTopic
        /// A path: a file, or a directory for `.open`.
        case file
        case directory
    }

    public let name: String
    public let aliases: [String]
    public let usage: String
    public let summary: String
    public let example: String
    public let argument: Argument
    let run: @Sendable (Session, MetaInvocation) throws -> Void

    init(_ name: String, aliases: [String] = [], usage: String, _ summary: String, example: String, argument: Argument = .none,
         run: @escaping @Sendable (Session, MetaInvocation) throws -> Void) {
        self.name = name
        self.aliases = aliases
        self.usage = usage
        self.summary = summary
        self.example = example
        self.argument = argument
        self.run = run
    }

    /// The command called `name` (or one of its aliases).
    public static func named(_ name: String) -> MetaCommand? { all.first { $0.name == name || $0.aliases.contains(name) } }

    /// Every name a line may start with, aliases included (`.exit`).
    public static var names: [String] { all.flatMap { [$0.name] + $0.aliases.filter { $0.count > 1 } } }

    public static let all: [MetaCommand] = [
        MetaCommand("help", usage: ".help [topic]", "this help; topics: statements, stages, functions, levers, formats, money, simulate, a meta-command or a collection",
                    example: ".help functions", argument: .helpTopic) { session, call in
            session.say(Help.text(topic: call.arguments.first))
        },
        MetaCommand("collections", usage: ".collections", "the collections and how many records each holds", example: ".collections") { session, _ in
            let rows: [[Value]] = CollectionName.allCases.map { c in
                do throws(StoreError) { return [.string(c.rawValue), .number(Double(try session.store.table(c).count))] } catch {
                    return [.string(c.rawValue), .string("unreadable: \(error.message)")]
                }
            }
            session.write(session.renderer(maxRows: 0).render(ResultTable(columns: ["collection", "records"], rows: rows)))
        },
        MetaCommand("describe", usage: ".describe COLLECTION", "stored fields and types, derived fields, relations, record count",
                    example: ".describe vendors", argument: .collection) { session, call in
            guard call.arguments.count == 1 else { throw call.usage }
            guard let c = CollectionName(rawValue: call.arguments[0]) else {
                throw Diagnostic.unknown("collection", call.arguments[0], at: call.range, candidates: CollectionName.allCases.map(\.rawValue))
            }
            let count: String
            do throws(StoreError) { count = ValueText.count(try session.store.table(c).count) } catch { count = "unreadable (\(error.message))" }
            session.say(Help.describe(c, records: count, extraFields: (try? session.store.table(c))?.columnNames ?? []))
        },
        MetaCommand("mode", usage: ".mode table|csv|json|jsonl|markdown|line", "how results are written", example: ".mode csv",
                    argument: .choice(OutputFormat.allCases.map(\.rawValue))) { session, call in
            guard call.arguments.count == 1, let f = OutputFormat(rawValue: call.arguments[0].lowercased()) else {
                if call.arguments.isEmpty { session.write("mode: \(session.format.rawValue)\n"); return }
                throw Diagnostic.unknown("mode", call.arguments[0], at: call.range, candidates: OutputFormat.allCases.map(\.rawValue), listing: true)
            }
            session.format = f
        },
        MetaCommand("expanded", usage: ".expanded on|off|auto", "table mode: one record per block (auto: when a table is too wide)",
                    example: ".expanded auto", argument: .choice(ExpandedMode.allCases.map(\.rawValue))) { session, call in
            guard call.arguments.count == 1, let mode = ExpandedMode(rawValue: call.arguments[0].lowercased()) else {
                if call.arguments.isEmpty { session.say("expanded: \(session.expanded.rawValue)\n"); return }
                throw Diagnostic.unknown("expanded setting", call.arguments[0], at: call.range,
                                         candidates: ExpandedMode.allCases.map(\.rawValue), listing: true)
            }
            session.expanded = mode
        },
        MetaCommand("maxrows", usage: ".maxrows N", "table mode shows at most N rows (0: all)", example: ".maxrows 100") { session, call in
            guard call.arguments.count == 1, let n = Int(call.arguments[0]), n >= 0 else {
                if call.arguments.isEmpty { session.write("maxrows: \(session.maxRows)\n"); return }
                throw call.usage
            }
            session.maxRows = n
        },
        MetaCommand("last", usage: ".last", "the whole of the previous result, every row", example: ".last") { session, call in
            guard let last = session.lastTable else { throw Diagnostic("there is no previous result yet", at: call.range) }
            session.write(session.renderer(maxRows: 0).render(last))
        },
        MetaCommand("output", usage: ".output [FILE]", "write results to FILE; without FILE, back to the terminal", example: ".output late.csv",
                    argument: .file) { session, call in
            try session.redirect(to: call.arguments.first, once: false, at: call.range)
        },
        MetaCommand("once", usage: ".once FILE", "write the next result to FILE", example: ".once ranking.md", argument: .file) { session, call in
            guard let file = call.arguments.first else { throw call.usage }
            try session.redirect(to: file, once: true, at: call.range)
        },
        MetaCommand("read", usage: ".read FILE", "run the statements of a script (relative to the script that reads it)",
                    example: ".read scripts/examples/on-time-misses.vq", argument: .file) { session, call in
            guard call.arguments.count == 1 else { throw call.usage }
            try session.read(call.arguments[0], from: call.origin, at: call.range)
        },
        MetaCommand("currency", usage: ".currency [CODE|none]",
                    "the reporting currency mixed amounts convert to; alone: it, and today's rates to it",
                    example: ".currency USD", argument: .choice(["none"] + Currency.codes)) { session, call in
            guard call.arguments.count <= 1 else { throw call.usage }
            if let code = call.arguments.first {
                if code.lowercased() == "none" {
                    session.currency = nil
                    session.store.reportingCurrency = nil
                    return
                }
                guard let c = Currency(code.uppercased()) else {
                    var d = Diagnostic("'\(code)' is not an ISO 4217 currency code", at: call.range)
                    d.hint = Suggest.closest(to: code.uppercased(), in: Currency.codes).map { "did you mean \($0)?" } ?? "for example USD, EUR, CNY"
                    throw d
                }
                session.currency = c
                if session.confirms { session.say("reporting currency: \(c)\n") }
                return
            }
            try session.showCurrency(at: call.range)
        },
        MetaCommand("timer", usage: ".timer on|off", "show how long each statement took", example: ".timer on",
                    argument: .choice(["on", "off"])) { session, call in
            guard call.arguments.count == 1, ["on", "off"].contains(call.arguments[0].lowercased()) else { throw call.usage }
            session.timer = call.arguments[0].lowercased() == "on"
        },
        MetaCommand("vars", usage: ".vars", "variables and parameters", example: ".vars") { session, _ in
            // Each value as it reads on its own (0.9, 25), not padded to a column's decimals.
            let shown = { (v: Value) -> Value in v.isNull ? v : .string(ValueText.display(v)) }
            var rows = session.environment.parameters.sorted { $0.key < $1.key }.map { [Value.string("$" + $0.key), shown($0.value)] }
            for (name, variable) in session.environment.variables.sorted(by: { $0.key < $1.key }) {
                switch variable {
                case .scalar(let v): rows.append([.string(name), shown(v)])
                case .relation(let r): rows.append([.string(name), .string("\(ValueText.count(r.rows.count)) rows")])
                }
            }
            session.write(session.renderer(maxRows: 0).render(ResultTable(columns: ["name", "value"], rows: rows)))
        },
        MetaCommand("history", usage: ".history [N]", "the statements entered, the last N (default all); Ctrl-R searches them",
                    example: ".history 10") { session, call in
            guard let history = session.history else { throw Diagnostic("there is no history outside the interactive shell", at: call.range) }
            let entries = history()
            let count = call.arguments.isEmpty ? entries.count : Int(call.arguments[0]) ?? -1
            guard call.arguments.count <= 1, count >= 0 else { throw call.usage }
            let width = String(entries.count).count
            for (n, entry) in entries.enumerated().suffix(count) {
                let number = String(n + 1)
                session.say(String(repeating: " ", count: width - number.count) + number + "  "
                            + TerminalText.visible(entry, keepingLineBreaks: true)
                                .replacingOccurrences(of: "\n", with: "\n" + String(repeating: " ", count: width + 2)) + "\n")
            }
        },
        MetaCommand("problems", usage: ".problems", "every problem found in the store's files so far", example: ".problems") { session, _ in
            if session.store.problems.isEmpty { session.write("no problems found in the files read so far\n") }
            for p in session.store.problems { session.say("\(p)\n") }
        },
        MetaCommand("open", usage: ".open DIR|postgresql://…", "switch to another store: a directory, or a database", example: ".open ~/stores/2026",
                    argument: .directory) { session, call in
            guard call.arguments.count == 1 else { throw call.usage }
            do throws(StoreError) {
                session.open(try StoreLocation.open(call.arguments[0], today: session.store.today, cache: session.store.cache))
            } catch { throw Diagnostic(error.message, at: call.range) }
            if session.confirms {
                let counts = [CollectionName.vendors, .contracts].compactMap { c in
                    (try? session.store.table(c)).map { "\(ValueText.count($0.count)) \(c.rawValue)" }
                }
                session.say("opened \(session.store.path) (\(counts.joined(separator: ", ")))\n")
            }
        },
        MetaCommand("reload", usage: ".reload", "read the store's files again", example: ".reload") { session, call in
            do throws(StoreError) { session.open(try session.store.reopened()) } catch { throw Diagnostic(error.message, at: call.range) }
        },
        MetaCommand("audit", usage: ".audit [N]", "the latest N changes to records in a database store (20 unless given): who, when, what",
                    example: ".audit 5") { session, call in
            guard call.arguments.count <= 1, let n = call.arguments.first.map({ Int($0) }) ?? 20, n > 0 else { throw call.usage }
            guard let database = session.store.database else {
                throw Diagnostic("a store directory keeps no audit trail; a database store does (vq copy DIR postgresql://…)", at: call.range)
            }
            let entries: [AuditRow]
            do throws(StoreError) { entries = try database.audit(limit: n) } catch { throw Diagnostic(error.message, at: call.range) }
            let rows: [[Value]] = entries.map { e in
                [.number(Double(e.change)), .string(e.at), .string(e.who), .string(e.action), .string(e.collection), .string(e.record),
                 .string(e.fields), .string(e.statement)]
            }
            session.write(session.renderer(maxRows: 0).render(ResultTable(
                columns: ["change", "at", "who", "action", "collection", "record", "fields", "statement"], rows: rows)))
        },
        MetaCommand("quit", aliases: ["exit", "q"], usage: ".quit", "leave vq (also .exit, or Ctrl-D)", example: ".quit") { session, _ in
            session.quitRequested = true
        },
    ]
}

extension Session {
    /// `.currency` alone: the reporting currency, where it comes from, and what
    /// one unit of every other currency with rates is worth in it today.
    func showCurrency(at range: SourceRange) throws {
        guard let reporting = store.reportingCurrency else {
            say("no reporting currency: amounts in different currencies are not added up (.currency USD sets one)\n")
            return
        }
        let source = currency != nil ? "set in this session" : "from \(StoreSettings.fileName)"
        say("reporting currency: \(reporting) (\(source))\n")
        let rates: Rates
        do throws(StoreError) { rates = try store.rates() } catch { throw Diagnostic(error.message, at: range) }
        var rows: [[Value]] = []
        for c in rates.currencies where c != reporting {
            let rate: Value
            do throws(StoreError) { rate = .number(try rates.rate(c, to: reporting, on: store.today)) } catch { rate = .string(error.message) }
            rows.append([.string(c.code), rate])
        }
        if rows.isEmpty { say("rates.json has no rates to \(reporting)\n"); return }
        write(renderer(maxRows: 0).render(ResultTable(columns: ["currency", "1 unit in \(reporting) on \(Dates.format(day: store.today))"], rows: rows)))
    }

    /// Runs the dot-command `name` with its arguments.
    func meta(_ name: String, _ arguments: String, range: SourceRange, origin: String?) throws {
        guard let command = MetaCommand.named(name) else {
            throw Diagnostic.unknown("meta-command", "." + name, at: range, candidates: MetaCommand.names.map { "." + $0 })
        }
        let words = arguments.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        try command.run(self, MetaInvocation(name: name, arguments: words, range: range, origin: origin, command: command))
    }

    /// `.output FILE`, `.once FILE`, or `.output` alone (back to the terminal).
    func redirect(to file: String?, once: Bool, at range: SourceRange?) throws(Diagnostic) {
        if let redirect {
            self.redirect = nil
            do { try redirect.handle.close() } catch { throw Diagnostic("cannot finish the output file: \(error.localizedDescription)", at: range) }
        }
        try finishWorkbook(at: range)
        guard let file else { return }
        if file.lowercased().hasSuffix(".xlsx") {
            // A workbook is written whole at the end; that it can be written is known now.
            let probe = Foundation.open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard probe >= 0 else { throw Diagnostic("cannot write to '\(file)': \(String(cString: strerror(errno)))", at: range) }
            close(probe)
            workbook = (file, XLSXWriter(), once)
            return
        }
        let fd = Foundation.open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Diagnostic("cannot write to '\(file)': \(String(cString: strerror(errno)))", at: range) }
        redirect = (FileHandle(fileDescriptor: fd, closeOnDealloc: true), once)
    }

    /// `.read FILE`: runs a script, its path relative to the script that reads it.
    func read(_ file: String, from origin: String?, at range: SourceRange) throws {
        let path = Session.path(file, relativeTo: origin)
        let text = try Session.readText(path, at: range)
        guard !reading.contains(path) else { throw Diagnostic("'\(path)' is already being read (a .read loop)", at: range) }
        reading.append(path)
        // A script's defaults hold while it runs, and not after.
        let parameters = environment.parameters, defaults = defaulted
        defer {
            reading.removeLast()
            environment.parameters = parameters
            defaulted = defaults
        }
        if !run(text, origin: path) { throw Diagnostic("stopped: '\(path)' had an error", at: range) }
    }
}

extension Session {
    /// A file a script names (`.read`, `import`): relative to the script's folder.
    static func path(_ file: String, relativeTo origin: String?) -> String {
        let base = origin.map { ($0 as NSString).deletingLastPathComponent } ?? ""
        return file.hasPrefix("/") || base.isEmpty ? file : (base as NSString).appendingPathComponent(file)
    }

    /// A script's text, or an error that says why it cannot be had.
    public static func readText(_ path: String, at range: SourceRange? = nil) throws(Diagnostic) -> String {
        var isDirectory: ObjCBool = false
        let why: String
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            why = "no such file"
        } else if isDirectory.boolValue {
            why = "it is a directory"
        } else if let data = FileManager.default.contents(atPath: path) {
            if let text = String(data: data, encoding: .utf8) { return text }
            why = "it is not UTF-8 text"
        } else {
            why = access(path, R_OK) == 0 ? "it cannot be read" : String(cString: strerror(errno))
        }
        throw Diagnostic("cannot read '\(path)': \(why)", at: range)
    }
}

extension Session {
    /// Where results go from now on: a text file, or a workbook when the name ends
    /// in `.xlsx` (`-o FILE`, as `.output FILE`).
    public func output(to file: String) throws(Diagnostic) {
        try redirect(to: file, once: false, at: nil)
    }

    /// Whether results go to a workbook (the format a text mode gives way to).
    public var writesWorkbook: Bool { workbook != nil }

    /// A result as the workbook's next sheet; with `.once`, the workbook is then written.
    func addSheet(_ table: ResultTable, name: String) throws(Diagnostic) {
        do { try workbook?.writer.add(table, name: name) } catch { throw Diagnostic(error.message) }
        if workbook?.once == true { try finishWorkbook(at: nil) }
    }

    /// Writes the workbook results went to, if any: at `.output`, after `.once`'s
    /// result, and when the session ends (`finish`).
    func finishWorkbook(at range: SourceRange?) throws(Diagnostic) {
        guard let (path, writer, _) = workbook else { return }
        workbook = nil
        // No result, no workbook (one without sheets is not a valid file): the file made to check it can be written goes.
        if writer.isEmpty {
            if (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) == 0 { try? FileManager.default.removeItem(atPath: path) }
            return
        }
        do { try writer.write(to: path) } catch { throw Diagnostic(error.message, at: range) }
        if confirms { say("wrote \(path)\n") }
    }

    /// Ends the session's output: a pending workbook is written. False, with the
    /// reason written, when it could not be.
    public func finish() -> Bool {
        do { try finishWorkbook(at: nil) } catch {
            writeError("error: \(error.message)\n")
            return false
        }
        return true
    }
}
