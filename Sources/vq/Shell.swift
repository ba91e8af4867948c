import CEditLine
import Foundation
import VQEngine
import VQGenerator
import VQLanguage
import VQModel
import VQRender
import VQSession
import VQStore
import VQSupport

/// The interactive shell on libedit: prompts that say why a statement goes on,
/// Tab completion from the parser's view of the line, history kept one entry
/// per statement, pasted blocks run statement by statement, and Ctrl-C that
/// stops the line or the running statement instead of the process.
struct Shell {
    let session: Session
    let version: String

    private var historyPath: String {
        if let p = ProcessInfo.processInfo.environment["VQ_HISTORY"] { return p }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".vq_history")
    }

    func run() {
        let editor = LineEditor(historyPath: historyPath) { [unowned session] text in
            Completer(environment: session.environment, directory: FileManager.default.currentDirectoryPath,
                      ids: { [store = session.store] collection in
                          guard let table = try? store.table(collection), let column = table.column("id") else { return [] }
                          return table.columns[column].compactMap { if case .string(let s) = $0 { s } else { nil } }
                      }).candidates(for: text)
        }
        configure(session, editor)
        print(banner())

        var buffer = ""
        // A line of a paste read ahead, and whether its echo was taken back.
        var carried: (line: String, erased: Bool)?
        while !session.quitRequested {
            let line: String
            if let next = carried {
                line = next.line
                carried = nil
                if next.erased { print(Shell.prompt(for: "") + line) }
            } else {
                guard let read = editor.readLine(prompt: Shell.prompt(for: buffer), continuing: buffer) else {
                    if editor.takeInterrupt() {
                        // Ctrl-C: drop what was typed and start again on a line of its own.
                        print()
                        if !buffer.isEmpty { print("(statement cleared)") }
                        buffer = ""
                        continue
                    }
                    print()
                    break
                }
                line = read
            }
            buffer += buffer.isEmpty ? line : "\n" + line
            if buffer.trimmingCharacters(in: .whitespaces).isEmpty {
                buffer = ""
                continue
            }
            if Lexer(buffer).continuation() != nil { continue }
            // In a paste the next lines may go on with `|`, as in a script: look before running.
            var unfinished = false
            while editor.inputPending, let next = editor.readLine(prompt: Shell.prompt(for: ""), continuing: "") {
                // libedit echoed it as a new statement: take that back and show it
                // where it belongs, after this statement's lines or after its output.
                let erased = editor.eraseEcho(of: Shell.prompt(for: "") + next)
                guard next.trimmingCharacters(in: .whitespaces).hasPrefix("|") else {
                    carried = (next, erased)
                    break
                }
                if erased { print(Shell.prompt(for: buffer) + next) }
                buffer += "\n" + next
                // `| where a and (` goes on over more lines, read with the prompt that says why.
                if Lexer(buffer).continuation() != nil { unfinished = true; break }
            }
            if unfinished { continue }
            let source = buffer
            buffer = ""
            editor.remember(source)
            vq_unblock_sigint()
            session.run(source, keepGoing: true)
            _ = editor.takeInterrupt()
        }
        editor.save()
    }

    /// `vq> ` for a new statement; `vq-> `, `vq(> `, `vq'> ` say why one goes on.
    static func prompt(for buffer: String) -> String {
        if buffer.isEmpty { return "vq> " }
        switch Lexer(buffer).continuation() {
        case .bracket(let b)?: return "vq\(b)> "
        case .string(let q)?: return "vq\(q)> "
        default: return "vq-> "
        }
    }

    /// Results on a terminal, in the shell or from `vq -c` (as DuckDB's shell
    /// does): tables fitted to its width, headers bold and nulls dim unless
    /// NO_COLOR or TERM=dumb says otherwise. Piped output stays plain.
    static func fitToTerminal(_ session: Session) {
        session.terminalWidth = {
            let columns = Int(vq_terminal_width())
            return columns > 0 ? columns : ProcessInfo.processInfo.environment["COLUMNS"].flatMap { Int($0) }
        }
        let environment = ProcessInfo.processInfo.environment
        session.style = TextStyle(enabled: isatty(1) != 0 && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb")
    }

    private func configure(_ session: Session, _ editor: LineEditor) {
        session.isCancelled = { editor.takeInterrupt() }
        Shell.fitToTerminal(session)
        session.confirms = true
        let progress = ProgressLine()
        session.progress = { report in progress.show(report) }
        session.history = { editor.history }
    }

    /// A path with the home directory as `~`.
    static func abbreviated(_ path: String) -> String {
        let home = NSHomeDirectory()
        return path.hasPrefix(home + "/") ? "~" + path.dropFirst(home.count) : path
    }

    private func banner() -> String {
        var counts: [String] = []
        for c in [CollectionName.vendors, .contracts] {
            if let t = try? session.store.table(c) { counts.append("\(t.count) \(c.rawValue)") }
        }
        // The demo store's path is deep in the cache folder: it is named, with the day it is current on.
        let store = session.store.path == session.demoStorePath ? "the demo store as of \(Dates.format(day: session.store.today))"
            : "store " + TerminalText.visible(Shell.abbreviated(session.store.path))
        return "vq \(version) — \(store)" + (counts.isEmpty ? "" : " (\(counts.joined(separator: ", ")))")
            + " — .help for help, Tab completes, Ctrl-D quits"
    }
}
