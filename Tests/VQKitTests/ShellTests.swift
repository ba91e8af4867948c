import Foundation
import Testing
@testable import VQSupport

/// The real `vq` shell in a terminal (tmux): completion, Ctrl-C, pasted blocks,
/// history across runs, prompts, and tables that fit the width and keep CJK aligned.
@Suite(.serialized) struct ShellTests {
    /// One tmux server of the test's own, on its own socket, holding one shell.
    final class Terminal {
        let socket = "vq-test-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        let history: String

        /// `store`: nil starts vq without --store (the demo store, from a directory with no ./store).
        let store: String?

        init(history: String = Fixture.temporaryDirectory() + "/history", width: Int = 160,
             directory: String = Fixture.packageRoot.path, environment: [String: String] = [:], store: String? = Fixture.storePath) throws {
            self.history = history
            self.store = store
            try start(width: width, directory: directory, environment: environment)
        }

        func start(width: Int = 160, directory: String = Fixture.packageRoot.path, environment: [String: String] = [:]) throws {
            // NO_COLOR empty: the test runner may set it, and an empty one means colour as usual.
            let settings = ["VQ_TODAY": "2025-06-30", "VQ_HISTORY": history, "LANG": "C.UTF-8", "NO_COLOR": "",
                            "XDG_CACHE_HOME": Fixture.cacheDirectory].merging(environment) { $1 }
            let command = "env " + settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                + " \(Fixture.binary)" + (store.map { " --store \($0)" } ?? "")
            tmux(["new-session", "-d", "-s", "vq", "-x", String(width), "-y", "50", "-c", directory, command])
            _ = try waitFor("vq>")
        }

        deinit { tmux(["kill-server"]) }

