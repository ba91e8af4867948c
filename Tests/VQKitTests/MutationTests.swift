import Foundation
import Testing
@testable import VQModel
@testable import VQSession
@testable import VQStore
@testable import VQSupport

/// insert, update, delete and undo: what they change on disk, what they refuse,
/// and that untouched records come back byte for byte.
struct MutationTests {
    /// A private copy of the fixture store.
    static func copyOfStore() throws -> String {
        let path = Fixture.temporaryDirectory() + "/store"
        try FileManager.default.copyItem(atPath: Fixture.storePath, toPath: path)
        return path
    }

    /// Every file of a store directory with its bytes.
    static func snapshot(_ path: String) -> [String: Data] {
        var out: [String: Data] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
            out[name] = FileManager.default.contents(atPath: path + "/" + name)
        }
        return out
    }

    static let newVendor = """
        insert into vendors {id: "V-0101", name: "顺丰速运", category: "logistics", country: "CN", status: "active",
          rating: 4.5, headcount: 1200, since: "2024-01-01", certifications: ["ISO 9001"]}
        """

    @Test func insertUpdateDeleteUndo() throws {
        let path = try Self.copyOfStore()
        let before = Self.snapshot(path)
        let out = try Fixture.transcript("""
            \(Self.newVendor)
            vendors where id = "V-0101" | select name, rating, certifications
            update vendors set rating = rating - 1, notes = "on probation" where id = "V-0101"
            vendors where id = "V-0101" | select rating, notes
            undo
            undo
            vendors where id = "V-0101" | count
            """, store: path, keepGoing: false)
        #expect(out.contains("inserted 1 record into vendors"))
        #expect(out.contains("顺丰速运") && out.contains("ISO 9001"))
        #expect(out.contains("updated 1 record of vendors"))
        #expect(out.contains("│    3.5 │ on probation │"))
        #expect(out.contains("undone: updated 1 record of vendors"))
        #expect(out.contains("undone: inserted 1 record into vendors"))
        #expect(out.hasSuffix("0\n"))
        #expect(Self.snapshot(path) == before, "undo puts back every byte")
    }

    @Test func deleteNeedsCascadeAndListsWhatGoes() throws {
        let path = try Self.copyOfStore()
        let before = Self.snapshot(path)
        let refused = try Fixture.transcript("delete from vendors where id = \"V-0001\"", store: path)
        #expect(refused.contains("cannot delete") && refused.contains("of contracts refer") && refused.contains("cascade"))
        #expect(Self.snapshot(path) == before)
        let contracts = Fixture.rawRecords("contracts", in: path).filter { $0["vendor"] as? String == "V-0001" }.map { $0["id"] as! String }
        let kpis = Fixture.rawRecords("kpis", in: path).filter { contracts.contains($0["contract"] as! String) }.count
        let out = try Fixture.transcript("delete from vendors where id = \"V-0001\" cascade", store: path)
        #expect(out.contains("deleted 1 record of vendors, and by cascade contracts: \(contracts.count), kpis: \(kpis)"))
        #expect(Fixture.rawRecords("vendors", in: path).count == 29)
        #expect(Fixture.rawRecords("contracts", in: path).allSatisfy { $0["vendor"] as? String != "V-0001" })
        // What is left still validates: no dangling references.
        let store = try Fixture.store(path)
        for c in CollectionName.allCases { _ = try store.table(c) }
        #expect(store.problems.isEmpty, "\(store.problems)")
    }

    /// Bad input is refused with file, record, field and expected vs. found, and changes nothing.
    static let refusals: [(String, String)] = [
        ("update vendors set rating = \"high\" where id = \"V-0002\"", "vendors.json, record 2 (id V-0002), field rating: expected number, found \"high\""),
        ("insert into vendors {id: \"V-0200\", name: \"X\", category: \"other\", country: \"CN\", status: \"active\", rating: 3, headcount: 1, since: \"2024-01-01\", colour: \"red\"}",
         "unknown field 'colour' on vendors"),
        ("insert into vendors {id: \"V-0200\", name: \"X\", category: \"logistic\", country: \"CN\", status: \"active\", rating: 3, headcount: 1, certifications: [], since: \"2024-01-01\"}",
         "field category: expected one of"),
        ("insert into kpis {id: \"K-X\", contract: \"C-99999\", metric: \"on_time\", target: 0.9, direction: \"higher\", weight: 1, penalty: 10}",
         "field contract: no record of contracts has id \"C-99999\""),
        ("insert into vendors {id: \"V-0001\", name: \"X\", category: \"other\", country: \"CN\", status: \"active\", rating: 3, headcount: 1, since: \"2024-01-01\", certifications: []}",
         "field id: duplicate id \"V-0001\""),
        ("insert into vendors {id: \"V-0200\", name: \"X\"}", "missing required fields 'category', "),
        // Every missing field is named, not only the first.
        ("insert into vendors {id: \"V-0200\", name: \"X\"}", "'certifications', 'since'"),
        ("update risks set likelihood = 1.5", "field likelihood: expected a number from 0 to 1, found 1.5"),
        ("update vendors set on_time = 1", "'on_time' is a derived field"),
        ("update vendors set id = \"V-9\"", "ids cannot be changed"),
        ("undo", "nothing to undo"),
    ]

    @Test(arguments: refusals)
    func badInputChangesNothing(_ statement: String, _ message: String) throws {
        let path = try Self.copyOfStore()
        let before = Self.snapshot(path)
        let out = try Fixture.transcript(statement, store: path)
        #expect(out.contains("error: ") && out.contains(message), "\(out)")
        #expect(Self.snapshot(path) == before)
    }

    @Test func readOnlySessionRefuses() throws {
        let path = try Self.copyOfStore()
        let before = Self.snapshot(path)
        let output = Output()
        let session = Session(store: try Fixture.store(path), write: output.append, writeError: output.append)
        session.readOnly = "the store is open read-only (--read-only)"
        session.run(Self.newVendor)
        #expect(output.text.contains("read-only (--read-only); nothing was changed"))
        #expect(Self.snapshot(path) == before)
    }

    @Test func unwritableDirectoryIsAClearError() throws {
        let path = try Self.copyOfStore()
        chmod(path, 0o555)
        chmod((path as NSString).deletingLastPathComponent, 0o755)
        defer { chmod(path, 0o755) }
        let before = Self.snapshot(path)
        // Root may write anywhere: then the change is tried as nobody, with a copy of vq nobody can run.
        var binary = Fixture.binary
        if getuid() == 0 {
            binary = Fixture.temporaryDirectory() + "/vq"
            try FileManager.default.copyItem(atPath: Fixture.binary, toPath: binary)
            chmod((binary as NSString).deletingLastPathComponent, 0o755)
        }
        let run = try Fixture.vq(["--store", path, "-c", Self.newVendor], user: getuid() == 0 ? "nobody" : nil, binary: binary)
        #expect(run.status == 1)
        #expect(run.stderr.contains("cannot be changed: Permission denied (is the directory writable?)"), "\(run.stderr)")
        #expect(Self.snapshot(path) == before)
    }

    /// Hand-written files keep their indentation, line breaks (CRLF from
    /// Windows included), number text, escapes and unknown fields; only the
    /// record changed is written anew, and a new one in the file's style.
    @Test(arguments: ["  ", "    "], ["\n", "\r\n"])
    func handWrittenFilesKeepTheirStyle(_ indent: String, _ newline: String) throws {
        let path = Fixture.temporaryDirectory()
        let i1 = indent, i2 = indent + indent
        let text = ("[\n\(i1){\n\(i2)\"id\": \"V-1\",\n\(i2)\"name\": \"Caf\\u00e9 \\\"One\\\"\",\n\(i2)\"category\": \"other\",\n\(i2)\"country\": \"FR\",\n"
            + "\(i2)\"status\": \"active\",\n\(i2)\"rating\": 4.50,\n\(i2)\"headcount\": 1e3,\n\(i2)\"since\": \"2020-01-01\",\n\(i2)\"x_tag\": {\"a\": [1, 2.0]}\n\(i1)},\n"
            + "\(i1){\n\(i2)\"name\": \"Two\",\n\(i2)\"id\": \"V-2\",\n\(i2)\"category\": \"other\",\n\(i2)\"country\": \"FR\",\n"
            + "\(i2)\"status\": \"active\",\n\(i2)\"rating\": 3,\n\(i2)\"headcount\": 10,\n\(i2)\"since\": \"2020-01-01\",\n\(i2)\"budget\": 1.50\n\(i1)}\n]\n")
            .replacingOccurrences(of: "\n", with: newline)
        try text.write(toFile: path + "/vendors.json", atomically: true, encoding: .utf8)
        let out = try Fixture.transcript("update vendors set rating = 3.5 where id = \"V-2\"\n"
            + "insert into vendors {id: \"V-3\", name: \"Three\", category: \"other\", country: \"FR\", status: \"active\", rating: 1, headcount: 2, certifications: [], since: \"2020-01-01\"}",
            store: path)
        #expect(out.contains("updated 1 record") && out.contains("inserted 1 record"), "\(out)")
        let after = try String(contentsOfFile: path + "/vendors.json", encoding: .utf8)
        let n = newline
        let firstRecord = String(text[..<text.range(of: "},\(n)")!.upperBound])
        #expect(after.hasPrefix(firstRecord), "an untouched record is kept byte for byte")
        #expect(after.contains("\(i1){\(n)\(i2)\"name\": \"Two\",\(n)\(i2)\"id\": \"V-2\","), "key order and indent kept")
        #expect(after.contains("\(i2)\"rating\": 3.5,") && after.contains("\(i2)\"budget\": 1.50\(n)\(i1)},\(n)"))
        #expect(after.hasSuffix("\(i1){\(n)\(i2)\"id\": \"V-3\",\(n)\(i2)\"name\": \"Three\",\(n)"
            + "\(i2)\"category\": \"other\",\(n)\(i2)\"country\": \"FR\",\(n)\(i2)\"status\": \"active\",\(n)"
            + "\(i2)\"rating\": 1,\(n)\(i2)\"headcount\": 2,\(n)\(i2)\"certifications\": [],\(n)\(i2)\"since\": \"2020-01-01\"\(n)\(i1)}\(n)]\(n)"), "\(after)")
        #expect(newline == "\n" || !after.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "no bare line feed in a CRLF file")
    }

    /// An array element that is not a record is reported when read, and a change
    /// writes it back where it was rather than dropping it.
    @Test func elementsThatAreNotRecordsSurviveAChange() throws {
        let path = Fixture.temporaryDirectory()
        let v1 = #"{"id": "V-1", "name": "One", "category": "other", "country": "FR", "status": "active", "rating": 3, "headcount": 1, "certifications": [], "since": "2020-01-01"}"#
        let v2 = v1.replacingOccurrences(of: "V-1", with: "V-2").replacingOccurrences(of: "One", with: "Two")
        try "[\n  \(v1),\n  42,\n  \(v2)\n]\n".write(toFile: path + "/vendors.json", atomically: true, encoding: .utf8)
        let out = try Fixture.transcript("delete from vendors where id = \"V-1\"\nupdate vendors set rating = 4", store: path)
        #expect(out.contains("deleted 1 record") && out.contains("updated 1 record"), "\(out)")
        let after = try String(contentsOfFile: path + "/vendors.json", encoding: .utf8)
        #expect(after == "[\n  42,\n  \(v2.replacingOccurrences(of: "\"rating\": 3", with: "\"rating\": 4"))\n]\n", "\(after)")
    }

    /// Two vq processes add to the same and to different records at once:
    /// every increment lands (no process writes over another's newer data).
    @Test func twoProcessesLoseNoUpdate() throws {
        let path = try Self.copyOfStore()
        let start = Fixture.rawRecords("vendors", in: path).reduce(into: [String: Int]()) { $0[$1["id"] as! String] = $1["headcount"] as? Int }
        let rounds = 25
        @Sendable func script(_ own: String) -> String {
            (0..<rounds).map { _ in
                "update vendors set headcount = headcount + 1 where id = \"\(own)\"\nupdate vendors set headcount = headcount + 1 where id = \"V-0003\"\n"
            }.joined()
        }
        let group = DispatchGroup()
        let results = Output()
        for own in ["V-0001", "V-0002"] {
            DispatchQueue.global().async(group: group) {
                let run = try? Fixture.vq(["--store", path], stdin: script(own))
                results.append("\(run?.status ?? -1) \(run?.stderr ?? "")\n")
            }
        }
        group.wait()
        #expect(results.text == "0 \n0 \n", "\(results.text)")
        let end = Fixture.rawRecords("vendors", in: path).reduce(into: [String: Int]()) { $0[$1["id"] as! String] = $1["headcount"] as? Int }
        #expect(end["V-0001"] == start["V-0001"]! + rounds)
        #expect(end["V-0002"] == start["V-0002"]! + rounds)
        #expect(end["V-0003"] == start["V-0003"]! + 2 * rounds)
    }

    /// A second session sees a change another made, before its next statement.
    @Test func aSessionReadsFilesAnotherChanged() throws {
        let path = try Self.copyOfStore()
        let output = Output()
        let session = Session(store: try Fixture.store(path), write: output.append, writeError: output.append)
        session.run("let mine = vendors where id = \"V-0001\"\nvendors | count")
        _ = try Fixture.transcript(Self.newVendor, store: path)
        session.run("vendors | count\nmine | select id")
        #expect(output.text.contains("30\n") && output.text.contains("31\n") && output.text.contains("V-0001"))
    }
}

