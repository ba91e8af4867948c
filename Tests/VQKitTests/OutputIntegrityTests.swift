import Foundation
import Testing
@testable import VQRender
@testable import VQSession
@testable import VQStore
@testable import VQSupport

/// Every output mode writes every value whole, and what a value holds never
/// acts on the terminal (issue 9, items 1, 4 and 5).
@Suite struct OutputIntegrityTests {
    /// A store whose vendors are named `names` (JSON string bodies, escapes allowed).
    static func vendorStore(_ names: [String]) -> String {
        let dir = Fixture.temporaryDirectory()
        let records = names.enumerated().map { i, name in
            #"{"id": "V-\#(String(format: "%04d", i + 1))", "name": "\#(name)", "category": "other", "country": "CN", "status": "active", "rating": 3, "headcount": 1, "certifications": [], "since": "2024-01-01"}"#
        }
        try! ("[\n" + records.joined(separator: ",\n") + "\n]\n").write(toFile: dir + "/vendors.json", atomically: true, encoding: .utf8)
        return dir
    }

    static func output(_ statement: String, store: String, format: OutputFormat) throws -> String {
        let out = Output()
        let session = Session(store: try Store(path: store, today: Fixture.today), format: format, write: out.append, writeError: out.append)
        session.run(statement)
        return out.text
    }

