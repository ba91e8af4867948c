import Foundation
import Testing
@testable import VQGenerator
@testable import VQJSON
@testable import VQModel
@testable import VQPostgres
@testable import VQSession
@testable import VQStore
@testable import VQSupport

/// The server the PostgreSQL tests use: `scripts/test` starts a throwaway
/// cluster (scripts/postgres), exports its PG* variables and sets
/// VQ_TEST_POSTGRES. Each test makes databases of its own in it.
enum PostgresFixture {
    static var available: Bool { ProcessInfo.processInfo.environment["VQ_TEST_POSTGRES"] != nil }

    /// A new empty database; its URL (host and port from the PG* variables).
    static func newDatabase() throws -> String {
        let name = "vq_t_" + UUID().uuidString.prefix(13).lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try Connection("dbname=postgres", shownAs: "the test server")
        try admin.execute("CREATE DATABASE \(name)")
        return "postgresql:///\(name)"
    }

    /// A database holding a copy of a store directory.
    static func copy(of directory: String) throws -> String {
        let url = try newDatabase()
        _ = try StoreCopy.copy(from: directory, to: url)
        return url
    }

    /// The test store, copied in once per run.
    static let fixture: Result<String, StoreError> = Result { () throws(StoreError) -> String in
        do { return try copy(of: Fixture.storePath) } catch let e as StoreError { throw e } catch { throw StoreError("\(error)") }
    }

    /// A connection of the test's own, to look at or get in the way of vq's.
    static func connect(_ url: String) throws -> Connection { try Connection(url, shownAs: url) }

    static func session(_ url: String, user: String? = nil) throws -> (Session, Output) {
        let out = Output()
        let database = try PostgresDatabase(url, user: user)
        let session = Session(store: try Store(database: database, today: Fixture.today), write: out.append, writeError: out.append)
        return (session, out)
    }

    static var environment: [String: String] { ["VQ_USER": "tester"] }
}

@Suite struct PostgresRequirementTests {
    /// Where scripts/test runs, the server must be there: the tests below are not to be skipped quietly.
    @Test func theServerIsThereWhenRequired() {
        if ProcessInfo.processInfo.environment["VQ_REQUIRE_TOOLS"] != nil {
            #expect(PostgresFixture.available, "no PostgreSQL server for the tests: run them with scripts/test, which starts one")
        }
    }
}

/// What needs no server: `vq copy` between two directories or two databases is a usage error.
@Suite struct CopyUsageTests {
    @Test(arguments: [(Fixture.storePath, "/tmp/somewhere", "use cp -r"), ("postgresql:///a", "postgresql:///b", "copy it out to a directory")])
    func copyGoesBetweenADirectoryAndADatabase(_ source: String, _ destination: String, _ advice: String) throws {
        let run = try Fixture.vq(["copy", source, destination])
        #expect(run.status == 2)
        #expect(run.stderr.contains(advice), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/somewhere"))
    }
}

