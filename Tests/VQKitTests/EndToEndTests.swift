import Foundation
import Testing
@testable import VQGenerator
@testable import VQModel
@testable import VQSession
@testable import VQStore
@testable import VQSupport

/// Runs the built `vq` binary as a user would: exit codes, standard input,
/// output formats, parameters, the default store, and every saved example.
@Suite(.serialized) struct EndToEndTests {
    let store = ["--store", Fixture.storePath]

    @Test func commandSucceeds() throws {
        let run = try Fixture.vq(store + ["-c", "vendors | count"])
        #expect(run.status == 0)
        #expect(run.stdout == "30\n")
        #expect(run.stderr.isEmpty)
    }

    @Test func scriptStopsAtFirstErrorWithExitOne() throws {
        let dir = Fixture.temporaryDirectory()
        try "vendors | count\nvendors where ontime < 1\nkpis | count\n".write(toFile: dir + "/s.vq", atomically: true, encoding: .utf8)
        let run = try Fixture.vq(store + [dir + "/s.vq"])
        #expect(run.status == 1)
        #expect(run.stdout == "30\n", "the statement after the error must not run")
        #expect(run.stderr.contains("s.vq:2:15: error: unknown field 'ontime' on vendors — did you mean 'on_time'?"), "\(run.stderr)")
        let going = try Fixture.vq(store + ["--keep-going", dir + "/s.vq"])
        #expect(going.status == 1)
        #expect(going.stdout.hasPrefix("30\n") && going.stdout.split(separator: "\n").count == 2)
    }

    @Test(arguments: [["--format", "xml"], ["--bogus"], ["--maxrows", "x"], ["--set", "novalue"], ["--set", "1x=3"], ["a.vq", "b.vq"]])
    func usageErrorsExitTwo(_ arguments: [String]) throws {
        let run = try Fixture.vq(store + arguments)
        #expect(run.status == 2)
        #expect(run.stderr.contains("usage: vq"))
    }

