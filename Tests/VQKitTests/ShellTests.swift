import Foundation
import Testing
@testable import VQKit

/// The interactive shell in a real terminal (tmux): prompt, results,
/// multi-line statements, Ctrl-C, UTF-8 input and history across runs.
@Suite(.serialized) struct ShellTests {
    let session = "vq-test-\(ProcessInfo.processInfo.processIdentifier)"

    /// tmux on a socket of the test's own, so that no other server is used
    /// and `kill-server` at the end leaves nothing running.
    @discardableResult
    func tmux(_ arguments: [String]) throws -> String {
        let file = NSTemporaryDirectory() + "tmux-out-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: file) }
        Fixture.spawnAndWait(["tmux", "-L", session] + arguments, outputFile: file)
        return (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
    }

    func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", session]) }

    /// Waits until the screen shows `text` (the shell answers asynchronously).
    func waitFor(_ text: String, timeout: Double = 10) throws -> String {
        let end = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < end {
            last = try screen()
            if last.contains(text) { return last }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("timed out waiting for \(text); screen:\n\(last)")
        return last
    }

    func start(history: String) throws {
        try tmux(["new-session", "-d", "-s", session, "-x", "160", "-y", "50",
                  "env VQ_TODAY=2025-06-30 VQ_HISTORY=\(history) LANG=C.UTF-8 \(Fixture.binary) --store \(Fixture.storePath)"])
        _ = try waitFor("vq>")
    }

    func send(_ keys: String...) throws { try tmux(["send-keys", "-t", session] + keys) }

    /// Types a line, presses Enter, and waits for the screen to show `text`.
    @discardableResult
    func enter(_ line: String, until text: String) throws -> String {
        try send(line, "Enter")
        return try waitFor(text)
    }

    @Test func interactiveSession() throws {
        let history = Fixture.temporaryDirectory() + "/history"
        try start(history: history)
        defer { _ = try? tmux(["kill-server"]) }

        try enter("vendors | count", until: "\n30\n")

        // A statement over several lines, continued by a trailing '|'.
        try enter("vendors where rating > 4 |", until: "..>")
        let afterMulti = try enter("count", until: "..> count")
        #expect(afterMulti.contains("vq> vendors where rating > 4 |"))

        // Ctrl-C clears an unfinished statement and the shell lives on.
        try enter("vendors where rating > 1 |", until: "rating > 1 |\n..>")
        try send("C-c")
        _ = try waitFor("(statement cleared)")
        try enter("kpis | count", until: "kpis | count\n")

        // Chinese text typed in, and aligned in the table.
        let cjk = try enter("vendors where name contains '物流' | select name, country | limit 1", until: "1 row")
        #expect(cjk.contains("物流"))

        try send("C-d")
        Thread.sleep(forTimeInterval: 0.5)
        // libedit writes spaces and line breaks in entries as \040 and \012.
        let saved = try String(contentsOfFile: history, encoding: .utf8)
            .replacingOccurrences(of: "\\040", with: " ").replacingOccurrences(of: "\\012", with: "\n")
        #expect(saved.contains("\nvendors where rating > 4 |\ncount\n"), "one history entry per statement: \(saved)")
        #expect(saved.contains("kpis | count"))
        #expect(!saved.contains("rating > 1"), "a cleared statement is not history")

        // History persists into the next run: Up recalls the last statement.
        try start(history: history)
        try send("Up")
        _ = try waitFor("物流")
    }
}
