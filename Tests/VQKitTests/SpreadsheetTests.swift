import Foundation
import Testing

/// Workbooks and real spreadsheet software: LibreOffice makes xlsx files that vq
/// imports, and LibreOffice and openpyxl read back the workbooks vq writes.
/// `scripts/test` installs both and sets VQ_REQUIRE_TOOLS, so there a missing
/// tool fails the test; elsewhere the test says what it needs and passes.
@Suite(.serialized) struct SpreadsheetTests {
    /// The path of a program, or nil (an issue when the run requires it).
    static func tool(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        if ProcessInfo.processInfo.environment["VQ_REQUIRE_TOOLS"] != nil { Issue.record("\(name) is not installed") }
        return nil
    }

    static var hasOpenpyxl: Bool {
        guard let python = tool("python3") else { return false }
        let ok = Fixture.spawnAndWait([python, "-c", "import openpyxl"], outputFile: "/dev/null") == 0
        if !ok, ProcessInfo.processInfo.environment["VQ_REQUIRE_TOOLS"] != nil { Issue.record("python3 cannot import openpyxl") }
        return ok
    }

    /// LibreOffice converting `file` to `filter` in `directory`, with a profile of its own (two at once would share one).
    static func libreOffice(_ soffice: String, convert file: String, to filter: String, infilter: String? = nil, in directory: String) throws {
        let profile = "file://" + Fixture.temporaryDirectory()
        var argv = [soffice, "-env:UserInstallation=\(profile)", "--headless"]
        if let infilter { argv.append("--infilter=\(infilter)") }
        argv += ["--convert-to", filter, "--outdir", directory, file]
        let status = Fixture.spawnAndWait(argv, outputFile: directory + "/soffice.log")
        #expect(status == 0, "soffice failed: \((try? String(contentsOfFile: directory + "/soffice.log", encoding: .utf8)) ?? "")")
    }

    static let query = """
        contracts | select id, title, vendor.name as vendor, value, start, confidentiality, vendor.certifications as certs, \
        round(penalty_cap * 100, 1) as pct, "=1+1" as formula | order by id | limit 25
        """

    /// A csv made into a workbook by LibreOffice imports as the csv itself does.
    @Test func workbooksLibreOfficeMakesImport() throws {
        guard let soffice = Self.tool("soffice") else { return }
        let w = try ImportTests.Workspace()
        let csv = ImportTests.vendorHeader + """
            V-0970,华信数据 (Chinese text),data_entry,CN,active,4.5,"1,200",ISO 9001; ISO 27001,2024-01-05
            V-0971,"Quoted, with comma",design,SE,qualified,3,35,,2023-03-15
            V-0972,Numbers as text,other,DE,prospect,0.5,7,[],2022-12-31
            """
        w.file("in.csv", csv)
        try Self.libreOffice(soffice, convert: w.directory + "/in.csv", to: "xlsx", infilter: "CSV:44,34,76,1", in: w.directory)
        #expect(FileManager.default.fileExists(atPath: w.directory + "/in.xlsx"))
        let viaWorkbook = try w.run("import into vendors from \"in.xlsx\"")
        #expect(viaWorkbook.contains("imported in.xlsx into vendors: 3 inserted"), "\(viaWorkbook)")
        let fromWorkbook = Fixture.rawRecords("vendors", in: w.store).filter { ($0["id"] as? String)?.hasPrefix("V-097") == true }
        let direct = try ImportTests.Workspace()
        direct.file("in.csv", csv)
        _ = try direct.run("import into vendors from \"in.csv\"")
        let fromCSV = Fixture.rawRecords("vendors", in: direct.store).filter { ($0["id"] as? String)?.hasPrefix("V-097") == true }
        #expect(fromWorkbook.count == 3)
        #expect(NSArray(array: fromWorkbook).isEqual(to: fromCSV), "\(fromWorkbook) vs \(fromCSV)")
        // A sheet LibreOffice names after the file.
        let named = try w.run("import into vendors from \"in.xlsx\" sheet \"in\" on conflict update dry run")
        #expect(named.contains("0 to insert, 0 to update, 3 unchanged"), "\(named)")
    }

