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
        // libedit drops non-ASCII input without a UTF-8 locale.
        if setlocale(LC_CTYPE, "") == nil || !String(cString: nl_langinfo(nl_item(CODESET))).uppercased().contains("UTF") {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        vq_set_readline_name(strdup("vq"))
        vq_set_catch_signals(0)
        vq_set_word_breaks(strdup(Completer.wordBreaks))
        vq_set_completion(completeLine)
        _ = vq_install_sigint()
        using_history()
        stifle_history(2000)
        _ = read_history(historyPath)
        configure(session)
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
                guard let read = readLine(prompt: Shell.prompt(for: buffer), continuing: buffer) else {
                    if vq_take_interrupt() != 0 {
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
            while vq_input_pending() != 0, let next = readLine(prompt: Shell.prompt(for: ""), continuing: "") {
                // libedit echoed it as a new statement: take that back and show it
                // where it belongs, after this statement's lines or after its output.
                let erased = eraseEcho(of: Shell.prompt(for: "") + next)
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
            remember(source)
            vq_unblock_sigint()
            session.run(source, keepGoing: true)
            _ = vq_take_interrupt()
        }
        _ = write_history(historyPath)
    }

    /// Clears the terminal rows an echoed line took; false when the output is
    /// not a terminal whose width is known (the echo then stays).
    private func eraseEcho(of text: String) -> Bool {
        let width = Int(vq_terminal_width())
        guard width > 0, isatty(1) != 0 else { return false }
        let rows = max(1, (TextWidth.of(text) + width - 1) / width)
        _ = vq_flush_out()
        try? writeOut(String(repeating: "\u{1B}[1A\u{1B}[2K", count: rows) + "\r")
        _ = vq_flush_out()
        return true
    }

    /// A line from libedit; `continuing` is the statement's earlier lines, which completion reads too.
    private func readLine(prompt: String, continuing: String) -> String? {
        _ = vq_flush_out()
        vq_unblock_sigint()
        CompletionHook.shared.pending = continuing
        guard let line = readline(prompt) else { return nil }
        defer { free(line) }
        _ = vq_take_interrupt()
        return String(cString: line)
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

    /// One history entry per statement, trimmed; saved at once so a crash loses nothing.
    private func remember(_ source: String) {
        let lexer = Lexer(source)
        for statement in lexer.statements() {
            let text = lexer.text(of: statement).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { add_history(text) }
        }
        _ = write_history(historyPath)
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

    private func configure(_ session: Session) {
        session.isCancelled = { vq_take_interrupt() != 0 }
        Shell.fitToTerminal(session)
        session.confirms = true
        let progress = ProgressLine()
        session.progress = { share in progress.show(share) }
        session.history = {
            let base = vq_history_base()
            return (0..<vq_history_length()).compactMap { i in history_get(base + i).map { String(cString: $0.pointee.line) } }
        }
        CompletionHook.shared.complete = { [unowned session] text in
            Completer(environment: session.environment, directory: FileManager.default.currentDirectoryPath,
                      ids: { [store = session.store] collection in
                          guard let table = try? store.table(collection), let column = table.column("id") else { return [] }
                          return table.columns[column].compactMap { if case .string(let s) = $0 { s } else { nil } }
                      }).candidates(for: text)
        }
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
        // The demo store's path is deep in the build folder: it is named, not shown.
        let store = session.store.path == session.demoStorePath ? "the demo store" : "store " + TerminalText.visible(Shell.abbreviated(session.store.path))
        return "vq \(version) — \(store)" + (counts.isEmpty ? "" : " (\(counts.joined(separator: ", ")))")
            + " — .help for help, Tab completes, Ctrl-D quits"
    }
}

/// libedit calls completion through a C function pointer, which cannot capture
/// anything: the shell leaves here what completing needs.
final class CompletionHook: @unchecked Sendable {
    static let shared = CompletionHook()
    private let lock = NSLock()
    private var _pending = ""
    private var _complete: (String) -> [String] = { _ in [] }

    /// The earlier lines of the statement being typed.
    var pending: String {
        get { lock.withLock { _pending } }
        set { lock.withLock { _pending = newValue } }
    }
    var complete: (String) -> [String] {
        get { lock.withLock { _complete } }
        set { lock.withLock { _complete = newValue } }
    }
}

/// rl_attempted_completion_function: the statement up to the cursor goes to the
/// Completer; the matches go back as libedit wants them (the common part first,
/// then each match, then NULL, all malloc'ed: libedit frees them).
let completeLine: @convention(c) (UnsafePointer<CChar>?, Int32, Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = { text, _, _ in
    vq_set_completion_over(1)
    let hook = CompletionHook.shared
    let line = Array(String(cString: vq_line_buffer()).utf8)
    let beforeCursor = String(decoding: line.prefix(max(0, Int(vq_point()))), as: UTF8.self)
    let typed = hook.pending.isEmpty ? beforeCursor : hook.pending + "\n" + beforeCursor
    // A candidate from the store (an id, an enum value) is listed as text, never as escapes the terminal would act on.
    let matches = hook.complete(typed).map { TerminalText.visible($0) }
    guard !matches.isEmpty else { return nil }
    let word = text.map { String(cString: $0) } ?? ""
    var common = matches[0]
    for m in matches.dropFirst() { common = String(common.commonPrefix(with: m)) }
    if common.count < word.count { common = word }
    // A directory, a function's `(` or a closing quote is not followed by a space.
    let last = matches.count == 1 ? matches[0].last : nil
    vq_set_append_character(last == "/" || last == "(" || last == "\"" || last == "'" ? 0 : 32)
    // libedit inserts the first entry and lists the rest: the list leaves out the
    // part of a path or folder that every candidate shares.
    let all = matches.count == 1 ? matches : [common] + Completer.listed(matches, for: typed)
    guard let array = malloc((all.count + 1) * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride)?
        .bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: all.count + 1) else { return nil }
    for (i, m) in all.enumerated() { array[i] = strdup(m) }
    array[all.count] = nil
    return array
}

/// "simulating… 45%" on standard error while a long simulation runs (over a
/// second), rewritten in place and cleared at the end.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var started: Date?
    private var shown = false
    private var lastShown = Date.distantPast

    func show(_ share: Double?) {
        lock.withLock {
            guard let share else {
                if shown { writeErr("\r\u{1B}[K") }
                started = nil
                shown = false
                return
            }
            let now = Date()
            let start = started ?? now
            started = start
            guard now.timeIntervalSince(start) > 1, now.timeIntervalSince(lastShown) > 0.2 else { return }
            writeErr(String(format: "\rsimulating… %3.0f%% (Ctrl-C stops)", share * 100))
            shown = true
            lastShown = now
        }
    }
}
