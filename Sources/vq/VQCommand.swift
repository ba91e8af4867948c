import ArgumentParser
import CEditLine
import Foundation
import VQEngine
import VQGenerator
import VQLanguage
import VQRender
import VQSession
import VQModel
import VQPostgres
import VQStore
import VQSupport

/// `vq [--store DIR] [--format F] [--set k=v]… [-c STATEMENT]… [SCRIPT.vq]`:
/// picks the store and the input, and hands statements to a Session.
struct VQCommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "vq",
        abstract: "A query shell for outsourced services: vendors, contracts, KPIs, risks and costs.",
        discussion: """
        Without -c or a script, vq reads statements from standard input when it is not a \
        terminal, and otherwise starts the interactive shell. With no --store, vq uses \
        ./store if it exists, else the bundled demo store.
        Exit codes: 0 success, 1 a statement failed, 2 usage error, 3 store cannot be opened.

        vq generate --vendors N [--seed S] OUT_DIR writes a realistic store (vq generate --help).
        vq copy SRC DST copies a store between a directory and a database (vq copy --help).
        """,
        version: "vq \(version)"
    )

    @Option(name: [.short, .long], help: ArgumentHelp("The store: a directory, or a PostgreSQL database (postgresql://USER@HOST:PORT/DB, "
                                                     + "any libpq connection string, or postgresql: for the PG* variables).", valueName: "DIR|URL"))
    var store: String?

    @Option(name: [.short, .long], help: ArgumentHelp("How results are written: table, csv, json, jsonl, markdown, line, or xlsx (a workbook: needs -o).",
                                                      valueName: "FORMAT"))
    var format: String?

    @Option(name: [.short, .long], help: ArgumentHelp("Write results to FILE (a workbook when it ends in .xlsx).", valueName: "FILE"))
    var output: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("A parameter for $NAME: a number (with %, k, m), true, false, null, or text.",
                                                          valueName: "NAME=VALUE"))
    var settings: [String] = []

    @Option(help: ArgumentHelp("The reporting currency amounts in different currencies convert to (over settings.json's).",
                               valueName: "CODE"))
    var currency: String?

    @Flag(help: "Run the statements after an error too (and still exit 1).")
    var keepGoing = false

    @Flag(help: "Refuse every change to the store.")
    var readOnly = false

    @Flag(help: "Parse every file from its JSON, without the column cache (kept in $VQ_CACHE_DIR, $XDG_CACHE_HOME/vq or ~/.cache/vq).")
    var noCache = false

    @Option(help: "Table mode shows at most N rows (0: all).")
    var maxrows: Int?

    @Option(name: [.customShort("c"), .customLong("command")], help: ArgumentHelp("A statement to run (several may be given).", valueName: "STATEMENT"))
    var commands: [String] = []

    @Argument(help: ArgumentHelp("A script of statements.", valueName: "SCRIPT.vq"))
    var script: String?

    /// The store `--store` names, else `./store`, else the bundled demo store (and
    /// then its path, which stays read-only); exits 3 when it cannot be opened.
    static func openStore(_ path: String?, noCache: Bool) -> (Store, demo: String?) {
        let storePath: String
        if let path {
            storePath = path
        } else if FileManager.default.fileExists(atPath: "store") {
            storePath = "store"
        } else {
            do { storePath = try DemoStore.path(today: Dates.today()) } catch {
                fail("no store: give --store DIR (the demo store cannot be made: \(error))", code: 3)
            }
        }
        do {
            return (try StoreLocation.open(storePath, cache: noCache ? nil : .standard), path == nil && storePath != "store" ? storePath : nil)
        } catch { fail(error.message, code: 3) }
    }

    /// `--set` as parameters, checked.
    func parameters() throws -> [(String, Value)] {
        try settings.map { setting in
            guard let eq = setting.firstIndex(of: "="), eq != setting.startIndex else {
                throw ValidationError("--set needs NAME=VALUE, found '\(setting)'")
            }
            guard Lexer.isName(setting[..<eq]) else {
                throw ValidationError("--set: '\(setting[..<eq])' cannot be a parameter name (letters, digits and _, not starting with a digit)")
            }
            return (String(setting[..<eq]), Environment.parseSetting(String(setting[setting.index(after: eq)...])))
        }
    }

    /// The text format `--format` names; nil for xlsx, which `-o FILE.xlsx` gives.
    func textFormat() throws -> OutputFormat? {
        guard let format else { return nil }
        if format.lowercased() == "xlsx" {
            guard let output, output.lowercased().hasSuffix(".xlsx") else {
                throw ValidationError("--format xlsx writes a workbook file: give -o FILE.xlsx")
            }
            return nil
        }
        guard let f = OutputFormat(rawValue: format.lowercased()) else {
            throw ValidationError("--format needs one of " + (OutputFormat.allCases.map(\.rawValue) + ["xlsx"]).joined(separator: ", ") + ", not '\(format)'")
        }
        return f
    }

    func validate() throws {
        _ = try parameters()
        _ = try textFormat()
        if let maxrows, maxrows < 0 { throw ValidationError("--maxrows needs a whole number, 0 or more") }
        if let currency, Currency(currency.uppercased()) == nil {
            throw ValidationError("--currency needs an ISO 4217 code such as USD, EUR or CNY, not '\(currency)'")
        }
    }

    func run() throws {
        if let pinned = ProcessInfo.processInfo.environment["VQ_TODAY"], Dates.parseDate(pinned) == nil {
            fail("VQ_TODAY must be a date (YYYY-MM-DD), not '\(pinned)'", code: 2)
        }
        let (opened, demo) = VQCommand.openStore(store, noCache: noCache)

        let interactive = commands.isEmpty && script == nil && isatty(0) != 0
        let session = Session(store: opened, format: try textFormat() ?? .table, write: writeOut, writeError: writeErr)
        if let output {
            do { try session.output(to: output) } catch { fail(error.message, code: 2) }
        }
        for (name, value) in try parameters() { session.environment.parameters[name] = value }
        if let maxrows { session.maxRows = maxrows }
        if let currency { session.currency = Currency(currency.uppercased()) }
        if readOnly { session.readOnly = "the store is open read-only (--read-only)" }
        session.demoStorePath = demo

        if interactive {
            Shell(session: session, version: VQCommand.version).run()
            let written = session.finish()
            finishOutput()
            if !written { throw ExitCode(1) }
            return
        }
        if isatty(1) != 0 { Shell.fitToTerminal(session) }
        var ok = true
        for command in commands where ok || keepGoing {
            ok = session.run(command, keepGoing: keepGoing) && ok
        }
        if let script, ok || keepGoing {
            let text: String
            do { text = try Session.readText(script) } catch { fail(error.message, code: 2) }
            ok = session.run(text, origin: script, keepGoing: keepGoing) && ok
        } else if commands.isEmpty, script == nil {
            ok = StandardInput.run(session, keepGoing: keepGoing)
        }
        ok = session.finish() && ok
        finishOutput()
        if !ok { throw ExitCode(1) }
    }
}