/// Long random runs of changes and undos, checked against the files' bytes:
/// every undo puts back exactly what the change it reverts found, however
/// the changes before it (cascades among them) touched the same files.
struct UndoSequenceTests {
    /// The case the outside test found: undoing a cascade, then the changes before it.
    @Test func undoThroughACascade() throws {
        let path = try MutationTests.copyOfStore()
        let before = MutationTests.snapshot(path)
        let out = try Fixture.transcript("""
            \(MutationTests.newVendor)
            insert into risks {id: "R-9001", vendor: "V-0101", title: "t", category: "delivery", likelihood: 0.5, impact: 10, status: "open"}
            delete from vendors where id = "V-0101" cascade
            undo
            undo
            undo
            """, store: path, keepGoing: false)
        #expect(!out.contains("error"), "\(out)")
        #expect(MutationTests.snapshot(path) == before)
    }

    @Test func randomChangesAndUndosKeepTheStackConsistent() throws {
        let steps = Int(ProcessInfo.processInfo.environment["VQ_UNDO_STEPS"] ?? "") ?? 1500
        let path = try MutationTests.copyOfStore()
        let out = Output(), err = Output()
        let session = Session(store: try Store(path: path, today: Fixture.today), write: out.append, writeError: err.append)
        var generator = Xoshiro256(seed: 9)
        var model: [[String: Data]] = []
        var vendors = 0, risks = 0
        func pick(_ n: Int) -> Int { Int(generator.next() % UInt64(n)) }
        for step in 0..<steps {
            // Mostly one of the latest vendors, so that risks and cascades meet them.
            let vendor = "V-9\(String(format: "%03d", max(0, vendors - 1 - pick(3))))"
            let statement: String
            switch pick(7) {
            case 0:
                vendors += 1
                statement = #"insert into vendors {id: "V-9\#(String(format: "%03d", vendors - 1))", name: "n", category: "other", country: "CN", status: "active", rating: 1, headcount: 1, certifications: [], since: "2024-01-01"}"#
            case 1:
                risks += 1
                statement = #"insert into risks {id: "R-9\#(risks)", vendor: "\#(vendor)", title: "t", category: "delivery", likelihood: 0.5, impact: 10, status: "open"}"#
            case 2:
                let target = pick(2) == 0 ? vendor : "V-000\(1 + pick(9))"
                statement = #"update vendors set headcount = headcount + 1 where id = "\#(target)""#
            case 3: statement = #"delete from vendors where id = "\#(vendor)" cascade"#
            default: statement = "undo"
            }
            let before = MutationTests.snapshot(path)
            out.clear()
            err.clear()
            session.run(statement)
            let after = MutationTests.snapshot(path)
            if statement == "undo" {
                if let expected = model.popLast() {
                    #expect(err.text.isEmpty, "step \(step): undo refused: \(err.text)")
                    #expect(after == expected, "step \(step): undo did not restore the files")
                } else {
                    #expect(err.text.contains("nothing to undo"), "step \(step): \(err.text)")
                }
            } else if after != before {
                #expect(err.text.isEmpty, "step \(step): \(err.text)")
                model.append(before)
                if model.count > Session.undoDepth { model.removeFirst() }
            }
            if !err.text.isEmpty, statement == "undo", !model.isEmpty { break }
        }
    }
}