    @Test func filesThatCannotBeUsedSayWhy() throws {
        let dir = Fixture.temporaryDirectory()
        let missing = try Fixture.vq(store + [dir + "/nope.vq"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "vq: cannot read '\(dir)/nope.vq': no such file\n")
        let directory = try Fixture.vq(store + [dir])
        #expect(directory.stderr == "vq: cannot read '\(dir)': it is a directory\n")
        let statements = ".read \(dir)\n.output \(dir)/no/such/dir/out.csv\nvendors | count\n"
        let meta = try Fixture.vq(store + ["--keep-going"], stdin: statements)
        #expect(meta.stderr.contains("error: cannot read '\(dir)': it is a directory"), "\(meta.stderr)")
        #expect(meta.stderr.contains("error: cannot write to '\(dir)/no/such/dir/out.csv': No such file or directory"))
        #expect(meta.stdout == "30\n", "output stays on the terminal")
    }

    /// `vq -c` whose output is a terminal fits tables to it and styles them, as
    /// the shell does (and DuckDB's shell); the same command piped stays plain.
    @Test func commandOnATerminalFitsItsWidth() throws {
        let statement = "vendors | select name, country, notes, certifications, spend | limit 3"
        func onTerminal(_ environment: String) throws -> String {
            let out = Fixture.temporaryDirectory() + "/out"
            // script(1) gives vq a pseudo-terminal; with no size set, COLUMNS gives the width.
            let command = "\(environment) VQ_TODAY=2025-06-30 COLUMNS=60 \(Fixture.binary) --store \(Fixture.storePath) -c '\(statement)'"
            #expect(Fixture.spawnAndWait(["script", "-qec", command, "/dev/null"], outputFile: out) == 0)
            return try String(contentsOfFile: out, encoding: .utf8).replacingOccurrences(of: "\r\n", with: "\n")
        }
        let plain = try onTerminal("NO_COLOR=1")
        let lines = plain.split(separator: "\n").map(String.init).filter { "┌│├└".contains($0.first ?? " ") }
        let widths = Set(lines.map(TextWidth.of))
        #expect(lines.count == 7 && widths.count == 1 && widths.first! <= 60, "\(plain)")
        #expect(!plain.contains("\u{1B}["))
        #expect(try onTerminal("NO_COLOR=").contains("\u{1B}[1mname\u{1B}[0m"), "bold headers on a terminal")
        let piped = try Fixture.vq(store + ["-c", statement], environment: ["COLUMNS": "60"])
        #expect(piped.stdout.split(separator: "\n").contains { TextWidth.of(String($0)) > 60 }, "a pipe gets the whole table")
        #expect(!piped.stdout.contains("\u{1B}["))
    }

    @Test func badTodayIsAUsageError() throws {
        let run = try Fixture.vq(store + ["-c", "vendors | select today() | limit 1"], environment: ["VQ_TODAY": "2025-02-30"])
        #expect(run.status == 2)
        #expect(run.stderr == "vq: VQ_TODAY must be a date (YYYY-MM-DD), not '2025-02-30'\n")
        #expect(run.stdout.isEmpty)
    }

    @Test func readOnlyAndTheDemoStoreRefuseChanges() throws {
        let path = try MutationTests.copyOfStore()
        let before = MutationTests.snapshot(path)
        let readOnly = try Fixture.vq(["--store", path, "--read-only", "-c", "delete from risks"])
        #expect(readOnly.status == 1)
        #expect(readOnly.stderr.contains("read-only (--read-only); nothing was changed"))
        #expect(MutationTests.snapshot(path) == before)
        // No --store and no ./store: the bundled demo store, which stays as shipped.
        let demo = try Fixture.vq(["-c", "delete from risks"], directory: Fixture.temporaryDirectory())
        #expect(demo.status == 1)
        #expect(demo.stderr.contains("the bundled demo store is read-only") && demo.stderr.contains("vq generate"))
    }

    @Test func unopenableStoreExitsThree() throws {
        let run = try Fixture.vq(["--store", "/nonexistent/vq-store", "-c", "vendors | count"])
        #expect(run.status == 3)
        #expect(run.stderr.contains("cannot open store '/nonexistent/vq-store': no such directory"))
    }

    @Test func readsStatementsFromStandardInput() throws {
        let run = try Fixture.vq(store, stdin: "vendors | count\nlet n = 2\nvendors | select id | order by id | limit $n\n")
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("30\n┌"))
        #expect(run.stdout.contains("V-0002"))
        let bad = try Fixture.vq(store, stdin: "vendors | count\nnope\n")
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("<stdin>:2:1: error: unknown collection or variable 'nope'"))
    }

    @Test func jsonOutputIsMachineReadable() throws {
        let run = try Fixture.vq(store + ["--format", "json", "-c", "vendors | select id, rating, since | order by id | limit 2", "-c", "vendors | count"])
        #expect(run.status == 0)
        let parts = run.stdout.components(separatedBy: "]\n")
        let rows = try JSONSerialization.jsonObject(with: Data((parts[0] + "]").utf8)) as! [[String: Any]]
        #expect(rows.count == 2)
        #expect(rows[0]["id"] as? String == "V-0001")
        #expect(rows[0]["since"] is String)
        #expect(parts[1] == "30\n")
    }

    @Test func parametersFromTheCommandLine() throws {
        let dir = Fixture.temporaryDirectory()
        try "param n = 1\nvendors | select id | order by id | limit $n\n".write(toFile: dir + "/p.vq", atomically: true, encoding: .utf8)
        let defaulted = try Fixture.vq(store + ["--format", "csv", dir + "/p.vq"])
        #expect(defaulted.stdout == "id\r\nV-0001\r\n")
        let set = try Fixture.vq(store + ["--format", "csv", "--set", "n=2", dir + "/p.vq"])
        #expect(set.stdout == "id\r\nV-0001\r\nV-0002\r\n")
    }

    @Test func readRunsScriptsRelativeToTheReader() throws {
        let dir = Fixture.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/lib", withIntermediateDirectories: true)
        try ".read inner.vq\n".write(toFile: dir + "/lib/outer.vq", atomically: true, encoding: .utf8)
        try "kpis | count\n".write(toFile: dir + "/lib/inner.vq", atomically: true, encoding: .utf8)
        let run = try Fixture.vq(store + ["-c", ".read " + dir + "/lib/outer.vq"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Int(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 0)
    }

    @Test func defaultStoreIsLocalStoreElseTheDemo() throws {
        let empty = Fixture.temporaryDirectory()
        let demo = try Fixture.vq(["-c", "vendors | count"], directory: empty)
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect(demo.stdout == "\(DemoStore.vendors)\n")
        let local = Fixture.temporaryDirectory()
        try FileManager.default.copyItem(atPath: Fixture.storePath, toPath: local + "/store")
        let run = try Fixture.vq(["-c", "vendors | count"], directory: local)
        #expect(run.stdout == "30\n")
    }

    @Test func generatorIsDeterministic() throws {
        let a = Fixture.temporaryDirectory(), b = Fixture.temporaryDirectory(), c = Fixture.temporaryDirectory()
        #expect(try Fixture.vq(["generate", "--vendors", "5", "--seed", "3", "--today", "2025-06-30", a]).status == 0)
        #expect(try Fixture.vq(["generate", "--vendors", "5", "--seed", "3", "--today", "2025-06-30", b]).status == 0)
        #expect(try Fixture.vq(["generate", "--vendors", "5", "--seed", "4", c]).status == 0)
        for file in CollectionName.allCases.map(\.fileName) + [StoreSettings.fileName] {
            let x = FileManager.default.contents(atPath: a + "/" + file)
            #expect(x != nil && x == FileManager.default.contents(atPath: b + "/" + file), "\(file)")
        }
        #expect(try Fixture.vq(["generate", "--vendors", "5", "--today", "2025-13-01", c]).status == 2)
        #expect(FileManager.default.contents(atPath: a + "/vendors.json") != FileManager.default.contents(atPath: c + "/vendors.json"))
        #expect(try Fixture.vq(["generate", "--vendors", "0", a]).status == 2)
    }

    @Test func generateNeverReplacesAStore() throws {
        let dir = Fixture.temporaryDirectory()
        try "[{\"id\": \"mine\"}]".write(toFile: dir + "/risks.json", atomically: true, encoding: .utf8)
        let run = try Fixture.vq(["generate", "--vendors", "3", dir])
        #expect(run.status == 1)
        #expect(run.stderr.contains("already holds a store (risks.json)"), "\(run.stderr)")
        #expect(try String(contentsOfFile: dir + "/risks.json", encoding: .utf8) == "[{\"id\": \"mine\"}]")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["risks.json"])
        let huge = try Fixture.vq(["generate", "--vendors", "5000000", Fixture.temporaryDirectory() + "/x"])
        #expect(huge.status == 2 && huge.stderr.contains("from 1 to 100000"))
    }

    /// The demo store is made for the day vq starts on: its active contracts run
    /// through it, its measurements and costs reach the month before, and it
    /// reads without a problem. Made once a day, it is then reused as it is.
    @Test func demoStoreIsCurrent() throws {
        let cache = Fixture.temporaryDirectory()
        for day in ["2025-06-30", "2027-02-14"] {
            let today = try #require(Dates.parseDate(day))
            let path = try DemoStore.path(today: today, in: cache)
            #expect(path.hasSuffix("demo-" + day))
            #expect(try DemoStore.path(today: today, in: cache) == path)
            let store = try Store(path: path, today: today)
            for c in CollectionName.allCases { _ = try store.table(c) }
            #expect(store.problems.isEmpty, "\(store.problems)")
            #expect(store.reportingCurrency == Currency("USD"))
            let lastMonth = Dates.format(month: Dates.month(ofDay: today) - 1)
            let output = Output()
            Session(store: store, write: output.append, writeError: output.append).run("""
                contracts where status = "active" and end < today() | count
                contracts where status = "active" | count
                measurements | select max(period)
                costs | select max(period)
                rates | select max(date)
                contracts where budget_currency is not null and budget_currency != currency | count
                """)
            let check = output.text
            let lines = check.split(separator: "\n").map(String.init)
            #expect(lines.first == "0", "\(check)")
            #expect(Int(lines[1]) ?? 0 > 5, "\(check)")
            #expect(check.components(separatedBy: lastMonth).count == 3, "measurements and costs reach \(lastMonth): \(check)")
            #expect(check.contains(Dates.format(day: Dates.firstDay(ofMonth: Dates.month(ofDay: today)))), "\(check)")
            #expect(Int(lines.last ?? "") ?? 0 > 0, "\(check)")
            // Every example script, and the README's examples that look for records, find some.
            for script in Self.examples + ["-c contracts where vendor.name contains \"顺丰\" | count", "-c vendors where name contains \"顺丰\" | count"] {
                let out = Output()
                let session = Session(store: try Store(path: path, today: today), write: out.append, writeError: out.append)
                if script.hasPrefix("-c ") { session.run(String(script.dropFirst(3))) } else { session.run(try String(contentsOfFile: script, encoding: .utf8)) }
                #expect(!out.text.hasPrefix("error: ") && !out.text.contains("\nerror: ") && !out.text.hasSuffix(" 0 rows\n") && !out.text.hasSuffix("\n0 rows\n") && out.text != "0\n",
                        "\(day) \(script): \(out.text)")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache) == ["demo-2027-02-14"], "earlier days' stores are removed")
    }

    static var examples: [String] {
        let dir = Fixture.packageRoot.appendingPathComponent("scripts/examples").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".vq") }.sorted()
            .map { dir + "/" + $0 }
    }

    /// Where an example's expected output is kept: `Golden/examples/NAME.csv`.
    static func golden(_ example: String) -> URL {
        GoldenTests.directory.appendingPathComponent("examples")
            .appendingPathComponent(URL(fileURLWithPath: example).deletingPathExtension().lastPathComponent + ".csv")
    }

    /// Each saved example, run by the built vq on the test store, gives exactly its recorded csv.
    @Test(arguments: examples)
    func exampleScriptRuns(_ path: String) throws {
        let run = try Fixture.vq(store + ["--format", "csv", path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\r\n").count >= 1, "a header at least")
        try GoldenTests.compare(run.stdout, with: Self.golden(path))
    }

    /// Every example has its recorded output, and every recorded output its example.
    @Test func everyExampleIsTested() throws {
        let recorded = Set(((try? FileManager.default.contentsOfDirectory(atPath: GoldenTests.directory.appendingPathComponent("examples").path)) ?? [])
            .filter { $0.hasSuffix(".csv") })
        let expected = Set(Self.examples.map { Self.golden($0).lastPathComponent })
        #expect(!expected.isEmpty)
        #expect(recorded == expected, "examples without output: \(expected.subtracting(recorded)); outputs without an example: \(recorded.subtracting(expected))")
    }
}

/// Statements on a pipe run as soon as they are complete (issue 9, item 19):
/// a program driving vq gets each answer before it sends the next statement.
@Suite struct PipedInputTests {
    @Test func eachStatementIsAnsweredBeforeTheInputEnds() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Fixture.binary)
        process.arguments = ["--store", Fixture.storePath]
        process.environment = Fixture.environment
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 60) { kill(pid, SIGKILL) }
        func answer(to statement: String) -> String {
            input.fileHandleForWriting.write(Data((statement + "\n").utf8))
            var line = Data()
            while line.last != 0x0A, let byte = try? output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty { line += byte }
            return String(decoding: line, as: UTF8.self)
        }
        #expect(answer(to: "vendors | count") == "30\n", "the answer comes while the pipe is still open")
        #expect(answer(to: "kpis where contract.vendor.id = \"V-0001\" | count").hasSuffix("\n"))
        #expect(answer(to: "1 + 1") == "2\n")
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func linesStartingWithAPipeStillContinueAndErrorsNameTheirLine() throws {
        let run = try Fixture.vq(["--store", Fixture.storePath], stdin: "vendors | count\nvendors\n| count\n\nvendors where nope\nkpis | count\n")
        #expect(run.stdout == "30\n30\n")
        #expect(run.stderr.hasPrefix("<stdin>:5:15: error: unknown field 'nope'"), "\(run.stderr)")
        #expect(run.status == 1)
    }
}
