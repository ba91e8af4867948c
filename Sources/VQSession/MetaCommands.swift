import Foundation
import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQSimulation
import VQStore
import VQSupport

/// The shell's dot-commands (SPEC §3 "Meta-commands"), also usable in scripts.
extension Session {
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
        MetaCommand(name: "expanded", usage: ".expanded on|off|auto", summary: "table mode: one record per block (auto: when a table is too wide)", example: ".expanded auto"),
        MetaCommand(name: "maxrows", usage: ".maxrows N", summary: "table mode shows at most N rows (0: all)", example: ".maxrows 100"),
        MetaCommand(name: "last", usage: ".last", summary: "the whole of the previous result, every row", example: ".last"),
        MetaCommand(name: "output", usage: ".output [FILE]", summary: "write results to FILE; without FILE, back to the terminal", example: ".output late.csv"),
        MetaCommand(name: "once", usage: ".once FILE", summary: "write the next result to FILE", example: ".once ranking.md"),
        MetaCommand(name: "read", usage: ".read FILE", summary: "run the statements of a script (relative to the script that reads it)", example: ".read scripts/examples/on-time-misses.vq"),
        MetaCommand(name: "timer", usage: ".timer on|off", summary: "show how long each statement took", example: ".timer on"),
        MetaCommand(name: "vars", usage: ".vars", summary: "variables and parameters", example: ".vars"),
        MetaCommand(name: "history", usage: ".history [N]", summary: "the statements entered, the last N (default all); Ctrl-R searches them", example: ".history 10"),
        MetaCommand(name: "problems", usage: ".problems", summary: "every problem found in the store's files so far", example: ".problems"),
        MetaCommand(name: "open", usage: ".open DIR", summary: "switch to another store", example: ".open ~/stores/2026"),
        MetaCommand(name: "reload", usage: ".reload", summary: "read the store's files again", example: ".reload"),
        MetaCommand(name: "quit", usage: ".quit", summary: "leave vq (also .exit, or Ctrl-D)", example: ".quit"),
    ]

    func meta(_ name: String, _ arguments: String, range: SourceRange, origin: String?) throws {
        let args = arguments.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        func usage() -> Diagnostic {
            Diagnostic("usage: \(Session.metaCommands.first { $0.name == name }?.usage ?? "." + name)", at: range)
        }
        switch name {
        case "quit", "exit", "q":
            quitRequested = true
        case "help":
            say(Help.text(topic: args.first))
        case "mode":
            guard args.count == 1, let f = OutputFormat(rawValue: args[0].lowercased()) else {
                if args.isEmpty { write("mode: \(format.rawValue)\n"); return }
                throw Diagnostic.unknown("mode", args[0], at: range, candidates: OutputFormat.allCases.map(\.rawValue), listing: true)
            }
            format = f
        case "expanded":
            guard args.count == 1, let mode = ExpandedMode(rawValue: args[0].lowercased()) else {
                if args.isEmpty { say("expanded: \(expanded.rawValue)\n"); return }
                throw Diagnostic.unknown("expanded setting", args[0], at: range, candidates: ExpandedMode.allCases.map(\.rawValue), listing: true)
            }
            expanded = mode
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
                say(String(repeating: " ", count: width - number.count) + number + "  "
                      + TerminalText.visible(entry, keepingLineBreaks: true).replacingOccurrences(of: "\n", with: "\n" + String(repeating: " ", count: width + 2)) + "\n")
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
            do { count = ValueText.count(try store.table(c).count) } catch { count = "unreadable (\(error.message))" }
            say(Help.describe(c, records: count, extraFields: (try? store.table(c))?.columnNames ?? []))
        case "vars":
            // Each value as it reads on its own (0.9, 25), not padded to a column's decimals.
            let shown = { (v: Value) -> Value in v.isNull ? v : .string(ValueText.display(v)) }
            var rows: [[Value]] = environment.parameters.keys.sorted().map { [.string("$" + $0), shown(environment.parameters[$0]!)] }
            for name in environment.variables.keys.sorted() {
                switch environment.variables[name]! {
                case .scalar(let v): rows.append([.string(name), shown(v)])
                case .relation(let r): rows.append([.string(name), .string("\(ValueText.count(r.rows.count)) rows")])
                }
            }
            write(renderer(maxRows: 0).render(ResultTable(columns: ["name", "value"], rows: rows)))
        case "problems":
            if store.problems.isEmpty { write("no problems found in the files read so far\n") }
            for p in store.problems { say("\(p)\n") }
        case "read":
            guard args.count == 1 else { throw usage() }
            let base = origin.map { ($0 as NSString).deletingLastPathComponent } ?? ""
            let path = args[0].hasPrefix("/") || base.isEmpty ? args[0] : (base as NSString).appendingPathComponent(args[0])
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
        case "output", "once":
            if let redirect {
                self.redirect = nil
                do { try redirect.handle.close() } catch { throw Diagnostic("cannot finish the output file: \(error.localizedDescription)", at: range) }
            }
            if args.isEmpty {
                if name == "once" { throw usage() }
                return
            }
            let fd = Foundation.open(args[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw Diagnostic("cannot write to '\(args[0])': \(String(cString: strerror(errno)))", at: range) }
            redirect = (FileHandle(fileDescriptor: fd, closeOnDealloc: true), name == "once")
        case "open":
            guard args.count == 1 else { throw usage() }
            do { try open(Store(path: args[0])) } catch { throw Diagnostic(error.message, at: range) }
            if confirms {
                let counts = [CollectionName.vendors, .contracts].compactMap { c in (try? store.table(c)).map { "\(ValueText.count($0.count)) \(c.rawValue)" } }
                say("opened \(args[0]) (\(counts.joined(separator: ", ")))\n")
            }
        case "reload":
            do { try open(Store(path: store.path)) } catch { throw Diagnostic(error.message, at: range) }
        default:
            throw Diagnostic.unknown("meta-command", "." + name, at: range,
                                     candidates: Session.metaCommands.map { "." + $0.name } + [".exit"])
        }
    }
}

extension Session {
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
