import Foundation
import Testing
@testable import VQEngine
@testable import VQSimulation
@testable import VQJSON
@testable import VQModel
@testable import VQStore
@testable import VQSupport

/// Reading damaged stores: each problem names the file, record, field and
/// what was expected, and queries keep working where the damage allows.
@Suite struct StoreValidationTests {
    /// A tiny valid store written by hand, then damaged by each test.
    static func store(_ files: [String: String]) -> String {
        let dir = Fixture.temporaryDirectory()
        var all = [
            "vendors": """
            [{"id": "V-1", "name": "Acme", "category": "logistics", "country": "US", "status": "active", "rating": 4, "headcount": 10, "certifications": [], "since": "2020-01-01"},
             {"id": "V-2", "name": "顺丰速运", "category": "logistics", "country": "CN", "status": "active", "rating": 3.5, "headcount": 900, "certifications": ["ISO 9001"], "since": "2019-05-01", "extra": {"x": 1}}]
            """,
            "contracts": """
            [{"id": "C-1", "vendor": "V-1", "title": "Freight", "start": "2024-01-01", "end": "2025-12-31", "value": 120000, "currency": "USD", "budget_cap": 130000, "payment_terms_days": 30, "change_request_cost": 1000, "expected_change_requests": 2, "penalty_cap": 0.1, "confidentiality": true, "status": "active"}]
            """,
        ]
        for (k, v) in files { all[k] = v }
        for (name, text) in all { try! text.write(toFile: dir + "/" + name + ".json", atomically: true, encoding: .utf8) }
        return dir
    }

    @Test func malformedJSONNamesFileLineAndColumn() throws {
        let dir = Self.store(["contracts": "[\n  {\"id\": \"C-1\",, \"vendor\": \"V-1\"}\n]"])
        let out = try Fixture.transcript("contracts | count\nvendors | count", store: dir)
        #expect(out.contains("cannot read contracts.json: line 2, column 16: expected a key in double quotes"), "\(out)")
        #expect(out.hasSuffix("2\n"), "vendors still answer: \(out)")
    }

    /// A file large enough to be read and checked in two halves at once reports
    /// the problems of both halves, in record order, as one pass would.
    @Test func largeFileProblemsFromBothHalvesInOrder() throws {
        let n = 150_000
        let bad = [10: #"{"kpi": "K-1", "period": "2024-01", "actual": "high"}"#,
                   74_999: #"{"kpi": "K-1", "period": "2024-13", "actual": 0.9}"#,
                   75_000: #"{"kpi": 7, "period": "2024-01", "actual": 0.9}"#,
                   149_999: #"{"kpi": "K-1", "period": "2024-01", "actual": null}"#]
        let kpis = #"[{"id": "K-1", "contract": "C-1", "metric": "on_time", "target": 0.95, "direction": "higher", "weight": 1, "penalty": 100}]"#
        let records = (0..<n).map { bad[$0] ?? #"{"kpi": "K-1", "period": "2024-01", "actual": 0.9}"# }
        let text = "[\n" + records.joined(separator: ",\n") + "\n]"
        let dir = Self.store(["kpis": kpis, "measurements": text])
        let store = try Fixture.store(dir)
        #expect(try store.table(.measurements).count == n)
        #expect(store.problems.map(\.description) == [
            "measurements.json: record 11: field 'actual': expected number, found \"high\"",
            "measurements.json: record 75000: field 'period': expected a month (YYYY-MM), found \"2024-13\"",
            "measurements.json: record 75001: field 'kpi': expected ref(kpis), found 7",
            "measurements.json: record 150000: field 'actual': expected number, found null (the field is required)",
        ])
    }