        @discardableResult
        func tmux(_ arguments: [String]) -> String {
            let file = NSTemporaryDirectory() + "tmux-out-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: file) }
            Fixture.spawnAndWait(["tmux", "-L", socket] + arguments, outputFile: file)
            return (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        }

        /// The screen as text; with `escapes`, with the terminal's styling codes.
        func screen(escapes: Bool = false) -> String { tmux(["capture-pane", "-p"] + (escapes ? ["-e"] : []) + ["-t", "vq"]) }

        /// The line the cursor is on: the last line with text.
        func currentLine() -> String {
            screen().split(separator: "\n").last.map(String.init) ?? ""
        }

        /// Waits until the screen shows `text` (the shell answers asynchronously).
        /// tmux drops spaces at the ends of lines: a prompt shows as `vq>`.
        @discardableResult
        func waitFor(_ text: String, timeout: Double = 15) throws -> String {
            let end = Date().addingTimeInterval(timeout)
            var last = ""
            while Date() < end {
                last = screen()
                if last.contains(text) { return last }
                Thread.sleep(forTimeInterval: 0.1)
            }
            Issue.record("timed out waiting for \(text.debugDescription); screen:\n\(last)")
            return last
        }

        func send(_ keys: String...) { tmux(["send-keys", "-t", "vq"] + keys) }

        /// Types text literally (no key names), as a user would.
        func type(_ text: String) { tmux(["send-keys", "-t", "vq", "-l", text]) }

        /// Types a line, presses Enter, and waits for the screen to show `text`.
        @discardableResult
        func enter(_ line: String, until text: String) throws -> String {
            type(line)
            send("Enter")
            return try waitFor(text)
        }

        func paste(_ text: String) {
            tmux(["set-buffer", "-b", "paste", text])
            tmux(["paste-buffer", "-b", "paste", "-t", "vq"])
        }

        func clear() throws {
            send("C-c")
            tmux(["clear-history", "-t", "vq"])
            send("C-l")
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// What Tab does in each context: typed text → the line it must become.
    static let completions: [(typed: String, tabs: Int, shows: String)] = [
        ("vendors where on_ti", 1, "vq> vendors where on_time"),
        ("kpis where contract.vendor.rat", 1, "vq> kpis where contract.vendor.rating"),
        ("ven", 1, "vq> vendors"),
        ("vendors | select name, spend as total | order by tot", 1, "order by total"),
        (".descr", 1, "vq> .describe"),
        (".read scripts/exa", 1, "vq> .read scripts/examples/"),
        ("simulate cost with disc", 1, "with discount"),
        ("vendors where category = \"logis", 1, "category = \"logistics\""),
        ("risks where status = 'mit", 1, "status = 'mitigated'"),
        // Two Tabs list the candidates: the fields of vendors after a path.
        ("kpis where contract.vendor.risk_", 2, "contract.vendor.risk_exposure"),
    ]

    @Test func tabCompletesWhereTheCursorIs() throws {
        let terminal = try Terminal()
        for c in Self.completions {
            terminal.type(c.typed)
            for _ in 0..<c.tabs { terminal.send("Tab") }
            let screen = try terminal.waitFor(c.shows, timeout: 5)
            #expect(screen.contains(c.shows), "\(c.typed) + Tab")
            terminal.send("C-u")
            try terminal.clear()
        }
        // Two Tabs on an ambiguous word list every candidate, by the name that
        // differs: the fields, not the path before them on every one.
        terminal.type("kpis where contract.vendor.")
        terminal.send("Tab")
        terminal.send("Tab")
        let listing = try terminal.waitFor("on_time")
        let listed = listing.split(separator: "\n").filter { !$0.hasPrefix("vq>") }.flatMap { $0.split(separator: " ") }
        #expect(listed.contains("rating") && listed.contains("contracts") && listed.contains("risk_exposure"), "\(listing)")
        #expect(!listing.contains("contract.vendor.rating"), "\(listing)")
        #expect(listing.contains("vq> kpis where contract.vendor."), "the line keeps what was typed")
    }

    @Test func ctrlCStopsARunningQueryAndTheShellGoesOn() throws {
        let terminal = try Terminal()
        // Minutes of work: every measurement walks its vendor's measurements twice over.
        terminal.type("measurements | select sum(kpi.contract.vendor.contracts.kpis.measurements.kpi.contract.vendor.contracts.kpis.measurements.actual)")
        terminal.send("Enter")
        Thread.sleep(forTimeInterval: 1)
        terminal.send("C-c")
        let stopped = try terminal.waitFor("interrupted (Ctrl-C)", timeout: 10)
        #expect(stopped.contains("^"), "the caret shows where it stopped")
        try terminal.enter("vendors | count", until: "\n30\n")

        // A long simulation shows its progress, and Ctrl-C stops it too.
        terminal.type("simulate cost trials 5000000")
        terminal.send("Enter")
        try terminal.waitFor("simulating…", timeout: 10)
        terminal.send("C-c")
        let simulation = try terminal.waitFor("trials; nothing was kept", timeout: 10)
        #expect(simulation.contains("interrupted (Ctrl-C) after"))
        try terminal.enter("contracts | count", until: "contracts | count\n")

        // Ctrl-C on an unfinished statement clears it; nothing of it reaches history.
        try terminal.enter("vendors where rating > 1 |", until: "vq->")
        terminal.send("C-c")
        try terminal.waitFor("(statement cleared)")
        try terminal.enter("kpis | count", until: "kpis | count\n")
        terminal.send("C-d")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(!(try Self.savedHistory(terminal.history)).contains("rating > 1"))
    }

    /// A long import shows its progress and Ctrl-C stops it, changing nothing; Tab
    /// completes the files it can read.
    @Test func aLongImportShowsProgressAndCtrlCStopsIt() throws {
        let w = try ImportTests.Workspace()
        var lines = ["kpi,period,actual"]
        for i in 0..<600_000 { lines.append("K-000001,\(3000 + i / 12)-\(String(format: "%02d", i % 12 + 1)),0.5") }
        w.file("big.csv", lines.joined(separator: "\n"))
        let before = MutationTests.snapshot(w.store)
        let terminal = try Terminal(directory: w.directory, store: w.store)
        terminal.type("import into measurements from \"bi")
        terminal.send("Tab")
        try terminal.waitFor("from \"big.csv\"", timeout: 5)
        terminal.send("Enter")
        try terminal.waitFor("importing…", timeout: 30)
        terminal.send("C-c")
        try terminal.waitFor("import cancelled; nothing was changed", timeout: 30)
        try terminal.enter("measurements | count", until: "\n6240\n")
        #expect(MutationTests.snapshot(w.store) == before)
    }

    @Test func pastedBlockRunsEachStatementOnceAndShowsAsTyped() throws {
        let terminal = try Terminal()
        let contracts = try Fixture.transcript("contracts | where status = 'active' | count").trimmingCharacters(in: .whitespacesAndNewlines)
        let kpis = try Fixture.transcript("kpis | count").trimmingCharacters(in: .whitespacesAndNewlines)
        terminal.paste("vendors | count\ncontracts\n| where status = 'active'\n| count\nkpis | count\n")
        let screen = try terminal.waitFor("\n\(kpis)\n")
        let lines = screen.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0 == "30" }.count == 1)
        #expect(lines.filter { $0 == contracts }.count == 1)
        #expect(lines.filter { $0 == kpis }.count == 1)
        #expect(!screen.contains("error"))
        // Shown as if typed: each statement's lines with their prompts, then its result.
        let shown = ["vq> vendors | count", "30", "vq> contracts", "vq-> | where status = 'active'", "vq-> | count", contracts,
                     "vq> kpis | count", kpis]
        let start = try #require(lines.firstIndex(of: shown[0]))
        #expect(Array(lines[start...].prefix(shown.count)) == shown, "\(screen)")
        terminal.send("C-d")
        Thread.sleep(forTimeInterval: 0.5)
        let saved = try Self.savedHistory(terminal.history)
        #expect(saved.contains("\nvendors | count\ncontracts\n| where status = 'active'\n| count\nkpis | count\n"),
                "three entries, one per statement: \(saved)")
    }