@Suite(.enabled(if: PostgresFixture.available)) struct PostgresTests {
    // MARK: the same answers as on files

    /// Every golden transcript, run on the database copy of its store, gives its file's output exactly.
    @Test(arguments: GoldenTests.scripts)
    func goldenTranscriptOnADatabase(_ name: String) throws {
        let url = try PostgresFixture.fixture.get()
        let script = GoldenTests.directory.appendingPathComponent(name)
        let expected = try String(contentsOf: script.deletingPathExtension().appendingPathExtension("out"), encoding: .utf8)
        let (session, out) = try PostgresFixture.session(url)
        session.run(try String(contentsOf: script, encoding: .utf8), origin: name, keepGoing: true)
        #expect(out.text == expected, "\(name) on PostgreSQL differs from its transcript")
        if out.text != expected {
            let a = out.text.split(separator: "\n", omittingEmptySubsequences: false), e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            if let i = zip(a, e).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                Issue.record("first difference at line \(i + 1):\n  got:      \(a[i])\n  expected: \(e[i])")
            }
        }
    }

    /// Every output mode gives the same bytes from both kinds of store, simulations included.
    @Test(arguments: ["table", "csv", "json", "jsonl", "markdown", "line"])
    func outputModesAgree(_ format: String) throws {
        let url = try PostgresFixture.fixture.get()
        let statements = ["vendors where on_time < 95% | order by spend desc | limit 5", "contracts | group by vendor.category | select vendor.category, count(), sum(value)",
                          #"simulate cost of "C-00003" with discount = 5%"#, "kpis | order by id | limit 3"]
        for s in statements {
            let files = try Fixture.vq(["--store", Fixture.storePath, "--format", format, "-c", s])
            let database = try Fixture.vq(["--store", url, "--format", format, "-c", s])
            #expect(database.status == 0, "\(database.stderr)")
            #expect(database.stdout == files.stdout, "\(s) in \(format)")
        }
    }

    // MARK: vq copy

    /// A generated store goes in and comes back out byte for byte.
    @Test func aGeneratedStoreComesBackByteForByte() throws {
        let url = try PostgresFixture.copy(of: Fixture.storePath)
        let back = Fixture.temporaryDirectory() + "/back"
        let run = try Fixture.vq(["copy", url, back])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("copied "))
        for file in try FileManager.default.contentsOfDirectory(atPath: Fixture.storePath) where file.hasSuffix(".json") {
            #expect(FileManager.default.contents(atPath: back + "/" + file) == FileManager.default.contents(atPath: Fixture.storePath + "/" + file),
                    "\(file) changed on the way")
        }
    }

    /// Records the typed columns cannot hold as they are (unknown fields, nulls, numbers
    /// written another way, wrong types, keys in another order, NUL and control characters,
    /// impossible dates) come back as the same records.
    @Test func everyOddRecordComesBackTheSame() throws {
        let dir = Fixture.temporaryDirectory()
        let vendors = #"""
        [
          {"id": "V-1", "name": "Plain", "category": "software", "country": "DE", "status": "active", "rating": 4.5, "headcount": 10, "certifications": [], "since": "2020-01-01"},
          {"name": "Keys first", "id": "V-2", "rating": 1.50, "headcount": 1e3, "crm": {"tier": 2, "tags": ["a", "b"]}, "legacy_code": null},
          {"id": "V-3", "name": "Nul \u0000 and\ttab\nline \\ back", "rating": "high", "headcount": -0, "since": "2021-02-30", "notes": null},
          {"id": "V-4", "name": "Wide", "rating": 12345678901234567890.123, "headcount": 12.0, "certifications": "ISO", "since": 20200101, "status": true},
          {"id": "V-5", "id": "V-5b", "name": "Repeated key", "category": "software"},
          {"id": "V-6", "name": "Chinese 顺丰 and emoji 😀", "country": "CN", "headcount": 123456789012345678901}
        ]

        """#
        try vendors.write(toFile: dir + "/vendors.json", atomically: true, encoding: .utf8)
        try #"[{"kpi": "K-1", "period": "2024-13", "actual": 0.5}, {"kpi": "K-1", "period": "2024-01", "actual": -0.0}]"#
            .write(toFile: dir + "/measurements.json", atomically: true, encoding: .utf8)
        try #"{"currency": "EUR", "other": [1, 2]}"#.write(toFile: dir + "/settings.json", atomically: true, encoding: .utf8)
        let url = try PostgresFixture.copy(of: dir)
        let back = Fixture.temporaryDirectory() + "/back"
        _ = try StoreCopy.copy(from: url, to: back)
        for file in ["vendors.json", "measurements.json"] {
            let before = try JSONReader.parse(bytes: Array(FileManager.default.contents(atPath: dir + "/" + file)!))
            let after = try JSONReader.parse(bytes: Array(FileManager.default.contents(atPath: back + "/" + file)!))
            #expect(before == after, "\(file) came back different")
            // Number texts are kept too (`==` on numbers compares their text).
            if case .array(let b) = before, case .array(let a) = after {
                for (x, y) in zip(b, a) { #expect(JSONWriter.string(x) == JSONWriter.string(y)) }
            }
        }
        #expect(FileManager.default.contents(atPath: back + "/settings.json") == FileManager.default.contents(atPath: dir + "/settings.json"))
        // The store's problems read the same from both.
        let script = "vendors | count\nmeasurements | count\n.problems\n"
        let fromFiles = try Fixture.transcript(script, store: dir)
        let (session, out) = try PostgresFixture.session(url)
        session.run(script, origin: "test.vq", keepGoing: true)
        #expect(fromFiles.contains("6"))
        #expect(out.text == fromFiles)
    }

    /// Copying into a database that holds a store already is refused, and changes nothing.
    @Test func copyRefusesADatabaseThatHoldsAStore() throws {
        let url = try PostgresFixture.copy(of: Fixture.storePath)
        let run = try Fixture.vq(["copy", Fixture.storePath, url])
        #expect(run.status == 3)
        #expect(run.stderr.contains("already holds a vq store"))
        let out = Fixture.temporaryDirectory()
        try "x".write(toFile: out + "/file", atomically: true, encoding: .utf8)
        let intoFull = try Fixture.vq(["copy", url, out])
        #expect(intoFull.status == 3)
        #expect(intoFull.stderr.contains("not an empty directory"))
    }

    // MARK: writes

    /// N processes each adding 1 M times to one record lose none of the N × M.
    @Test func concurrentIncrementsAreNeverLost() throws {
        let url = try PostgresFixture.copy(of: Fixture.storePath)
        let processes = 4, increments = 15
        let script = Fixture.temporaryDirectory() + "/inc.vq"
        try String(repeating: #"update vendors set headcount = headcount + 1 where id = "V-0002";"# + "\n", count: increments)
            .write(toFile: script, atomically: true, encoding: .utf8)
        func headcount() throws -> Int {
            let run = try Fixture.vq(["--store", url, "--format", "csv", "-c", #"vendors where id = "V-0002" | select headcount"#])
            let lines = run.stdout.split(whereSeparator: \.isNewline)
            return try #require(lines.count == 2 ? Int(lines[1]) : nil, "\(run.stdout)\(run.stderr)")
        }
        let before = try headcount()
        let group = DispatchGroup()
        let statuses = ResultSlots<Int32>(count: processes)
        for p in 0..<processes {
            group.enter()
            DispatchQueue.global().async {
                let run = try? Fixture.vq(["--store", url, script], environment: ["VQ_USER": "writer\(p)"])
                if let run, run.status != 0 { Issue.record("writer \(p): \(run.stderr)") }
                statuses.set(p, run?.status ?? -1)
                group.leave()
            }
        }
        group.wait()
        #expect(statuses.take().allSatisfy { $0 == 0 })
        #expect(try headcount() - before == processes * increments)
        let audited = try PostgresFixture.connect(url).execute("SELECT count(*), count(DISTINCT who) FROM vq.changes")
        #expect(audited[0, 0] == String(processes * increments))
        #expect(audited[0, 1] == String(processes))
    }

    /// A shell that read the store sees another's commit at its next statement,
    /// and a change it makes then is planned on the new data.
    @Test func aStaleShellSeesAnothersCommit() throws {
        let url = try PostgresFixture.copy(of: Fixture.storePath)
        let (a, out) = try PostgresFixture.session(url)
        a.run("vendors | count", origin: nil)
        let (b, _) = try PostgresFixture.session(url)
        b.run(#"insert into vendors {id: "V-9001", name: "New Co", category: "software", country: "DE", status: "prospect", rating: 3, headcount: 5, certifications: [], since: "2025-01-01"}"#, origin: nil)
        b.run(#"update vendors set headcount = 100 where id = "V-0001""#, origin: nil)
        out.clear()
        a.run("vendors | count", origin: nil)
        #expect(out.text.contains("31"), "\(out.text)")
        out.clear()
        a.run(#"update vendors set headcount = headcount + 1 where id = "V-0001""#, origin: nil)
        a.run(#"vendors where id = "V-0001" | select headcount"#, origin: nil)
        #expect(out.text.contains("101"), "\(out.text)")
    }

    /// vq killed while its transaction waits half-written leaves the records as they were,
    /// and releases the store's write lock with its connection.
    @Test func killedMidTransactionLeavesTheDatabaseAsItWas() throws {
        let url = try PostgresFixture.copy(of: Fixture.storePath)
        let blocker = try PostgresFixture.connect(url)
        // vq writes its rows, then its audit rows: holding the audit table stops it in between.
        try blocker.execute("BEGIN; LOCK TABLE vq.audit IN ACCESS EXCLUSIVE MODE")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Fixture.binary)
        process.arguments = ["--store", url, "-c", "update vendors set headcount = headcount + 1000"]
        process.environment = Fixture.environment
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        var waiting = false
        for _ in 0..<1200 where !waiting && process.isRunning {
            usleep(50_000)
            // Within a transaction the server keeps showing the activity it showed first, unless told to look again.
            let rows = try blocker.execute("""
                SELECT pg_stat_clear_snapshot(); SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'COPY vq.audit%'
                """)
            waiting = rows[0, 0] == "1"
        }
        if !waiting {
            let activity = try blocker.execute("""
                SELECT pid || ' ' || state || ' ' || coalesce(wait_event_type, '-') || '/' || coalesce(wait_event, '-') || ' blocked by '
                       || pg_blocking_pids(pid)::text || ' (' || coalesce(backend_type, '') || ', ' || coalesce(datname, '') || '): ' || left(query, 60)
                       || ' waiting for ' || coalesce((SELECT string_agg(locktype || ' ' || coalesce(relation::regclass::text, '') || ' ' || mode, ', ')
                                                      FROM pg_locks l WHERE l.pid = a.pid AND NOT granted), 'nothing')
                FROM pg_stat_activity a WHERE datname = current_database() OR cardinality(pg_blocking_pids(pid)) > 0 OR backend_type <> 'client backend'
                """)
            let seen = (0..<activity.count).compactMap { activity[$0, 0] }.joined(separator: "; ")
            let pid = process.processIdentifier
            let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            let where_ = threads.map { t in (try? String(contentsOfFile: "/proc/\(pid)/task/\(t)/wchan", encoding: .utf8)) ?? "?" }.joined(separator: ",")
            let said = process.isRunning ? "vq's threads wait in: \(where_)" : String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            Issue.record("vq never reached its audit rows: \(seen) \(said)")
        }
        let halfWritten = try blocker.execute("SELECT pg_stat_clear_snapshot(); SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' OR wait_event_type = 'Lock'")
        #expect(halfWritten[0, 0] != "0")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try blocker.execute("COMMIT")
        let files = try Fixture.vq(["--store", Fixture.storePath, "--format", "csv", "-c", "vendors | select id, headcount"])
        let database = try Fixture.vq(["--store", url, "--format", "csv", "-c", "vendors | select id, headcount"])
        #expect(database.stdout == files.stdout)
        #expect(try blocker.execute("SELECT count(*) FROM vq.changes")[0, 0] == "0")
        // The lock went with the connection: the next writer goes ahead.
        let next = try Fixture.vq(["--store", url, "-c", #"update vendors set headcount = 1 where id = "V-0001""#])
        #expect(next.status == 0, "\(next.stderr)")
    }

    // MARK: audit and undo

    /// Each change is in the audit trail with who, when, the statement and each record
    /// before and after; undo puts the records back from it, and is itself audited.
    @Test func theAuditTrailAndUndoFromIt() throws {
        let url = try PostgresFixture.copy(of: Fixture.storePath)
        let (session, out) = try PostgresFixture.session(url, user: "alice")
        session.run(#"update vendors set headcount = headcount + 5, notes = "checked" where id = "V-0001""#, origin: nil)
        session.run(#"delete from risks where id = "R-00001""#, origin: nil)
        session.run(#"insert into vendors {id: "V-9002", name: "Added", category: "software", country: "DE", status: "prospect", rating: 3, headcount: 5, certifications: [], since: "2025-01-01"}"#, origin: nil)
        out.clear()
        session.run(".audit 3", origin: nil)
        let audit = out.text
        #expect(audit.contains("alice"))
        #expect(audit.contains("insert") && audit.contains("V-9002"))
        #expect(audit.contains("delete") && audit.contains("R-00001"))
        #expect(audit.contains("update") && audit.contains("headcount: 689 → 694"), "\(audit)")
        #expect(audit.contains(#"notes: "Renewal due" → "checked""#), "\(audit)")
        #expect(audit.contains(#"delete from risks where id = "R-00001""#))
        let rows = try PostgresFixture.connect(url).execute("SELECT a.before::text, a.after::text, c.who FROM vq.audit a JOIN vq.changes c USING (change) WHERE a.record = 'V-0001'")
        #expect(rows.count == 1)
        #expect(rows[0, 0]?.contains(#""headcount": 689"#) == true && rows[0, 1]?.contains(#""headcount": 694"#) == true)
        #expect(rows[0, 2] == "alice")
        for _ in 0..<3 { session.run("undo", origin: nil) }
        let files = try Fixture.vq(["--store", Fixture.storePath, "--format", "json", "-c", "vendors", "-c", "risks"])
        let database = try Fixture.vq(["--store", url, "--format", "json", "-c", "vendors", "-c", "risks"])
        #expect(database.stdout == files.stdout)
        let undos = try PostgresFixture.connect(url).execute("SELECT count(*) FROM vq.changes WHERE undoes IS NOT NULL")
        #expect(undos[0, 0] == "3")
    }

    /// A cascade and an import are each one transaction, change what they do on files, and undo whole.
    @Test func aCascadeAndAnImportAreOneChangeEach() throws {
        let url = try PostgresFixture.copy(of: Fixture.storePath)
        let dir = Fixture.temporaryDirectory()
        for file in try FileManager.default.contentsOfDirectory(atPath: Fixture.storePath) {
            try FileManager.default.copyItem(atPath: Fixture.storePath + "/" + file, toPath: dir + "/" + file)
        }
        let csv = dir + "/month.csv"
        try "kpi,period,actual\nK-000001,2031-01,0.5\nK-000001,2023-08,0.25\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let statements = [#"delete from vendors where id = "V-0003" cascade"#, #"import into measurements from "\#(csv)" on conflict update"#]
        let look = ["--format", "json", "-c", "vendors | count", "-c", "contracts | count", "-c", "kpis | count", "-c", "measurements | order by kpi, period | limit 20"]
        let before = try Fixture.vq(["--store", url] + look).stdout
        for statement in statements {
            let onFiles = try Fixture.vq(["--store", dir, "-c", statement])
            let onDatabase = try Fixture.vq(["--store", url, "-c", statement])
            #expect(onDatabase.status == 0, "\(onDatabase.stderr)")
            #expect(onDatabase.stdout == onFiles.stdout)
            #expect(try Fixture.vq(["--store", url] + look).stdout == (try Fixture.vq(["--store", dir] + look).stdout))
        }
        let changes = try PostgresFixture.connect(url).execute("SELECT count(*), count(DISTINCT a.collection) FROM vq.changes c JOIN vq.audit a USING (change)")
        #expect(Int(changes[0, 0] ?? "") ?? 0 > 2)
        let (session, out) = try PostgresFixture.session(url)
        session.run(#"delete from vendors where id = "V-0004" cascade"#, origin: nil)
        session.run("undo", origin: nil)
        #expect(out.text.contains("undone"), "\(out.text)")
        #expect(try Fixture.vq(["--store", url] + look).stdout == (try Fixture.vq(["--store", dir] + look).stdout))
        #expect(before != (try Fixture.vq(["--store", url] + look).stdout))
    }

    /// Undo refuses when someone else changed those records since, names who, and changes nothing.
    @Test func undoRefusesWhenAnotherChangedTheRecordSince() throws {
        let url = try PostgresFixture.copy(of: Fixture.storePath)
        let (alice, out) = try PostgresFixture.session(url, user: "alice")
        alice.run(#"update vendors set headcount = 1 where id = "V-0001""#, origin: nil)
        let bob = try Fixture.vq(["--store", url, "-c", #"update vendors set headcount = 2 where id = "V-0001""#], environment: ["VQ_USER": "bob"])
        #expect(bob.status == 0)
        out.clear()
        let ok = alice.run("undo", origin: nil)
        #expect(!ok)
        #expect(out.text.contains("cannot undo"), "\(out.text)")
        #expect(out.text.contains("V-0001") && out.text.contains("by bob"), "\(out.text)")
        out.clear()
        alice.run(#"vendors where id = "V-0001" | select headcount"#, origin: nil)
        #expect(out.text.contains("2"))
    }

    // MARK: errors

    /// A server that cannot be reached, a refused login, and a database without
    /// (or with an older) schema each exit 3 with libpq's reason and what to do.
    @Test func theThreeErrorsExit3WithTheReason() throws {
        let unreachable = try Fixture.vq(["--store", "postgresql:///x?host=/nonexistent-socket-dir", "-c", "vendors | count"])
        #expect(unreachable.status == 3)
        #expect(unreachable.stderr.contains("No such file or directory"), "\(unreachable.stderr)")
        #expect(unreachable.stderr.contains("check that the server is running"))

        let login = try Fixture.vq(["--store", "postgresql://no_such_role_vq@/postgres", "-c", "vendors | count"])
        #expect(login.status == 3)
        #expect(login.stderr.contains(#"role "no_such_role_vq" does not exist"#), "\(login.stderr)")
        #expect(login.stderr.contains("check the user name and password"))

        let empty = try PostgresFixture.newDatabase()
        let noSchema = try Fixture.vq(["--store", empty, "-c", "vendors | count"])
        #expect(noSchema.status == 3)
        #expect(noSchema.stderr.contains("holds no vq store") && noSchema.stderr.contains("vq copy DIR"), "\(noSchema.stderr)")

        let old = try PostgresFixture.copy(of: Fixture.storePath)
        try PostgresFixture.connect(old).execute("UPDATE vq.meta SET schema_version = 0")
        let older = try Fixture.vq(["--store", old, "-c", "vendors | count"])
        #expect(older.status == 3)
        #expect(older.stderr.contains("older vq"), "\(older.stderr)")

        let opened = try Fixture.vq(["--store", Fixture.storePath, "-c", ".open \(empty)"])
        #expect(opened.status == 1)
        #expect(opened.stderr.contains("holds no vq store"))
    }

    /// A password in the URL is never shown.
    @Test func aPasswordIsNotShown() {
        #expect(PostgresDatabase.shown("postgresql://alice:s3cret@db.example:5432/vq") == "postgresql://alice@db.example:5432/vq")
        #expect(PostgresDatabase.shown("postgresql://db.example/vq?password=s3cret&sslmode=require") == "postgresql://db.example/vq?sslmode=require")
        #expect(PostgresDatabase.shown("host=db password='s3 cret' dbname=vq") == "host=db dbname=vq")
        #expect(PostgresDatabase.shown("postgresql:///vq") == "postgresql:///vq")
    }
}

@Suite struct RowCodecTests {
    /// Exactly the decimals PostgreSQL's numeric writes back as they were go in the typed column.
    @Test(arguments: [("0", true), ("1.50", true), ("-2.25", true), ("-0", false), ("-0.00", false), ("1e6", false), ("01", false),
                      ("1.", false), (".5", false), ("12", true)])
    func plainDecimals(_ text: String, _ plain: Bool) {
        #expect(ColumnKind.isPlainDecimal(text, fractionAllowed: true) == plain)
    }
}
