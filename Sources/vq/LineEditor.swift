import CEditLine
import Foundation
import Synchronization
import VQLanguage
import VQSession
import VQSupport

/// libedit, as the shell uses it: the locale and signals it needs, a prompt
/// read with Tab completion, history kept one entry per statement and saved
/// at once, and taking back a line it echoed.
struct LineEditor {
    let historyPath: String

    init(historyPath: String, complete: @escaping (String) -> [String]) {
        self.historyPath = historyPath
        // libedit drops non-ASCII input without a UTF-8 locale.
        if setlocale(LC_CTYPE, "") == nil || !String(cString: nl_langinfo(nl_item(CODESET))).uppercased().contains("UTF") {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        vq_set_readline_name(strdup("vq"))
        vq_set_catch_signals(0)
        vq_set_word_breaks(strdup(Completer.wordBreaks))
        vq_set_completion(completeLine)
        CompletionHook.shared.complete = complete
        _ = vq_install_sigint(onInterrupt)
        using_history()
        stifle_history(2000)
        _ = read_history(historyPath)
    }

    /// A line; `continuing` is the statement's earlier lines, which completion reads too.
    /// Nil at the end of input or on Ctrl-C (`takeInterrupt` tells which).
    func readLine(prompt: String, continuing: String) -> String? {
        _ = vq_flush_out()
        vq_unblock_sigint()
        CompletionHook.shared.pending = continuing
        guard let line = readline(prompt) else { return nil }
        defer { free(line) }
        _ = takeInterrupt()
        return String(cString: line)
    }

    /// Whether Ctrl-C was pressed since the last time this was asked (a `readLine` that gave nil).
    func takeInterrupt() -> Bool { interrupted.exchange(false, ordering: .relaxed) }

    /// Whether more typed or pasted input is already waiting.
    var inputPending: Bool { vq_input_pending() != 0 }

    /// Clears the terminal rows an echoed line took; false when the output is
    /// not a terminal whose width is known (the echo then stays).
    func eraseEcho(of text: String) -> Bool {
        let width = Int(vq_terminal_width())
        guard width > 0, isatty(1) != 0 else { return false }
        let rows = max(1, (TextWidth.of(text) + width - 1) / width)
        _ = vq_flush_out()
        try? writeOut(String(repeating: "\u{1B}[1A\u{1B}[2K", count: rows) + "\r")
        _ = vq_flush_out()
        return true
    }

    /// One history entry per statement, trimmed; saved at once so a crash loses nothing.
    func remember(_ source: String) {
        let lexer = Lexer(source)
        for statement in lexer.statements() {
            let text = lexer.text(of: statement).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { add_history(text) }
        }
        _ = write_history(historyPath)
    }

    func save() { _ = write_history(historyPath) }

    /// The entries, oldest first (for `.history`).
    var history: [String] {
        let base = vq_history_base()
        return (0..<vq_history_length()).compactMap { i in history_get(base + i).map { String(cString: $0.pointee.line) } }
    }
}

/// Set by Ctrl-C (SIGINT), taken by the shell and by a running statement.
let interrupted = Atomic<Bool>(false)

/// The SIGINT handler: an atomic store is all it does, which a signal handler may.
let onInterrupt: @convention(c) (Int32) -> Void = { _ in interrupted.store(true, ordering: .relaxed) }

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