    /// A statement continued by one `|` line, then a new one: the new one is not
    /// shown as a continuation, and each result follows its own statement.
    @Test func aPasteOfOneContinuationThenANewStatement() throws {
        let terminal = try Terminal()
        let risks = try Fixture.transcript("risks | count").trimmingCharacters(in: .whitespacesAndNewlines)
        terminal.paste("vendors\n| count\nrisks | count\n")
        let screen = try terminal.waitFor("\n\(risks)\n")
        let lines = screen.split(separator: "\n").map(String.init)
        let shown = ["vq> vendors", "vq-> | count", "30", "vq> risks | count", risks]
        let start = try #require(lines.firstIndex(of: shown[0]), "\(screen)")
        #expect(Array(lines[start...].prefix(shown.count)) == shown, "\(screen)")
    }

    /// Ctrl-C ends the line it was pressed on: the next prompt starts a line of its own.
    @Test func ctrlCStartsAFreshLine() throws {
        let terminal = try Terminal()
        // Each key waits for the one before to show: a key sent before the line
        // editor reads is the terminal's, not the shell's.
        terminal.type("abc")
        try terminal.waitFor("vq> abc")
        terminal.send("C-c")
        try terminal.waitFor("vq> abc\nvq>")
        try terminal.enter("vendors where rating > 1 |", until: "vq->")
        terminal.type("def")
        try terminal.waitFor("vq-> def")
        terminal.send("C-c")
        try terminal.waitFor("(statement cleared)")
        try terminal.enter("kpis | count", until: "kpis | count\n")
        let lines = terminal.screen().split(separator: "\n").map(String.init)
        #expect(lines.contains("vq> abc") && lines.contains("vq-> def"), "\(lines)")
        #expect(lines.contains("(statement cleared)"))
        #expect(!lines.contains { $0.contains("vq> vq>") || $0.contains("(statement cleared)") && $0 != "(statement cleared)" }, "\(lines)")
    }