    @Test func aNulByteNeverCutsTheOutput() throws {
        let store = Self.vendorStore((1...20).map { #"name\u0000\#($0) end"# })
        let csv = try Self.output("vendors | select id, name", store: store, format: .csv)
        #expect(csv.split(separator: "\r\n").count == 21)
        #expect(csv.contains("name\u{0}20 end"), "csv keeps the byte as it is")
        let markdown = try Self.output("vendors | select name", store: store, format: .markdown)
        #expect(markdown.split(separator: "\n").count == 22 && markdown.contains("name\u{0}7 end"))
        for format in [OutputFormat.table, .line] {
            let text = try Self.output("vendors | select name", store: store, format: format)
            #expect(!text.contains("\u{0}") && text.contains(#"name\07 end"#), "\(format): a visible escape")
        }
        let json = try Self.output("vendors | select name | limit 1", store: store, format: .json)
        #expect(json.contains(#""name\u00001 end""#))
    }

    /// Through the built binary: the NUL reaches standard output, and a write
    /// that fails (a full disk) is exit 1 with the reason, not a silent 0.
    @Test func theBinaryWritesEveryByteOrFails() throws {
        let store = Self.vendorStore((1...20).map { #"a\u0000\#($0)"# })
        let run = try Fixture.vq(["--store", store, "--format", "csv", "-c", "vendors | select name"])
        #expect(run.status == 0)
        #expect(run.stdout.split(separator: "\r\n").count == 21 && run.stdout.contains("a\u{0}20"))
        let full = try Fixture.vq(["--store", store, "--format", "csv", "-c", "vendors | select name"], stdoutPath: "/dev/full")
        #expect(full.status == 1)
        #expect(full.stderr.contains("cannot write the output: No space left on device"), "\(full.stderr)")
        let redirected = try Fixture.vq(["--store", store], stdin: ".output /dev/full\nvendors | select name\n")
        #expect(redirected.status == 1)
        #expect(redirected.stderr.contains("No space left on device"), "\(redirected.stderr)")
    }

    static let hostile = [#"red\u001b[31mtext"#, #"over\rwrite"#, #"bell\u0007"#, #"del\u007f"#, #"c1\u009b2J"#, #"tab\there"#]

    @Test func controlCharactersAreShownAsEscapes() throws {
        let store = Self.vendorStore(Self.hostile)
        let table = try Self.output("vendors | select name, id", store: store, format: .table)
        let raw = table.unicodeScalars.filter { $0.value < 0x20 && $0 != "\n" || (0x7F..<0xA0).contains($0.value) }
        #expect(raw.isEmpty, "no raw control character reaches the terminal")
        for shown in [#"red\e[31mtext"#, #"over\rwrite"#, #"bell\a"#, #"del\x7f"#, #"c1\u009b2J"#, #"tab\there"#] {
            #expect(table.contains(shown), "\(shown)")
        }
        let widths = Set(table.split(separator: "\n").dropLast().map { TextWidth.of(String($0)) })
        #expect(widths.count == 1, "every line of the table is as wide as the others: \(table)")
        let line = try Self.output("vendors | select name | limit 1", store: store, format: .line)
        #expect(line == #"name = red\e[31mtext"# + "\n")
    }

    @Test func messagesAndDescribeShowEscapes() throws {
        let dir = Self.vendorStore(["ok"])
        // An unknown field whose name holds an ESC sequence, and a bad value with a BEL in it.
        let text = try String(contentsOfFile: dir + "/vendors.json", encoding: .utf8)
            .replacingOccurrences(of: #""since": "2024-01-01"}"#, with: #""since": "2024-01-01", "x\u001b[2Jy": 1, "status2": "a"}"#)
            .replacingOccurrences(of: #""status": "active""#, with: #""status": "act\u0007ive""#)
        try text.write(toFile: dir + "/vendors.json", atomically: true, encoding: .utf8)
        let out = try Self.output(".describe vendors\nvendors | count\nvendors where name = \"\u{1B}[31m\" and nope = 1", store: dir, format: .table)
        #expect(!out.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(out)")
        #expect(out.contains(#"x\e[2Jy"#), "the unknown field in .describe")
        #expect(out.contains(#"act\aive"#), "the bad value in the warning")
        #expect(out.contains(#"vendors where name = "\e[31m" and nope = 1"#), "the error's echo")
    }

    @Test func csvAndMarkdownFollowTheirFormats() throws {
        let infinite = try Self.output("vendors | select 1e308 * 10 as big, name | limit 1", store: Self.vendorStore(["a"]), format: .csv)
        #expect(infinite == "big,name\r\n,a\r\n", "an infinite number is an empty field, as null is")
        #expect(try Self.output("vendors | count", store: Self.vendorStore(["a"]), format: .csv) == "1\r\n")
        let store = Self.vendorStore([#"two\r\nlines"#, #"cr\ronly"#, #"a\\|b"#, #"*bold* _it_ `code` <b>x</b> [l](u) ~~s~~ &amp;"#])
        let markdown = try Self.output("vendors | select name", store: store, format: .markdown)
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 7, "a line break in a value never splits the row: \(markdown)")
        #expect(lines[2] == "| two<br>lines |" && lines[3] == "| cr<br>only |")
        #expect(lines[4] == #"| a\\\|b |"#, "the backslash is kept, the pipe escaped")
        #expect(lines[5] == #"| \*bold\* \_it\_ \`code\` \<b\>x\</b\> \[l\](u) \~\~s\~\~ \&amp; |"#)
    }

    @Test func simulationJSONHasFifteenDigits() throws {
        let json = try Fixture.transcript(".mode json\nsimulate cost trials 2000")
        let numbers = json.split(whereSeparator: { ",:[]{}\n ".contains($0) }).filter { $0.first?.isNumber == true || $0.first == "-" }
        #expect(!numbers.isEmpty)
        for n in numbers {
            #expect(n.filter(\.isNumber).drop { $0 == "0" }.count <= 15, "\(n)")
        }
    }
}

/// Wide results never wrap (issue 9, item 16; SPEC §4): text is cut to a floor,
/// headers like cells, ids, dates and numbers never; what still does not fit is
/// left out and named, or shown one record per block with `.expanded auto`.
@Suite struct WideResultTests {
    static func onTerminal(_ source: String, width: Int) throws -> String {
        let out = Output()
        let session = Session(store: try Fixture.store(), write: out.append, writeError: out.append)
        session.terminalWidth = { width }
        session.run(source)
        return out.text
    }

    @Test(arguments: [("vendors where on_time < 95% | order by spend desc | limit 5", 120), ("vendors | limit 3", 80),
                      ("contracts | limit 3", 80), ("kpis | select contract.vendor.name, metric, target, misses | limit 3", 40)])
    func noLineIsWiderThanTheTerminal(_ statement: String, _ width: Int) throws {
        let text = try Self.onTerminal(statement, width: width)
        let table = text.split(separator: "\n").filter { "┌│├└".contains($0.first!) }
        #expect(!table.isEmpty)
        for line in table { #expect(TextWidth.of(String(line)) <= width, "\(text)") }
        // Ids and dates whole.
        let ids = try Fixture.transcript(".mode csv\n" + statement).split(separator: "\r\n").dropFirst().map { $0.split(separator: ",").first! }
        for id in ids where id.hasPrefix("V-") || id.hasPrefix("C-") || id.hasPrefix("K-") { #expect(text.contains(id), "\(id) cut: \(text)") }
        #expect(!text.contains(where: { $0 == "…" }) || !text.contains("-…"), "an id is never cut")
    }

    @Test func columnsThatDoNotFitAreNamed() throws {
        let text = try Self.onTerminal("vendors | limit 3", width: 80)
        #expect(text.contains("left out to fit the width: "), "\(text)")
        let header = text.split(separator: "\n")[1]
        #expect(header.contains("id") && text.contains("2021-04-20") || text.contains("since"), "\(text)")
        let named = text.split(separator: "\n").last { $0.contains("left out") }!
        for column in ["rating", "headcount", "certifications"] where !header.contains(column) {
            #expect(named.contains(column), "\(column) is neither shown nor named: \(text)")
        }
    }

    @Test func headersAreShortenedLikeCells() throws {
        let text = try Self.onTerminal("contracts | select id, change_request_cost, expected_change_requests | limit 2", width: 40)
        #expect(text.split(separator: "\n")[1].filter { $0 == "…" }.count == 2 && text.contains("change_") && text.contains("expected_"), "\(text)")
        #expect(!text.contains("left out"), "shortened headers make room: \(text)")
    }

    @Test func expandedShowsOneRecordPerBlock() throws {
        let auto = try Self.onTerminal(".expanded auto\nvendors | limit 2\nvendors | select id | limit 1", width: 60)
        #expect(auto.contains("-[ RECORD 1 ]") && auto.contains("-[ RECORD 2 ]"), "\(auto)")
        #expect(auto.contains("certifications | "), "every column is shown")
        #expect(auto.contains("┌────────┐"), "a table that fits stays a table")
        for line in auto.split(separator: "\n") { #expect(TextWidth.of(String(line)) <= 60) }
        let on = try Self.onTerminal(".expanded on\nvendors | select id | limit 1", width: 60)
        #expect(on.hasPrefix("-[ RECORD 1 ]") && on.contains("id | V-0001"), "\(on)")
        #expect(try Self.onTerminal(".expanded sideways", width: 60).contains("unknown expanded setting 'sideways'"))
    }
}

/// One number style per screen (issue 9, item 17): counts and amounts in prose
/// and simulations have thousands separators; `.vars` shows each value as it reads.
@Suite struct NumberStyleTests {
    /// Runs of four or more digits with no separator (a seed aside).
    static func ungrouped(_ text: String) -> [String] {
        let scalars = Array(text.replacingOccurrences(of: #"seed \d+"#, with: "seed", options: .regularExpression).unicodeScalars)
        var found: [String] = [], i = 0
        while i < scalars.count {
            guard CharacterSet.decimalDigits.contains(scalars[i]) else { i += 1; continue }
            let start = i
            while i < scalars.count, CharacterSet.decimalDigits.contains(scalars[i]) { i += 1 }
            let after = i < scalars.count ? scalars[i] : " "
            let before = start > 0 ? scalars[start - 1] : " "
            // Ids (C-00005, R-00045) are names, not numbers.
            if i - start >= 4, before != ",", before != ".", before != "-", after != ",", after != "." { found.append(String(String.UnicodeScalarView(scalars[start..<i]))) }
        }
        return found
    }

    @Test func simulationsAndSummariesGroupEveryNumber() throws {
        let text = try Fixture.transcript("simulate cost trials 2000\nsimulate cost of \"C-00005\" with discount = 5% trials 2000\nsimulate risk trials 2000")
        #expect(Self.ungrouped(text).isEmpty, "\(Self.ungrouped(text)) in \(text)")
        #expect(text.contains("2,000 trials"))
    }

    @Test func varsShowEachValueAsItReads() throws {
        let text = try Fixture.transcript("let t = 0.9\nparam top = 25\n.vars")
        #expect(text.contains("│ $top │ 25    │") && text.contains("│ t    │ 0.9   │"), "\(text)")
    }
}
