import ArgumentParser
import CEditLine
import Foundation
import VQEngine
import VQGenerator
import VQLanguage
import VQRender
import VQSession
import VQModel
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
        """,
        version: "vq \(version)"
    )

    @Option(name: [.short, .long], help: "The store directory.")
    var store: String?

    @Option(name: [.short, .long], help: "How results are written.")
    var format: OutputFormat?

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

    func validate() throws {
        _ = try parameters()
        if let maxrows, maxrows < 0 { throw ValidationError("--maxrows needs a whole number, 0 or more") }
        if let currency, Currency(currency.uppercased()) == nil {
            throw ValidationError("--currency needs an ISO 4217 code such as USD, EUR or CNY, not '\(currency)'")
        }
    }

    func run() throws {
        if let pinned = ProcessInfo.processInfo.environment["VQ_TODAY"], Dates.parseDate(pinned) == nil {
            fail("VQ_TODAY must be a date (YYYY-MM-DD), not '\(pinned)'", code: 2)
        }
        let storePath: String
        if let s = store {
            storePath = s
        } else if FileManager.default.fileExists(atPath: "store") {
            storePath = "store"
        } else {
            do { storePath = try DemoStore.path(today: Dates.today()) } catch {
                fail("no store: give --store DIR (the demo store cannot be made: \(error))", code: 3)
            }
        }
        let opened: Store
        do { opened = try Store(path: storePath, cache: noCache ? nil : .standard) } catch { fail(error.message, code: 3) }

        let interactive = commands.isEmpty && script == nil && isatty(0) != 0
        let session = Session(store: opened, format: format ?? .table, write: writeOut, writeError: writeErr)
        for (name, value) in try parameters() { session.environment.parameters[name] = value }
        if let maxrows { session.maxRows = maxrows }
        if let currency { session.currency = Currency(currency.uppercased()) }
        if readOnly { session.readOnly = "the store is open read-only (--read-only)" }
        if store == nil, storePath != "store" { session.demoStorePath = storePath }

        if interactive {
            Shell(session: session, version: VQCommand.version).run()
            finishOutput()
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
        finishOutput()
        if !ok { throw ExitCode(1) }
    }
}

extension OutputFormat: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}
