import Foundation
import Testing
import VQEngine
@testable import VQExchange
import VQJSON
import VQModel
@testable import VQSession
@testable import VQStore
import VQSupport

/// `import` (SPEC §6): encodings and separators, header matching, every
/// coercion, the all-or-nothing rule, upserts, dry runs and undo.
struct ImportTests {
    /// A store of its own and a folder beside it for the files to import; statements run as a script there.
    struct Workspace {
        let directory: String
        var store: String { directory + "/store" }

        init() throws {
            directory = Fixture.temporaryDirectory()
            try FileManager.default.copyItem(atPath: Fixture.storePath, toPath: store)
        }

        func file(_ name: String, _ bytes: Data) { _ = FileManager.default.createFile(atPath: directory + "/" + name, contents: bytes) }
        func file(_ name: String, _ text: String) { file(name, Data(text.utf8)) }

        func run(_ script: String) throws -> String {
            try Fixture.transcript(script, origin: directory + "/script.vq", store: store)
        }
    }

    static let vendorHeader = "id,name,category,country,status,rating,headcount,certifications,since\n"

    // MARK: Coercion

    /// (cell text, field type, the stored JSON, or nil when refused)
    static let coercions: [(String, FieldType, String?)] = [
        ("1,234.5", .number, "1234.5"), ("1 234,5", .number, "1234.5"), ("1.234,5", .number, "1234.5"), ("12,5", .number, "12.5"),
        ("95%", .number, "0.95"), ("33.3%", .number, "0.333"), ("¥1,200", .number, "1200"), ("CNY 1,200", .number, "1200"),
        ("1200元", .number, "1200"), ("(1,200)", .number, "-1200"), ("-$5", .number, "-5"), (" 7 ", .number, "7"),
        ("1.50", .number, "1.50"), ("1e3", .number, "1e3"), ("1,23,4", .number, nil), ("abc", .number, nil), ("", .number, "null"),
        ("12", .int, "12"), ("12.5", .int, "12.5"),
        ("2024-01-05", .date, "\"2024-01-05\""), ("2024/1/5", .date, "\"2024-01-05\""), ("2024年1月5日", .date, "\"2024-01-05\""),
        ("45296", .date, "\"2024-01-05\""), ("2024-01-05 00:00:00", .date, "\"2024-01-05\""), ("2024-02-30", .date, nil),
        ("5/1/2024", .date, nil), ("2024-01", .date, nil),
        ("2024-01", .month, "\"2024-01\""), ("2024/3", .month, "\"2024-03\""), ("2024年3月", .month, "\"2024-03\""),
        ("2024-03-15", .month, "\"2024-03\""), ("2024-13", .month, nil),
        ("yes", .bool, "true"), ("否", .bool, "false"), ("TRUE", .bool, "true"), ("0", .bool, "false"), ("maybe", .bool, nil),
        ("ISO 9001; ISO 27001", .list(.string), "[\"ISO 9001\", \"ISO 27001\"]"), ("[\"a\"]", .list(.string), "[\"a\"]"),
        ("", .list(.string), "[]"),
        ("Customer Service", .oneOf(Schema.categories), "\"customer_service\""), ("it-ops", .oneOf(Schema.categories), "\"it_ops\""),
        ("cny", .currency, "\"CNY\""), (" V-0001 ", .ref(.vendors), "\"V-0001\""),
    ]