    @Test func historyPersistsAndPromptsSayWhyAStatementGoesOn() throws {
        let terminal = try Terminal()
        try terminal.enter("vendors where rating > 4 |", until: "vq->")
        try terminal.enter("count", until: "vq-> count")
        try terminal.enter("vendors where category in (", until: "vq(>")
        try terminal.enter("'logistics')", until: "vq(> 'logistics')")
        try terminal.enter("vendors where name = 'a", until: "vq'>")
        try terminal.enter("b'", until: "0 rows")
        try terminal.enter(".history", until: "  .history")
        terminal.send("C-d")
        Thread.sleep(forTimeInterval: 0.5)
        let saved = try Self.savedHistory(terminal.history)
        #expect(saved.contains("\nvendors where rating > 4 |\ncount\n"), "one history entry per statement: \(saved)")

        // The next run recalls it; Ctrl-R searches it.
        try terminal.start()
        terminal.send("Up")
        try terminal.waitFor("vq> .history")
        terminal.send("C-u")
        terminal.send("C-r")
        terminal.type("rating > 4")
        terminal.send("Enter")
        let count = try Fixture.transcript("vendors where rating > 4 | count")
        try terminal.waitFor("count\n" + count)
    }

    @Test func tablesFitTheTerminalAndKeepCJKAligned() throws {
        let terminal = try Terminal(width: 60)
        let screen = try terminal.enter("vendors | select name, country, notes, spend | limit 8", until: "8 rows")
        let tableLines = screen.split(separator: "\n").map(String.init).filter { $0.hasPrefix("│") || $0.hasPrefix("┌") }
        #expect(!tableLines.isEmpty)
        #expect(tableLines.allSatisfy { TextWidth.of($0) <= 60 }, "fits 60 columns")
        #expect(screen.contains("…"), "long text is cut with …")
        try terminal.clear()

        let cjk = try terminal.enter("vendors where name contains '物流' or country = 'CN' | select name, country, rating", until: "rows")
        let rows = cjk.split(separator: "\n").map(String.init).filter { $0.hasPrefix("│") }
        let positions = rows.map { row in
            var column = 0
            var bars: [Int] = []
            for ch in row {
                if ch == "│" { bars.append(column) }
                column += TextWidth.of(String(ch))
            }
            return bars
        }
        #expect(rows.count >= 2 && rows.contains { $0.contains("物流") })
        #expect(Set(positions).count == 1, "every row's borders at the same columns: \(rows)")
    }

    @Test func colourOnlyWithoutNoColor() throws {
        let bold = "\u{1B}[1m"
        let coloured = try Terminal()
        try coloured.enter("vendors | select name, notes | limit 3", until: "3 rows")
        #expect(coloured.screen(escapes: true).contains(bold))
        let plain = try Terminal(environment: ["NO_COLOR": "1"])
        try plain.enter("vendors | select name, notes | limit 3", until: "3 rows")
        #expect(!plain.screen(escapes: true).contains(bold))
    }

    /// The banner names the demo store rather than its path deep in the build folder.
    @Test func theBannerNamesTheDemoStore() throws {
        let terminal = try Terminal(directory: Fixture.temporaryDirectory(), store: nil)
        let first = terminal.screen().split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("vq 0.1.0 — the demo store as of 2025-06-30 (50 vendors, "), "\(first)")
        #expect(!first.contains(Fixture.cacheDirectory))
    }

    @Test func unknownMetaCommandGetsADidYouMean() throws {
        let terminal = try Terminal()
        try terminal.enter(".hlep", until: "did you mean '.help'?")
        try terminal.enter(".describe vendors", until: "Derived fields:")
    }

    /// The history file, with libedit's escapes for spaces and line breaks undone.
    static func savedHistory(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "\\040", with: " ").replacingOccurrences(of: "\\012", with: "\n")
    }
}
