import Foundation
import Testing
@testable import VQEngine
import VQExchange
@testable import VQSession

/// The completion engine: the statement typed so far (up to the cursor) → candidates.
struct CompletionTests {
    static let directory: String = {
        let path = Fixture.temporaryDirectory()
        try! FileManager.default.createDirectory(atPath: path + "/scripts", withIntermediateDirectories: true)
        try! FileManager.default.createDirectory(atPath: path + "/stores", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path + "/scripts/late.vq", contents: Data())
        _ = FileManager.default.createFile(atPath: path + "/scripts/risks.vq", contents: Data())
        _ = FileManager.default.createFile(atPath: path + "/summary.csv", contents: Data())
        var book = XLSXWriter()
        try! book.add(ResultTable(columns: ["id"], rows: [[.string("V-1")]]), name: "2025")
        try! book.add(ResultTable(columns: ["id"], rows: [[.string("V-2")]]), name: "2026 年")
        try! book.write(to: path + "/suppliers.xlsx")
        return path
    }()

    static var completer: Completer {
        var environment = Environment()
        environment.variables["late"] = .relation(Relation(scope: .records(.vendors), rows: []))
        environment.variables["picked"] = .relation(Relation(scope: .columns(["name", "total"]), rows: []))
        environment.variables["cap"] = .scalar(.number(5))
        environment.parameters["threshold"] = .number(0.95)
        return Completer(environment: environment, directory: directory,
                         ids: { $0 == .contracts ? ["C-0001", "C-0002", "C-0010"] : [] })
    }

    /// (typed so far, candidates that must be offered, candidates that must not)
    static let cases: [(String, [String], [String])] = [
        // Fields of the collection being queried, stored and derived, and functions.
        ("vendors where ", ["rating", "on_time", "spend", "contracts", "round(", "sum(", "cap"], ["vendors", "where", "budget_cap"]),
        ("vendors where on", ["on_time"], ["rating"]),
        ("contracts where val", ["value"], ["vendor"]),
        // Relation paths after a dot.
        ("kpis where contract.vendor.", ["contract.vendor.name", "contract.vendor.on_time", "contract.vendor.contracts"], ["contract.vendor.value"]),
        ("kpis | select contract.vendor.ra", ["contract.vendor.rating"], []),
        ("vendors | select count(contracts.", ["contracts.value", "contracts.budget_cap", "contracts.kpis"], ["contracts.rating"]),
        // A source position: collections and variables.
        ("", ["vendors", "contracts", "late", "let", "param", "simulate"], ["rating", "picked.name"]),
        ("ven", ["vendors"], ["contracts"]),
        ("let x = ", ["vendors", "late", "picked"], ["let"]),
        ("(vendors where rating > 3) | count; con", ["contracts"], ["vendors"]),
        // Stage keywords after a source or a pipe.
        ("vendors ", ["where", "select", "order by", "group by", "limit", "count", "distinct"], ["rating"]),
        ("vendors | ", ["where", "select", "order by"], ["vendors"]),
        ("vendors where rating > 3 ", ["and", "or", "order by", "where"], ["rating"]),
        ("vendors | order ", ["by"], []),
        // order by: only the fields in scope; after a select, its columns.
        ("vendors | order by ", ["rating", "spend"], ["value"]),
        ("vendors | select name, spend as total | order by ", ["name", "total"], ["rating", "spend"]),
        ("contracts | group by vendor.category as c | order by ", ["c", "value"], []),
        ("picked | order by ", ["name", "total"], ["rating"]),
        ("vendors | order by rating ", ["asc", "desc"], []),
        // Variables as sources keep their collection's fields.
        ("late where ", ["rating", "on_time"], ["value"]),
        // Parameters after $.
        ("vendors where on_time < $", ["threshold", "cap"], ["rating"]),
        // Meta-commands after a dot at the start of a line; their arguments.
        (".", [".help", ".describe", ".mode", ".read", ".open", ".history", ".quit"], ["vendors"]),
        (".de", [".describe"], [".help"]),
        (".mode ", ["table", "csv", "json", "jsonl", "markdown", "line"], []),
        (".describe ", ["vendors", "change_requests"], [".mode"]),
        (".help ", ["functions", "levers", "statements", "describe"], []),
        (".timer ", ["on", "off"], []),
        // File and directory names.
        (".read ", ["scripts/", "stores/", "summary.csv"], []),
        (".read scripts/", ["scripts/late.vq", "scripts/risks.vq"], ["summary.csv"]),
        (".read scripts/r", ["scripts/risks.vq"], ["scripts/late.vq"]),
        (".open ", ["scripts/", "stores/"], ["summary.csv"]),
        (".output su", ["summary.csv"], []),
        // Levers inside simulate … with.
        ("simulate cost with ", ["discount", "change_requests", "fx", "risk_multiplier"], ["rating"]),
        ("simulate cost of \"C-0001\" with discount = 5%, ch", ["change_requests", "change_request_cost"], ["discount"]),
        ("simulate ", ["cost", "risk"], []),
        // After the levers: a goal seek, a bid comparison, trials and seed; a goal seek's lever.
        ("simulate cost of \"C-0001\" with discount = 5% ", ["solve", "each", "trials", "seed"], ["rating"]),
        ("simulate cost of \"C-0001\" solve ", ["discount", "fx_volatility"], ["rating"]),
        ("simulate cost of \"C-000", ["C-0001\"", "C-0002\""], []),
        // Enum values inside a string after a comparison, and in a list.
        ("vendors where category = \"", ["logistics\"", "software\"", "it_ops\""], ["rating"]),
        ("vendors where category = 'lo", ["logistics'"], ["software'"]),
        ("risks where status in (\"open\", \"", ["closed\"", "mitigated\""], []),
        ("contracts where vendor.status != \"", ["active\"", "suspended\""], []),
        ("kpis where contract = \"C-000", ["C-0001\"", "C-0002\""], []),
        // Mutations: collections, then the fields of the one changed.
        ("insert into ", ["vendors", "measurements"], ["late"]),
        // Only the stored fields an update can set: no id, derived fields, relations, functions or literals.
        ("update vendors set ", ["rating", "notes", "certifications", "status"], ["value", "id", "on_time", "spend", "contracts", "round(", "true", "false"]),
        ("update vendors set rating = 1, ", ["notes", "headcount"], ["on_time", "id", "risks"]),
        ("delete from risks where ", ["likelihood", "status"], ["rating"]),
        ("", ["insert into", "update", "delete from", "import into", "undo"], []),
        // Imports: collections, importable files, the options, a workbook's sheets, and the fields a column can give.
        ("import into ", ["vendors", "measurements"], ["late"]),
        ("import into vendors from \"", ["summary.csv\"", "suppliers.xlsx\"", "scripts/"], ["scripts/late.vq"]),
        ("import into vendors from \"su", ["summary.csv\"", "suppliers.xlsx\""], ["scripts/"]),
        ("import into vendors from \"summary.csv\" ", ["sheet", "encoding", "map", "on conflict update", "dry run"], ["rating"]),
        ("import into vendors from \"summary.csv\" dry run ", ["map", "on conflict update"], ["dry run"]),
        ("import into vendors from \"suppliers.xlsx\" sheet \"", ["2025\"", "2026 年\""], []),
        ("import into vendors from \"summary.csv\" map \"评级\" as ", ["rating", "id", "_"], ["on_time", "spend"]),
        ("import into vendors from \"summary.csv\" map \"评级\" as rating, \"名称\" as na", ["name"], ["rating"]),
        // A statement continued over lines keeps its scope.
        ("vendors |\n where ", ["rating"], []),
        ("vendors\n| order by ", ["rating"], []),
        ("vendors where category in (\n'", ["logistics'"], []),
    ]