    @Test(arguments: coercions)
    func coercion(_ text: String, _ type: FieldType, _ expected: String?) {
        let cell: Cell = text.isEmpty ? .empty : .text(text)
        switch Coercion.value(cell, as: type) {
        case .success(let v):
            #expect(expected != nil, "\(text) as \(type.description) should be refused, gave \(JSONWriter.string(v))")
            if let expected { #expect(JSONWriter.string(v) == expected, "\(text) as \(type.description)") }
        case .failure(let r):
            // Only the int case passes coercion and fails the range check later: a refusal here must be expected.
            #expect(expected == nil, "\(text) as \(type.description) refused: \(r.message)")
        }
    }

    @Test func sheetCellsCoerce() throws {
        #expect(try Coercion.value(.serialDate(45296), as: .date).get() == .string("2024-01-05"))
        #expect(try Coercion.value(.number(45296), as: .month).get() == .string("2024-01"))
        #expect(try Coercion.value(.number(1001), as: .string).get() == .string("1001"))
        #expect(try Coercion.value(.bool(true), as: .bool).get() == .bool(true))
        #expect(try Coercion.value(.serialDate(45296), as: .string).get() == .string("2024-01-05"))
        // Excel's 1900 leap-year slip: serial 61 is 1 March 1900.
        #expect(try Coercion.value(.number(61), as: .date).get() == .string("1900-03-01"))
    }

    // MARK: Encodings and separators

    @Test func gb18030WithChineseHeadersIsDetected() throws {
        let w = try Workspace()
        let text = "编号,名称,类别,国家,状态,评级,人数,认证,合作开始\r\nV-0901,华信数据,数据录入,CN,活跃,4.5,\"1,200\",ISO 9001,2024/1/5\r\n"
        let gb = text.data(using: String.Encoding(rawValue: 0x8000_0632))!
        #expect(String(data: gb, encoding: .utf8) == nil, "the fixture must not be valid UTF-8")
        w.file("供应商.csv", gb)
        let out = try w.run("""
            import into vendors from "供应商.csv" map "编号" as id, "名称" as name, "类别" as category, "国家" as country, "状态" as status, "评级" as rating, "人数" as headcount, "认证" as certifications, "合作开始" as since
            """)
        // The Chinese enum values are not the model's: both rows' problems are named.
        #expect(out.contains("供应商.csv, row 2 (C2), field category: expected one of"))
        #expect(out.contains("供应商.csv, row 2 (E2), field status: expected one of"))
        let fixed = text.replacingOccurrences(of: "数据录入", with: "data_entry").replacingOccurrences(of: "活跃", with: "active")
        w.file("供应商.csv", fixed.data(using: String.Encoding(rawValue: 0x8000_0632))!)
        let done = try w.run("""
            import into vendors from "供应商.csv" map "编号" as id, "名称" as name, "类别" as category, "国家" as country, "状态" as status, "评级" as rating, "人数" as headcount, "认证" as certifications, "合作开始" as since
            vendors where id = "V-0901" | select name, headcount, certifications, since
            """)
        #expect(done.contains("imported 供应商.csv into vendors: 1 inserted"), "\(done)")
        #expect(done.contains("华信数据"))
        #expect(done.contains("1200") && done.contains("ISO 9001") && done.contains("2024-01-05"), "\(done)")
    }

    @Test func bomAndSemicolonsAndTabs() throws {
        let w = try Workspace()
        let rows = ["V-0902;Nordic Design;design;SE;qualified;4;35;;2023-03-15"]
        w.file("bom.csv", Data([0xEF, 0xBB, 0xBF]) + Data((Self.vendorHeader.replacingOccurrences(of: ",", with: ";") + rows.joined(separator: "\n")).utf8))
        w.file("tabs.csv", (Self.vendorHeader + "V-0903,Tab Co,other,DE,prospect,3,5,,2022-01-01\n").replacingOccurrences(of: ",", with: "\t"))
        let out = try w.run("""
            import into vendors from "bom.csv"
            import into vendors from "tabs.csv"
            vendors where id in ("V-0902", "V-0903") | select id, name, certifications
            """)
        #expect(out.contains("imported bom.csv into vendors: 1 inserted"), "\(out)")
        #expect(out.contains("imported tabs.csv into vendors: 1 inserted"), "\(out)")
        #expect(out.contains("Nordic Design") && out.contains("Tab Co"))
        #expect(!out.contains("\u{FEFF}"))
    }

    /// Excel's `sep=` line names the separator; rows are still numbered as a spreadsheet shows them.
    @Test func excelsSeparatorLine() throws {
        let w = try Workspace()
        w.file("sep.csv", "sep=;\r\n" + Self.vendorHeader.replacingOccurrences(of: ",", with: ";") + "V-0904;Semi, Colon AB;other;SE;prospect;x;5;;2022-01-01\n")
        let out = try w.run("import into vendors from \"sep.csv\" dry run")
        #expect(out.contains("sep.csv, row 2 (F2), field rating: expected a number, found \"x\""), "\(out)")
    }

    @Test func undecodableTextSaysWhere() throws {
        let w = try Workspace()
        w.file("bad.csv", Data("id\nV-1\n".utf8) + Data([0xFF, 0xFE, 0xFD, 0x0A]))
        let out = try w.run("import into vendors from \"bad.csv\" encoding \"utf-8\"")
        #expect(out.contains("not valid UTF-8 (byte 0xFF at line 3"), "\(out)")
        let unknown = try w.run("import into vendors from \"bad.csv\" encoding \"latin9\"")
        #expect(unknown.contains("unknown encoding 'latin9'"), "\(unknown)")
    }

    @Test func filesThatCannotBeReadSayWhy() throws {
        let w = try Workspace()
        w.file("empty.csv", "")
        w.file("notes.txt.gz", "x")
        try FileManager.default.createDirectory(atPath: w.directory + "/folder.csv", withIntermediateDirectories: true)
        let out = try w.run("""
            import into vendors from "missing.csv"
            import into vendors from "folder.csv"
            import into vendors from "empty.csv"
            import into vendors from "notes.txt.gz"
            import into vendors from "missing.xlsx" sheet "2026"
            import into vendors from "empty.csv" sheet "2026"
            """)
        for line in ["cannot read missing.csv: no such file", "cannot read folder.csv: it is a directory", "empty.csv is empty: it has no header row",
                     "cannot tell what notes.txt.gz holds from its name", "cannot read missing.xlsx: no such file",
                     "'sheet' names a sheet of an xlsx workbook; empty.csv is not one"] {
            #expect(out.contains(line), "missing: \(line)\nin: \(out)")
        }
    }

    // MARK: Headers

    @Test func headerProblemsComeTogetherWithSuggestions() throws {
        let w = try Workspace()
        w.file("v.csv", "ID,Nmae,Category,Country,Status,Rating,Head-Count,Certifications,Since,Extra\nV-1,a,other,CN,active,1,1,,2024-01-01,x\n")
        let before = MutationTests.snapshot(w.store)
        let out = try w.run("import into vendors from \"v.csv\" map \"Extr\" as _")
        #expect(out.contains("map \"Extr\": v.csv has no column \"Extr\" — did you mean \"Extra\"?"), "\(out)")
        #expect(out.contains("column \"Nmae\" (B) matches no field of vendors — did you mean 'name'?"), "\(out)")
        #expect(out.contains("column \"Extra\" (J) matches no field of vendors"))
        #expect(out.contains("no column gives the required field 'name'"))
        #expect(!out.contains("Head-Count"), "Head-Count matches headcount: \(out)")
        #expect(MutationTests.snapshot(w.store) == before)
        let mapped = try w.run("import into vendors from \"v.csv\" map \"Nmae\" as name, \"Extra\" as _")
        #expect(mapped.contains("1 inserted"), "\(mapped)")
    }

    // MARK: All or nothing

    @Test func everyBadRowIsReportedAndNothingChanges() throws {
        let w = try Workspace()
        w.file("v.csv", Self.vendorHeader + """
            V-0950,Good One,software,CN,active,4,10,,2024-01-01
            V-0951,Bad Rating,software,CN,active,7,10,,2024-01-01
            V-0952,,logistics,CN,actve,3,ten,,5/1/2024
            V-0001,Taken Id,software,CN,active,3,10,,2024-01-01
            V-0950,Twice,software,CN,active,3,10,,2024-01-01
            """)
        let before = MutationTests.snapshot(w.store)
        let out = try w.run("import into vendors from \"v.csv\"")
        let expected = [
            "v.csv, row 3 (F3), field rating: expected a number from 0 to 5, found 7",
            "v.csv, row 4 (B4), field name: an empty cell, but the field is required",
            "v.csv, row 4 (E4), field status: expected one of prospect, qualified, active, suspended, exited, found \"actve\" (did you mean \"active\"?)",
            "v.csv, row 4 (G4), field headcount: expected a whole number, found \"ten\"",
            "v.csv, row 4 (I4), field since: expected a date",
            "v.csv, row 5: vendors.json already has id \"V-0001\" (record 1); say 'on conflict update' to update it",
            "v.csv, row 6: id \"V-0950\" again (also row 2)",
            "error: import refused: 4 rows of 5 in v.csv have problems (above); nothing was changed",
        ]
        for line in expected { #expect(out.contains(line), "missing: \(line)\nin: \(out)") }
        #expect(MutationTests.snapshot(w.store) == before, "the store must be byte-identical")
        let dry = try w.run("import into vendors from \"v.csv\" dry run")
        #expect(dry.contains("dry run of v.csv into vendors: 1 to insert; 4 of 5 rows refused (above); nothing was changed"), "\(dry)")
        #expect(MutationTests.snapshot(w.store) == before)
    }

    /// An amount that names its currency is checked against the record's, never read as if it were in it.
    @Test func amountsInAnotherCurrencyAreRefused() throws {
        let w = try Workspace()
        w.file("costs.csv", """
            id,contract,period,category,amount
            CO-9001,C-00001,2025-05,labor,"USD 1,000"
            CO-9002,C-00001,2025-05,labor,"CNY 1,000"
            CO-9003,C-00001,2025-05,labor,€5
            CO-9004,C-00001,2025-05,labor,$5
            """)
        let out = try w.run("import into costs from \"costs.csv\" dry run")
        #expect(out.contains(#"costs.csv, row 3 (E3), field amount: an amount in CNY, found "CNY 1,000", but the field is in USD (money in its contract's currency, valued at its period); convert it first"#), "\(out)")
        #expect(out.contains("costs.csv, row 4 (E4), field amount: an amount in EUR"), "\(out)")
        #expect(out.contains("2 to insert; 2 of 4 rows refused"), "\(out)")
    }

    @Test func referencesMustResolve() throws {
        let w = try Workspace()
        w.file("m.csv", "kpi,period,actual\nK-000001,2030-01,0.9\nK-999999,2030-01,0.9\nK-00001,2030-01,0.9\n")
        let out = try w.run("import into measurements from \"m.csv\"")
        #expect(out.contains("m.csv, row 3 (A3), field kpi: no record of kpis has id \"K-999999\"\n"), "\(out)")
        #expect(out.contains("m.csv, row 4 (A4), field kpi: no record of kpis has id \"K-00001\" — did you mean \"K-"), "\(out)")
    }

    // MARK: Upsert, dry run, undo

    @Test func monthlyRefreshUpdatesByKpiAndPeriod() throws {
        let w = try Workspace()
        let before = MutationTests.snapshot(w.store)
        // One existing measurement changed, one the same, one new.
        w.file("refresh.csv", "KPI,Period,Actual\nK-000001,2022-02,0.5\nK-000001,2022-03,0.9435\nK-000001,2030-01,0.99\n")
        let refused = try w.run("import into measurements from \"refresh.csv\"")
        #expect(refused.contains("measurements.json already has kpi \"K-000001\", period \"2022-02\""), "\(refused)")
        let dry = try w.run("import into measurements from \"refresh.csv\" on conflict update dry run")
        #expect(dry.contains("dry run of refresh.csv into measurements: 1 to insert, 1 to update, 1 unchanged; no rows refused"), "\(dry)")
        #expect(MutationTests.snapshot(w.store) == before)
        let out = try w.run("""
            import into measurements from "refresh.csv" on conflict update
            measurements where kpi = "K-000001" and period in ("2022-02", "2030-01") | select period, actual | order by period
            undo
            """)
        #expect(out.contains("imported refresh.csv into measurements: 1 inserted, 1 updated, 1 unchanged"), "\(out)")
        #expect(out.contains("0.50") && out.contains("0.99"), "\(out)")
        #expect(out.contains("undone: imported refresh.csv"), "\(out)")
        #expect(MutationTests.snapshot(w.store) == before, "undo must give back the files byte for byte")
    }

    /// A large file is checked in two parts on two threads: a key repeated within
    /// a part, across the parts and three times is found, each against its first row.
    @Test func repeatedKeysAreFoundAcrossParts() throws {
        let w = try Workspace()
        var lines = ["kpi,period,actual"]
        for i in 0..<30_000 { lines.append("K-000001,\(3000 + i / 12)-\(String(format: "%02d", i % 12 + 1)),0.5") }
        // Rows as the file numbers them (the header is row 1): row 2 is 3000-01, row 15001 (4249-12) ends the first part.
        lines.append("K-000001,3000-01,0.6")
        lines.append("K-000001,3000-01,0.7")
        lines.append("K-000001,4249-12,0.8")
        w.file("big.csv", lines.joined(separator: "\n"))
        let out = try w.run("import into measurements from \"big.csv\" dry run")
        #expect(out.contains("big.csv, row 30002: kpi \"K-000001\", period \"3000-01\" again (also row 2)"), "\(out)")
        #expect(out.contains("big.csv, row 30003: kpi \"K-000001\", period \"3000-01\" again (also row 2)"), "\(out)")
        #expect(out.contains("big.csv, row 30004: kpi \"K-000001\", period \"4249-12\" again (also row 15001)"), "\(out)")
        #expect(out.contains("30,000 to insert; 3 of 30,003 rows refused"), "\(out)")
    }

    /// A csv over 4 MB is read in two halves at once, split at a line end that no
    /// quoted field spans: rows keep their numbers, and a field of several lines stays whole.
    @Test func largeFilesAreReadInTwoHalves() throws {
        let w = try Workspace()
        var lines = ["id,contract,date,title,cost,status"]
        for i in 0..<120_000 {
            // Every tenth title spans lines, so the middle of the file may fall inside one.
            let title = i % 10 == 0 ? "\"Change \(i)\nsecond line, \"\"quoted\"\"\"" : "Change \(i)"
            lines.append("CR-\(i),C-00001,2025-01-01,\(title),100,\(i == 99_998 ? "unknown" : "done")")
        }
        let text = lines.joined(separator: "\r\n") + "\r\n"
        #expect(text.utf8.count > 4 << 20)
        w.file("cr.csv", text)
        let out = try w.run("import into change_requests from \"cr.csv\" dry run")
        #expect(out.contains("cr.csv, row 100000 (F100000), field status: expected one of"), "\(out.prefix(500))")
        #expect(out.contains("119,999 to insert; 1 of 120,000 rows refused"), "\(out.prefix(500))")
        let sheet = try CSVReader.read(Data(text.utf8), file: "cr.csv", encoding: nil)
        #expect(sheet.rowCount == 120_000)
        #expect(sheet.cell(60_000, 3) == .text("Change 60000\nsecond line, \"quoted\""))
        #expect(sheet.rowNumbers[119_999] == 120_001)
    }

    /// References are checked against ids read in one pass over the target's file,
    /// in any order, the first of a repeated id winning as in a table.
    @Test func idsForReferencesComeFromOnePass() throws {
        let path = Fixture.temporaryDirectory()
        _ = FileManager.default.createFile(atPath: path + "/vendors.json",
                                       contents: Data(#"[{"id": "V-2"}, 7, {"id": "V-1"}, {"name": "no id"}, {"id": "V-2"}]"#.utf8))
        let index = try Fixture.store(path).idIndex(.vendors)
        #expect(index.row("V-1") == 1)
        #expect(index.row("V-2") == 0)
        #expect(index.row("V-3") == nil)
    }

    /// The split point is never inside a quoted field, however many lines it spans.
    @Test func theSplitIsOutsideQuotes() {
        var text = "a,b\n1,\""
        text += String(repeating: "x\n", count: 1000) + "\"\n2,y\n"
        var bytes = Array(text.utf8)
        let split = bytes.withUnsafeMutableBufferPointer { CSVReader.split(UnsafeBufferPointer($0), from: 4) }
        #expect(split.map { String(decoding: bytes[$0...], as: UTF8.self) } == "2,y\n")
    }

    /// An update needs no required field; a new row after it still does.
    @Test func requiredFieldsAreCheckedOnlyForNewRecords() throws {
        let w = try Workspace()
        w.file("r.csv", "id,name,rating\nV-0001,,2\nV-0999,,3\n")
        let out = try w.run("import into vendors from \"r.csv\" on conflict update dry run")
        #expect(!out.contains("row 2 (B2)"), "\(out)")
        #expect(out.contains("r.csv, row 3 (B3), field name: an empty cell, but the field is required"), "\(out)")
    }

    @Test func anUpdateKeepsTheRestOfTheRecord() throws {
        let w = try Workspace()
        w.file("r.csv", "id,rating,notes\nV-0001,2.5,\n")
        let out = try w.run("""
            import into vendors from "r.csv" on conflict update
            vendors where id = "V-0001" | select rating, name
            """)
        #expect(out.contains("0 inserted, 1 updated"), "\(out)")
        #expect(out.contains("2.5") && out.contains("Granite Software"), "\(out)")
        let raw = Fixture.rawRecords("vendors", in: w.store).first { $0["id"] as? String == "V-0001" }!
        #expect(raw["name"] as? String == "Granite Software")
    }

    @Test func jsonAndJSONLines() throws {
        let w = try Workspace()
        w.file("e.json", """
            [{"id": "E-9001", "vendor": "V-0001", "date": "2025/6/1", "quality": 4, "cost": 3, "cooperation": 5, "delivery": 4},
             {"id": "E-9002", "vendor": "V-0002", "date": "2025-06-02", "quality": "5", "cost": 3, "cooperation": 5, "delivery": 4, "comment": null}]
            """)
        w.file("e.jsonl", """
            {"id": "E-9003", "vendor": "V-0001", "date": "2025-06-03", "quality": 4, "cost": 3, "cooperation": 5, "delivery": 4}

            {"id": "E-9004", "vendor": "V-0001", "date": "2025-06-04", "quality": 9, "cost": 3, "cooperation": 5, "delivery": 4}
            """)
        let out = try w.run("""
            import into evaluations from "e.json"
            import into evaluations from "e.jsonl"
            evaluations where id like "E-900%" | select id, date, quality | order by id
            """)
        #expect(out.contains("imported e.json into evaluations: 2 inserted"), "\(out)")
        #expect(out.contains("e.jsonl, line 3, field quality: expected a number from 1 to 5, found 9"), "\(out)")
        #expect(out.contains("2025-06-01"), "\(out)")
    }

    @Test func theCommandLineImports() throws {
        let w = try Workspace()
        w.file("v.csv", Self.vendorHeader + "V-0960,Line Co,other,CN,active,4,10,,2024-01-01\n")
        let dry = try Fixture.vq(["import", "--store", w.store, "--dry-run", "vendors", w.directory + "/v.csv"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("1 to insert"), "\(dry.stdout)")
        let bad = try Fixture.vq(["import", "--store", w.store, "--map", "name=nmae", "vendors", w.directory + "/v.csv"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("unknown field 'nmae' on vendors — did you mean 'name'?"), "\(bad.stderr)")
        let done = try Fixture.vq(["import", "--store", w.store, "vendors", w.directory + "/v.csv"])
        #expect(done.status == 0, "\(done.stderr)")
        #expect(Fixture.rawRecords("vendors", in: w.store).contains { $0["id"] as? String == "V-0960" })
    }

    // MARK: xlsx in and out

    @Test func workbooksRoundTrip() throws {
        let w = try Workspace()
        let out = try w.run("""
            .once \(w.directory)/v.xlsx
            vendors | select id, name, rating, headcount, since, certifications, notes | order by id
            """)
        #expect(out.isEmpty, "\(out)")
        let sheet = try Importer.read(Importer.Request(collection: .vendors, file: "v.xlsx", url: URL(fileURLWithPath: w.directory + "/v.xlsx"),
                                                       sheet: nil, encoding: nil, mappings: [], updating: true))
        #expect(sheet.kind == .xlsx(sheet: "vendors"))
        #expect(sheet.headers == ["id", "name", "rating", "headcount", "since", "certifications", "notes"])
        #expect(sheet.rowCount == 30)
        #expect(sheet.cell(0, 0) == .text("V-0001"))
        #expect(sheet.cell(0, 1) == .text("Granite Software"))
        if case .serialDate = sheet.cell(0, 4) {} else { Issue.record("since should be a date cell, is \(sheet.cell(0, 4))") }
        if case .number = sheet.cell(0, 2) {} else { Issue.record("rating should be a number, is \(sheet.cell(0, 2))") }
        // Importing the workbook back over the store changes nothing.
        let again = try w.run("import into vendors from \"v.xlsx\" on conflict update")
        #expect(again.contains("0 inserted, 0 updated, 30 unchanged"), "\(again)")
    }

    /// A sheet whose XML is over 10 MB (libxml2 refuses more in one piece) is read as a stream.
    @Test func largeWorkbooksAreRead() throws {
        let rows = (0..<80_000).map { i -> [Value] in [.string("K-\(i)"), .month(24_000 + i % 100), .number(Double(i) / 8)] }
        var writer = XLSXWriter()
        try writer.add(ResultTable(columns: ["kpi", "period", "actual"], rows: rows), name: "measurements")
        let path = Fixture.temporaryDirectory() + "/big.xlsx"
        try writer.write(to: path)
        let sheet = try XLSXReader.read(URL(fileURLWithPath: path), file: "big.xlsx", sheet: nil)
        #expect(sheet.rowCount == 80_000)
        #expect(sheet.cell(79_999, 0) == .text("K-79999"))
        #expect(sheet.cell(79_999, 2) == .number(79_999.0 / 8))
        #expect(try Coercion.value(sheet.cell(1, 1), as: .month).get() == .string(Dates.format(month: 24_001)))
    }

    /// A workbook cut short (its sheet's XML ends inside an element) is refused, saying where, not read as empty.
    @Test func aTruncatedWorkbookIsRefused() throws {
        var writer = XLSXWriter()
        try writer.add(ResultTable(columns: ["id"], rows: [[.string("V-1")]]), name: "vendors")
        let directory = Fixture.temporaryDirectory()
        try writer.write(to: directory + "/whole.xlsx")
        let script = """
            import zipfile, sys
            src, dst = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2], "w")
            for item in src.infolist():
                data = src.read(item.filename)
                dst.writestr(item, data[:len(data) // 2] if item.filename.endswith("sheet1.xml") else data)
            dst.close()
            """
        _ = FileManager.default.createFile(atPath: directory + "/cut.py", contents: Data(script.utf8))
        #expect(Fixture.spawnAndWait(["/usr/bin/env", "python3", directory + "/cut.py", directory + "/whole.xlsx", directory + "/cut.xlsx"],
                                     outputFile: directory + "/cut.log") == 0)
        #expect(throws: ImportError.self) { try XLSXReader.read(URL(fileURLWithPath: directory + "/cut.xlsx"), file: "cut.xlsx", sheet: nil) }
        do { _ = try XLSXReader.read(URL(fileURLWithPath: directory + "/cut.xlsx"), file: "cut.xlsx", sheet: nil) } catch {
            #expect(error.message.contains("its xl/worksheets/sheet1.xml is not well-formed XML (libxml2 error"), "\(error.message)")
        }
    }

    /// Text longer than a cell holds is refused, naming the cell, never cut.
    @Test func textTooLongForACellIsRefused() throws {
        var writer = XLSXWriter()
        try writer.add(ResultTable(columns: ["notes"], rows: [[.string(String(repeating: "x", count: 32_767))]]), name: "fits")
        #expect(throws: ExportError.self) {
            try writer.add(ResultTable(columns: ["id", "notes"], rows: [[.string("V-1"), .string(String(repeating: "长", count: 32_768))]]), name: "long")
        }
        do { try writer.add(ResultTable(columns: ["id", "notes"], rows: [[.null, .string(String(repeating: "y", count: 40_000))]]), name: "long") } catch {
            #expect(error.message.hasPrefix("cell B2 of sheet \"long\" would hold 40,000 characters"), "\(error.message)")
        }
    }

    @Test func textThatLooksLikeAFormulaStaysText() throws {
        var writer = XLSXWriter()
        try writer.add(ResultTableFixture.awkward, name: "a/b:c")
        let path = Fixture.temporaryDirectory() + "/t.xlsx"
        try writer.write(to: path)
        let sheet = try XLSXReader.read(URL(fileURLWithPath: path), file: "t.xlsx", sheet: nil)
        #expect(sheet.kind == .xlsx(sheet: "a_b_c"))
        #expect(sheet.cell(0, 0) == .text("=1+1"))
        #expect(sheet.cell(1, 0) == .text("@SUM(A1)"))
        #expect(sheet.cell(2, 0) == .text("tab\tnul\u{0}bell\u{7}_x0041_ <&>"))
    }
}

enum ResultTableFixture {
    static let awkward = ResultTable(columns: ["text"], rows: [
        [.string("=1+1")], [.string("@SUM(A1)")], [.string("tab\tnul\u{0}bell\u{7}_x0041_ <&>")],
    ])
}
