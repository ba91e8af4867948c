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

/// Statements from standard input when it is not a terminal, each run as soon
/// as it is complete (as sqlite3 and psql do), so that a program driving vq
/// through a pipe gets each answer before it sends the next statement.
struct StandardInput {
    private var buffer: [UInt8] = []
    /// Where the unread part of `buffer` starts.
    private var start = 0
    private var atEnd = false

    /// Runs the statements; returns whether all succeeded.
    static func run(_ session: Session, keepGoing: Bool) -> Bool {
        var input = StandardInput()
        var ok = true
        var statement = "", startLine = 0, line = 0
        while let next = input.line() {
            if statement.isEmpty { startLine = line }
            statement += next
            line += 1
            if Lexer(statement).continuation() != nil { continue }
            // A following line that starts with `|` continues the statement; it is
            // looked at only when it is already there, so a program waiting for this
            // answer is not kept waiting.
            if input.isWaiting, let peeked = input.peekLine(), peeked.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("|") {
                continue
            }
            ok = session.run(statement, origin: "<stdin>", keepGoing: keepGoing, lineOffset: startLine) && ok
            statement = ""
            _ = vq_flush_out()
            if (!ok && !keepGoing) || session.quitRequested { return ok }
        }
        if !statement.isEmpty { ok = session.run(statement, origin: "<stdin>", keepGoing: keepGoing, lineOffset: startLine) && ok }
        return ok
    }

    /// Whether another line has arrived or is arriving (or the input has ended).
    private var isWaiting: Bool {
        buffer[start...].contains(0x0A) || atEnd || vq_input_pending() != 0
    }

    /// The next line, its line break included; nil at the end of the input.
    private mutating func line() -> String? {
        guard let end = lineEnd() else { return nil }
        defer { start = end }
        return String(decoding: buffer[start..<end], as: UTF8.self)
    }

    private mutating func peekLine() -> String? {
        lineEnd().map { String(decoding: buffer[start..<$0], as: UTF8.self) }
    }

    /// Reads until the buffer holds a whole line (or the last, unterminated one).
    private mutating func lineEnd() -> Int? {
        while true {
            if let i = buffer[start...].firstIndex(of: 0x0A) { return i + 1 }
            if atEnd { return start == buffer.count ? nil : buffer.count }
            // The lines read are dropped before more is read, so the buffer stays small.
            buffer.removeFirst(start)
            start = 0
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = chunk.withUnsafeMutableBytes { Foundation.read(0, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { atEnd = true } else { buffer += chunk[..<n] }
        }
    }
}