    /// LibreOffice reads vq's workbook back with the values vq's csv has.
    @Test func libreOfficeReadsVqWorkbooks() throws {
        guard let soffice = Self.tool("soffice") else { return }
        let w = try ImportTests.Workspace()
        let csv = try Fixture.vq(["--store", w.store, "--format", "csv", "-c", Self.query], environment: ["VQ_TODAY": "2025-06-30"])
        let book = try Fixture.vq(["--store", w.store, "-o", w.directory + "/out.xlsx", "-c", Self.query])
        #expect(book.status == 0, "\(book.stderr)")
        // Token 9 false: the cells' values, not as formatted.
        try Self.libreOffice(soffice, convert: w.directory + "/out.xlsx", to: "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false",
                             in: w.directory)
        let back = try String(contentsOfFile: w.directory + "/out.csv", encoding: .utf8)
        // vq's csv gives money its currency in a column of its own; a workbook formats the cell with it instead.
        func rows(_ text: String, dropping: String? = nil) -> [[String]] {
            let lines = text.split(whereSeparator: \.isNewline).map { Self.fields(String($0)) }
            guard let drop = dropping, let k = lines.first?.firstIndex(of: drop) else { return lines }
            return lines.map { var l = $0; l.remove(at: k); return l }
        }
        let expected = rows(csv.stdout, dropping: "value_currency").map { $0.map { $0 == "true" ? "TRUE" : $0 == "false" ? "FALSE" : $0 } }
        #expect(rows(back) == expected, "LibreOffice read:\n\(back)\nvq wrote:\n\(csv.stdout)")
        #expect(expected.count == 26)
    }

    /// openpyxl sees numbers as numbers, dates as dates, money in its currency's format, text as text, and the header frozen.
    @Test func openpyxlReadsTypesAndFormats() throws {
        guard Self.hasOpenpyxl, let python = Self.tool("python3") else { return }
        let w = try ImportTests.Workspace()
        let book = try Fixture.vq(["--store", w.store, "-o", w.directory + "/out.xlsx",
                                   "-c", Self.query, "-c", "measurements | select kpi, period, actual | limit 3",
                                   "-c", "simulate cost of \"C-00001\" trials 500 seed 1"])
        #expect(book.status == 0, "\(book.stderr)")
        let script = """
            import openpyxl, datetime, sys
            wb = openpyxl.load_workbook(sys.argv[1])
            print(wb.sheetnames)
            ws = wb["contracts"]
            print(ws.freeze_panes, ws["A1"].font.b, ws.column_dimensions["B"].width > 10)
            row = [c.value for c in ws[2]]
            print([type(v).__name__ for v in row])
            print(ws["D2"].number_format, ws["E2"].number_format, ws["I2"].data_type, ws["I2"].value)
            m = wb["measurements"]
            print(type(m["B2"].value).__name__, m["B2"].number_format, m["B2"].value.strftime("%Y-%m"))
            s = wb["simulation"]
            print(s.max_row > 2, [c.value for c in s[1]][:3])
            """
        _ = FileManager.default.createFile(atPath: w.directory + "/read.py", contents: Data(script.utf8))
        let out = w.directory + "/read.out"
        let status = Fixture.spawnAndWait([python, w.directory + "/read.py", w.directory + "/out.xlsx"], outputFile: out)
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(text)")
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "['contracts', 'measurements', 'simulation']", "\(text)")
        #expect(lines.dropFirst().first == "A2 True True", "\(text)")
        #expect(lines.dropFirst(2).first == "['str', 'str', 'str', 'int', 'datetime', 'bool', 'str', 'int', 'str']", "\(text)")
        #expect(lines.dropFirst(3).first?.hasPrefix("#,##0.00 \"USD\" yyyy\\-mm\\-dd s =1+1") == true, "\(text)")
        #expect(lines.dropFirst(4).first?.hasPrefix("datetime yyyy\\-mm ") == true, "\(text)")
        #expect(lines.dropFirst(5).first?.hasPrefix("True") == true, "\(text)")
    }

    /// The fields of one csv line (quotes as RFC 4180 writes them).
    static func fields(_ line: String) -> [String] {
        var out: [String] = [], field = "", quoted = false, chars = Array(line), i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" { if i + 1 < chars.count, chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false } } else { field.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { out.append(field); field = "" } else { field.append(c) }
            i += 1
        }
        out.append(field)
        return out
    }
}
