import CEditLine
import Foundation
import VQKit

/// The interactive shell on libedit: prompts, multi-line statements, history
/// kept one entry per statement, and Ctrl-C that clears the line instead of
/// ending the process.
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
        _ = vq_install_sigint()
        using_history()
        stifle_history(2000)
        _ = read_history(historyPath)
        session.isCancelled = { vq_take_interrupt() != 0 }
        print(banner())

        var buffer = ""
        while !session.quitRequested {
            vq_flush_out()
            let prompt = buffer.isEmpty ? "vq> " : "..> "
            vq_unblock_sigint()
            guard let line = readline(prompt) else {
                if vq_take_interrupt() != 0 {
                    // Ctrl-C: drop what was typed and start again.
                    if !buffer.isEmpty { print("(statement cleared)") }
                    buffer = ""
                    continue
                }
                print()
                break
            }
            let text = String(cString: line)
            free(line)
            _ = vq_take_interrupt()
            buffer += buffer.isEmpty ? text : "\n" + text
            if buffer.trimmingCharacters(in: .whitespaces).isEmpty {
                buffer = ""
                continue
            }
            if Lexer(buffer).needsMoreInput() { continue }
            let statement = buffer.trimmingCharacters(in: .whitespacesAndNewlines)
            buffer = ""
            add_history(statement)
            _ = write_history(historyPath)
            vq_unblock_sigint()
            session.run(statement, keepGoing: true)
            _ = vq_take_interrupt()
        }
        _ = write_history(historyPath)
    }

    private func banner() -> String {
        var counts: [String] = []
        for c in [CollectionName.vendors, .contracts] {
            if let t = try? session.store.table(c) { counts.append("\(t.count) \(c.rawValue)") }
        }
        return "vq \(version) — store \(session.store.path)" + (counts.isEmpty ? "" : " (\(counts.joined(separator: ", ")))")
            + " — .help for help, Ctrl-D to quit"
    }
}