    /// A UTF-8 byte order mark (Windows tools write one) is read past, and a
    /// change to the file keeps it.
    @Test func byteOrderMarkIsReadAndKept() throws {
        let dir = Self.store([:])
        let path = dir + "/vendors.json"
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        try (Data([0xEF, 0xBB, 0xBF]) + original).write(to: URL(fileURLWithPath: path))
        let out = try Fixture.transcript("vendors | count\nupdate vendors set headcount = 11 where id = \"V-1\"", store: dir)
        #expect(out == "2\nupdated 1 record of vendors\n", "\(out)")
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(written.prefix(3) == Data([0xEF, 0xBB, 0xBF]))
        #expect(String(decoding: written.dropFirst(3), as: UTF8.self)
                == String(decoding: original, as: UTF8.self).replacingOccurrences(of: "\"headcount\": 10,", with: "\"headcount\": 11,"))
    }

    /// A hostile or broken file nesting arrays 100 000 deep is refused, not a crash.
    @Test func deeplyNestedJSONIsRefused() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let dir = Self.store(["contracts": "[{\"id\": \"C-1\", \"extra\": \(deep)}]"])
        let out = try Fixture.transcript("contracts | count\nvendors | count", store: dir)
        #expect(out.contains("cannot read contracts.json: line 1, column 153: arrays and objects nested more than 128 deep"), "\(out.prefix(300))")
        #expect(out.hasSuffix("2\n"), "vendors still answer")
    }

    /// The slips of hand-edited and exported files get a message that names them.
    @Test(arguments: [
        (#"[{"id": "C-1", "value": NaN}]"#, "line 1, column 25: expected a value (NaN and Infinity are not JSON: write null for a missing number)"),
        (#"[{"id": "C-1", "value": 1,}]"#, "line 1, column 27: expected a key in double quotes (JSON allows no comma before '}')"),
        ("[{\"id\": \"C-1\"},\n]", "line 2, column 1: expected a value (JSON allows no comma before ']')"),
        (#"[{"id": "C-1", "value": }]"#, "line 1, column 25: expected a value, found '}]'"),
    ])
    func commonSlipsAreNamed(_ text: String, _ message: String) throws {
        let out = try Fixture.transcript("contracts | count", store: Self.store(["contracts": text]))
        #expect(out.contains("cannot read contracts.json: " + message), "\(out)")
    }

    @Test func wrongTypeNamesRecordFieldExpectedAndFound() throws {
        let dir = Self.store(["vendors": """
        [{"id": "V-1", "name": "Acme", "category": "logistics", "country": "US", "status": "active", "rating": "high", "headcount": 10, "certifications": [], "since": "2020-01-01"}]
        """])
        let out = try Fixture.transcript("vendors | select id, rating", store: dir)
        #expect(out.contains("warning: vendors.json: record 1 (id V-1): field 'rating': expected number, found \"high\""), "\(out)")
        #expect(out.contains("│ V-1 │ null   │"), "the bad value reads as null: \(out)")
    }

    @Test func duplicateIDAndBadEnumAndRange() throws {
        let dir = Self.store(["vendors": """
        [{"id": "V-1", "name": "A", "category": "logistic", "country": "US", "status": "active", "rating": 7, "headcount": 1.5, "certifications": [], "since": "2020-02-30"},
         {"id": "V-1", "name": "B", "category": "logistics", "country": "US", "status": "active", "rating": 1, "headcount": 1, "certifications": [1], "since": "2020-01-01"}]
        """])
        let store = try Fixture.store(dir)
        _ = try store.table(.vendors)
        let problems = store.problems.map(\.description)
        #expect(problems.contains("vendors.json: record 1 (id V-1): field 'category': expected one of software, customer_service, logistics, content, design, manufacturing, data_entry, facilities, it_ops, other, found \"logistic\" (did you mean \"logistics\"?)"), "\(problems)")
        #expect(problems.contains("vendors.json: record 1 (id V-1): field 'rating': expected a number from 0 to 5, found 7"))
        #expect(problems.contains("vendors.json: record 1 (id V-1): field 'headcount': expected a whole number, found 1.5"))
        #expect(problems.contains("vendors.json: record 1 (id V-1): field 'since': expected a date (YYYY-MM-DD), found \"2020-02-30\""))
        #expect(problems.contains("vendors.json: record 2 (id V-1): field 'id': duplicate id \"V-1\" (first used by record 1 (id V-1))"))
        #expect(problems.contains("vendors.json: record 2 (id V-1): field 'certifications': item 1: expected string, found 1"))
        // A value outside the list that the file holds can be looked for; one it does not hold is a slip.
        let found = try Fixture.transcript("vendors where category = \"logistic\" | select id\nvendors where category = \"logistik\" | count", store: dir)
        #expect(found.contains("│ V-1 │") && found.contains("error: \"logistik\" is not a category of vendors"), "\(found)")
        // Listed record by record, as a person fixing the file goes through it.
        #expect(problems.map { $0.hasPrefix("vendors.json: record 1 ") } == [true, true, true, true, false, false], "\(problems)")
    }

    @Test func danglingReferenceAndMissingField() throws {
        let dir = Self.store(["kpis": """
        [{"id": "K-1", "contract": "C-9", "metric": "on_time", "target": 0.95, "direction": "higher", "weight": 1, "penalty": 100},
         {"id": "K-2", "contract": "C-1", "metric": "on_time", "direction": "higher", "weight": 1, "penalty": 100}]
        """])
        let out = try Fixture.transcript("kpis | select id, contract.title", store: dir)
        #expect(out.contains("warning: kpis.json: record 1 (id K-1): field 'contract': no contracts record has id \"C-9\""), "\(out)")
        #expect(out.contains("warning: kpis.json: record 2 (id K-2): field 'target': missing (the field is required)"), "\(out)")
        #expect(out.contains("│ K-1 │ null           │"), "\(out)")
        #expect(out.contains("│ K-2 │ Freight        │"), "\(out)")
    }

    @Test func nonObjectElementIsReportedNotSkippedSilently() throws {
        let dir = Self.store(["contracts": "[42]"])
        let out = try Fixture.transcript("contracts | count", store: dir)
        #expect(out.contains("contracts.json: record 1: expected an object, found number; this record is left out of queries"), "\(out)")
    }

    @Test func missingFileIsAnEmptyCollectionAndUnknownFieldsAreKept() throws {
        let dir = Self.store([:])
        let store = try Fixture.store(dir)
        #expect(try store.table(.risks).count == 0)
        let vendors = try store.table(.vendors)
        #expect(vendors.record(1).keys == ["id", "name", "category", "country", "status", "rating", "headcount", "certifications", "since", "extra"])
        #expect(vendors.record(1)["extra"] == .object(JSONObject([("x", .number(1))])))
        #expect(!vendors.has(0, vendors.column("extra")!))
    }

    @Test func unopenableStore() {
        #expect(throws: StoreError.self) { try Store(path: "/nonexistent/store") }
    }
}

/// Derived fields, checked against values computed here from the raw files
/// with Foundation's JSON reader (independent of vq's reader and engine).
@Suite struct DerivedFieldTests {
    nonisolated(unsafe) static let raw = (
        vendors: Fixture.rawRecords("vendors"), contracts: Fixture.rawRecords("contracts"), kpis: Fixture.rawRecords("kpis"),
        measurements: Fixture.rawRecords("measurements"), costs: Fixture.rawRecords("costs"), risks: Fixture.rawRecords("risks"),
        findings: Fixture.rawRecords("findings"), evaluations: Fixture.rawRecords("evaluations"), rates: Fixture.rawRecords("rates")
    )

    /// What one unit of `code` is worth in USD on `day`: the latest rate dated on
    /// or before it (the generated store has rates to USD only, so any other pair
    /// goes through USD, as SPEC §5's one intermediate currency).
    static func inUSD(_ code: String, _ day: String) -> Double {
        if code == "USD" { return 1 }
        let rates = raw.rates.filter { $0["from"] as! String == code && $0["to"] as! String == "USD" && ($0["date"] as! String) <= day }
        return number(rates.max { ($0["date"] as! String) < ($1["date"] as! String) }!["rate"])!
    }

    static func convert(_ amount: Double, _ from: String, _ to: String, _ day: String) -> Double {
        from == to ? amount : amount * inUSD(from, day) / inUSD(to, day)
    }

    /// A sum of amounts in their currencies: as it is in one currency, else each converted to USD on its day.
    static func total(_ amounts: [(amount: Double, currency: String, day: String)]) -> Double {
        Set(amounts.map(\.currency)).count <= 1 ? amounts.map(\.amount).reduce(0, +)
            : amounts.map { convert($0.amount, $0.currency, "USD", $0.day) }.reduce(0, +)
    }

    static func number(_ v: Any?) -> Double? { (v as? NSNumber).map(\.doubleValue) }

    /// The figure of a value (an amount of money: its amount; its currency is checked in MoneyTests).
    static func close(_ a: Value, _ b: Double?, _ what: String) {
        switch (a.isNull ? nil : a.amount, b) {
        case (nil, nil): break
        case (let x?, let y?): #expect(abs(x - y) <= 1e-9 * max(1, abs(y)), "\(what): \(x) vs \(y)")
        default: Issue.record("\(what): \(a) vs \(String(describing: b))")
        }
    }

    func kpiFigures() -> [String: (mean: Double?, latest: Double?, misses: Int, count: Int, attainment: Double?)] {
        var out: [String: (Double?, Double?, Int, Int, Double?)] = [:]
        for k in Self.raw.kpis {
            let id = k["id"] as! String
            let ms = Self.raw.measurements.filter { $0["kpi"] as! String == id }
            let actuals = ms.map { Self.number($0["actual"])! }
            let target = Self.number(k["target"])!
            let lower = k["direction"] as! String == "lower"
            let mean = actuals.isEmpty ? nil : actuals.reduce(0, +) / Double(actuals.count)
            let latest = ms.max { ($0["period"] as! String) < ($1["period"] as! String) }.map { Self.number($0["actual"])! }
            let misses = actuals.filter { lower ? $0 > target : $0 < target }.count
            var attainment: Double?
            if let mean { attainment = lower ? (mean == 0 ? 1 : min(1, target / mean)) : (target == 0 ? 1 : min(1, mean / target)) }
            out[id] = (mean, latest, misses, actuals.count, attainment)
        }
        return out
    }

    @Test func kpiFields() throws {
        let store = try Fixture.store()
        let figures = kpiFigures()
        let ids = try store.table(.kpis)
        let names = ["mean", "latest", "misses", "miss_rate", "attainment"]
        let columns = try names.map { try store.derived(.kpis, $0) }
        for row in 0..<ids.count {
            let f = figures[ids.id(row)!]!
            Self.close(columns[0][row], f.mean, "mean")
            Self.close(columns[1][row], f.latest, "latest")
            Self.close(columns[2][row], Double(f.misses), "misses")
            Self.close(columns[3][row], f.count == 0 ? nil : Double(f.misses) / Double(f.count), "miss_rate")
            Self.close(columns[4][row], f.attainment, "attainment")
        }
    }

    @Test func contractAndVendorFields() throws {
        let store = try Fixture.store()
        let figures = kpiFigures()
        let contracts = try store.table(.contracts), vendors = try store.table(.vendors)
        func currency(_ contract: String) -> String {
            Self.raw.contracts.first { $0["id"] as! String == contract }!["currency"] as! String
        }
        /// A contract's costs, each in its currency and valued on its period's first day.
        func costs(_ contract: String) -> [(amount: Double, currency: String, day: String)] {
            Self.raw.costs.filter { $0["contract"] as! String == contract }
                .map { (Self.number($0["amount"])!, currency(contract), ($0["period"] as! String) + "-01") }
        }
        func spend(_ contract: String) -> Double { costs(contract).map(\.amount).reduce(0, +) }
        func score(_ kpis: [[String: Any]]) -> Double? {
            var num = 0.0, den = 0.0
            for k in kpis {
                guard let a = figures[k["id"] as! String]!.attainment else { continue }
                num += Self.number(k["weight"])! * a
                den += Self.number(k["weight"])!
            }
            return den == 0 ? nil : 100 * num / den
        }
        let cSpend = try store.derived(.contracts, "spend"), cRemaining = try store.derived(.contracts, "remaining")
        let cTerm = try store.derived(.contracts, "term_months"), cScore = try store.derived(.contracts, "score")
        for row in 0..<contracts.count {
            let raw = Self.raw.contracts.first { $0["id"] as? String == contracts.id(row) }!
            let id = raw["id"] as! String
            Self.close(cSpend[row], spend(id), "spend \(id)")
            // In the budget's currency: each cost converted at its period when the budget is in another.
            let budgetCurrency = raw["budget_currency"] as? String ?? currency(id)
            let spent = costs(id).map { Self.convert($0.amount, $0.currency, budgetCurrency, $0.day) }.reduce(0, +)
            Self.close(cRemaining[row], Self.number(raw["budget_cap"])! - spent, "remaining \(id)")
            Self.close(cScore[row], score(Self.raw.kpis.filter { $0["contract"] as! String == id }), "score \(id)")
            // Term: whole months from start to the day after end, by a calendar.
            let f = DateFormatter()
            f.dateFormat = "yyyy-MM-dd"
            f.timeZone = TimeZone(identifier: "UTC")
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let start = f.date(from: raw["start"] as! String)!, end = f.date(from: raw["end"] as! String)!
            let months = calendar.dateComponents([.month], from: start, to: end.addingTimeInterval(86_400)).month!
            Self.close(cTerm[row], Double(months), "term_months \(id)")
        }
        let names = ["on_time", "spend", "score", "risk_exposure", "open_findings", "eval_score"]
        let columns = try names.map { try store.derived(.vendors, $0) }
        for row in 0..<vendors.count {
            let id = vendors.id(row)!
            let mine = Self.raw.contracts.filter { $0["vendor"] as! String == id }.map { $0["id"] as! String }
            let kpis = Self.raw.kpis.filter { mine.contains($0["contract"] as! String) }
            let onTimeKPIs = Set(kpis.filter { $0["metric"] as! String == "on_time" }.map { $0["id"] as! String })
            let onTime = Self.raw.measurements.filter { onTimeKPIs.contains($0["kpi"] as! String) }.map { Self.number($0["actual"])! }
            Self.close(columns[0][row], onTime.isEmpty ? nil : onTime.reduce(0, +) / Double(onTime.count), "on_time \(id)")
            Self.close(columns[1][row], Self.total(mine.flatMap(costs)), "spend \(id)")
            Self.close(columns[2][row], score(kpis), "score \(id)")
            // Forward-looking money: converted at today's rate when the vendor's risks are in several currencies.
            let exposure = Self.total(Self.raw.risks.filter { $0["vendor"] as! String == id && $0["status"] as! String == "open" }.map {
                (Self.number($0["likelihood"])! * Self.number($0["impact"])!,
                 ($0["contract"] as? String).map(currency) ?? $0["currency"] as! String, Dates.format(day: Fixture.today))
            })
            Self.close(columns[3][row], exposure, "risk_exposure \(id)")
            let open = Self.raw.findings.filter {
                mine.contains($0["contract"] as! String) && ($0["passed"] as! Bool) == false && $0["resolved"] == nil
            }.count
            Self.close(columns[4][row], Double(open), "open_findings \(id)")
            let evals = Self.raw.evaluations.filter { $0["vendor"] as! String == id }.map { e in
                ["quality", "cost", "cooperation", "delivery"].map { Self.number(e[$0])! }.reduce(0, +) / 4
            }
            Self.close(columns[5][row], evals.isEmpty ? nil : evals.reduce(0, +) / Double(evals.count), "eval_score \(id)")
        }
    }

    @Test(arguments: [("2024-01-01", "2025-12-31", 24), ("2024-03-15", "2025-03-14", 12), ("2024-01-31", "2024-02-29", 1),
                      ("2024-01-01", "2024-01-31", 1), ("2024-01-15", "2024-02-13", 0)])
    func termMonthsEdgeCases(_ start: String, _ end: String, _ months: Int) {
        #expect(Dates.wholeMonths(from: Dates.parseDate(start)!, to: Dates.parseDate(end)! + 1) == months)
    }

    @Test func scoreIsNullWhenWeightsSumToZero() throws {
        let dir = StoreValidationTests.store(["kpis": """
        [{"id": "K-1", "contract": "C-1", "metric": "on_time", "target": 0.95, "direction": "higher", "weight": 0, "penalty": 1}]
        """, "measurements": "[{\"kpi\": \"K-1\", \"period\": \"2024-01\", \"actual\": 0.9}]"])
        let out = try Fixture.transcript("contracts | select id, score, spend, remaining\nvendors | select id, score, on_time, spend, open_findings", store: dir)
        #expect(out.contains("│ id  │ score │ spend (USD) │ remaining (USD) │\n"), "\(out)")
        #expect(out.contains("│ C-1 │ null  │           0 │         130,000 │"), "\(out)")
        #expect(out.contains("│ V-1 │ null  │     0.9 │     0 │             0 │"), "\(out)")
        #expect(out.contains("│ V-2 │ null  │    null │     0 │             0 │"), "\(out)")
    }
}

/// Typed field access (`table.values(ContractField.budget_cap)`) reads the
/// column a lookup by name finds, for every field of every collection, and
/// each derived field is declared once.
@Suite struct TypedFieldTests {
    static func check<F: StoredField>(_ fields: F.Type, in store: Store) throws {
        let table = try store.table(F.collection)
        #expect(F.allCases.map(\.rawValue) == F.collection.spec.fields.map(\.name))
        for f in F.allCases {
            #expect(table.column(f.rawValue) == f.column, "\(F.collection.rawValue).\(f.rawValue)")
        }
    }

    @Test func typedFieldsAreTheSchemaColumns() throws {
        let store = try Fixture.store()
        try Self.check(VendorField.self, in: store)
        try Self.check(ContractField.self, in: store)
        try Self.check(KPIField.self, in: store)
        try Self.check(MeasurementField.self, in: store)
        try Self.check(RiskField.self, in: store)
        try Self.check(CostField.self, in: store)
        try Self.check(ChangeRequestField.self, in: store)
        try Self.check(FindingField.self, in: store)
        try Self.check(EvaluationField.self, in: store)
    }

    @Test func eachDerivedFieldIsDeclaredOnceAndReadsWhatItNeeds() throws {
        let names = DerivedField.all.map { "\($0.collection.rawValue).\($0.name)" }
        #expect(Set(names).count == names.count)
        for field in DerivedField.all {
            #expect(field.reads.contains(field.collection), "\(field.name)")
            // Computed on a store that has read only what the field says it reads.
            let store = try Fixture.store()
            store.prefetch(Set(field.reads))
            let before = Set(store.loaded)
            _ = try store.derived(field)
            #expect(Set(store.loaded).isSubset(of: before.union(field.reads.flatMap(Schema.dependencies(of:)))),
                    "\(field.collection.rawValue).\(field.name) read \(Set(store.loaded).subtracting(before)) beyond what it declares")
        }
    }
}

/// Records found by id the same way whether a file's ids ascend (they index
/// themselves, searched by halves) or not (a dictionary, the first record winning).
@Suite struct IDIndexTests {
    @Test func ascendingAndShuffledIdsFindTheSameRecords() throws {
        var rng = Xoshiro256(seed: 11)
        for round in 0..<12 {
            // Large tables (from 100,000 records) index ascending ids by themselves; smaller ones hash them.
            let n = round % 3 == 0 ? rng.int(100_000...100_050) : rng.int(1...60)
            var ids = (0..<n).map { String(format: "C-%06d", $0 * 3 + rng.int(0...2)) }
            let ascending = ids.indices.allSatisfy { $0 == 0 || ids[$0 - 1].codePointOrder(ids[$0]) < 0 }
            if rng.chance(0.5) { ids.shuffle(using: &rng) }
            if rng.chance(0.3) { ids.append(ids[rng.int(0...(ids.count - 1))]) }  // a duplicate
            let records = ids.map { #"{"id": "\#($0)", "vendor": "V-1", "title": "t", "start": "2024-01-01", "end": "2024-12-31", "value": 1, "currency": "USD", "budget_cap": 1, "payment_terms_days": 1, "change_request_cost": 1, "expected_change_requests": 0, "penalty_cap": 0.1, "confidentiality": true, "status": "active"}"# }
            let dir = StoreValidationTests.store(["contracts": "[" + records.joined(separator: ",\n") + "]"])
            let table = try Store(path: dir).table(.contracts)
            for probe in Set(ids.prefix(40) + ids.suffix(20) + ["C-999999", "C-0000", "c-00001"]) {
                #expect(table.row(id: probe) == ids.firstIndex(of: probe), "\(probe) in \(ids) (ascending at first: \(ascending))")
            }
            #expect(Set(table.ids) == Set(ids))
        }
    }
}

/// A one-pass scan of a file gives what its table holds, read or not.
@Suite struct ScanTests {
    @Test func aScanGivesTheTablesValuesAndNamesABrokenFile() throws {
        let fields = ["contract", "period", "amount", "no_such_field"]
        func scanned(_ store: Store) throws -> [String] {
            var out: [String] = []
            try store.scan(.costs, fields: fields) { (v: [JSONValue?]) throws(StoreError) in
                out.append(v.map { $0.map { JSONWriter.string($0) } ?? "-" }.joined(separator: " "))
            }
            return out
        }
        let fresh = try Fixture.store()
        let unread = try scanned(fresh)
        _ = try fresh.table(.costs)
        #expect(try scanned(fresh) == unread, "the same once the table has been read")
        #expect(unread.count == (try fresh.table(.costs)).count && unread.allSatisfy { $0.hasSuffix(" -") })
        let dir = StoreValidationTests.store(["costs": "[{\"id\": \"X-1\", \"contract\": \"C-1\",, }]"])
        #expect(throws: StoreError.self) { try Store(path: dir).scan(.costs, fields: fields) { (_: [JSONValue?]) throws(StoreError) in } }
    }

    /// A portfolio's recorded costs (read by a scan past 64 contracts) come to the contracts' spend in USD.
    @Test func aPortfoliosToDateIsItsContractsSpend() throws {
        let r = try SimulationTests.cost("simulate cost of (contracts where status != \"draft\") trials 10")
        let store = try Fixture.store()
        let contracts = try store.table(.contracts)
        let status = contracts.values(ContractField.status)
        // Each contract's spend in USD, its costs converted at their periods (what the derived field carries).
        var total = 0.0
        for (row, v) in try store.derived(.contracts, "spend").enumerated() where status[row] != .string("draft") {
            guard case .money(let m) = v else { Issue.record("spend \(v) is not money"); continue }
            total += m.currency.code == "USD" ? m.amount : try #require(m.reported)
        }
        #expect((try store.table(.contracts)).count > SimulationModel.searchedContracts, "the scan is used")
        #expect(abs(r.cases[0].breakdown.toDate - total) < 1e-6 * total, "\(r.cases[0].breakdown.toDate) vs \(total)")
    }
}