    @Test(arguments: cases)
    func candidates(_ typed: String, _ offered: [String], _ notOffered: [String]) {
        let got = Self.completer.candidates(for: typed)
        for c in offered { #expect(got.contains(c), "\(typed.debugDescription) should offer \(c); got \(got)") }
        for c in notOffered { #expect(!got.contains(c), "\(typed.debugDescription) should not offer \(c)") }
    }

    @Test func candidatesAreWholeWordsSortedAndUnique() {
        let got = Self.completer.candidates(for: "vendors where ")
        #expect(got == Array(Set(got)).sorted())
        #expect(Self.completer.candidates(for: "vendors where zzz").isEmpty)
    }

    @Test func currentStatementFollowsScriptSplitting() {
        #expect(Completer.currentStatement("vendors\ncontracts wh") == "contracts wh")
        #expect(Completer.currentStatement("vendors\n| where ra") == "vendors\n| where ra")
        #expect(Completer.currentStatement("vendors where x in (1,\n2") == "vendors where x in (1,\n2")
        #expect(Completer.currentStatement("kpis; vendors") == " vendors")
    }

    /// Two Tabs list each candidate by the part that differs: a path's last
    /// member, a file's name; other words whole.
    @Test(arguments: [
        ("kpis where contract.vendor.r", ["contract.vendor.rating", "contract.vendor.risks"], ["rating", "risks"]),
        (".read scripts/examples/o", ["scripts/examples/on-time-misses.vq", "scripts/examples/over-budget.vq"],
         ["on-time-misses.vq", "over-budget.vq"]),
        (".read report.v", ["report.vq", "report.vq.bak"], ["report.vq", "report.vq.bak"]),
        ("vendors where ra", ["rating"], ["rating"]),
        ("vendors | sel", ["select"], ["select"]),
    ])
    func listingsShowWhatDiffers(_ typed: String, _ candidates: [String], _ listed: [String]) {
        #expect(Completer.listed(candidates, for: typed) == listed)
    }
}
