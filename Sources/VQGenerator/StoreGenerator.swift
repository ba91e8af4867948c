import Foundation
import VQJSON
import VQModel
import VQStore
import VQSupport

/// Generates a realistic store from a seed: every collection of the model,
/// English and Chinese vendor names, optional fields sometimes absent, and
/// some fields the model does not know. Everything is dated relative to
/// `today`: active contracts run through it, measurements and costs reach the
/// month before. Amounts have the magnitudes of their currency, and the
/// rates to the home currency (settings.json) cover the store's whole span.
/// The same seed and day give the same files.
public struct StoreGenerator {
    public var vendors: Int
    public var seed: UInt64
    public var today: Int

    /// The reporting currency of a generated store, and the others its contracts use.
    public static let home = "USD"
    /// What one unit of each is worth in USD five years before today, where its rate path starts.
    static let startingRates: [(code: String, usd: Double)] = [("CNY", 0.139), ("EUR", 1.08), ("GBP", 1.26)]
    /// How many months of history a store covers, up to today's month.
    static let span = 60

    public init(vendors: Int, seed: UInt64, today: Int = Dates.today()) {
        self.vendors = vendors
        self.seed = seed
        self.today = today
    }

    typealias Record = [(String, JSONValue)]

    /// Writes the collection files and settings.json into `directory`, creating it when missing.
    /// Writes a new store; a directory that already holds store files is left as it is.
    public func write(to directory: String) throws {
        let existing = (CollectionName.allCases.map(\.fileName) + [StoreSettings.fileName]).filter {
            FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0))
        }
        if let first = existing.first {
            throw StoreError("'\(directory)' already holds a store (\(first)\(existing.count > 1 ? ", …" : "")); "
                             + "give a new directory: generate does not replace files")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var files: [CollectionName: FileSink] = [:]
        for c in CollectionName.allCases {
            files[c] = try FileSink(path: (directory as NSString).appendingPathComponent(c.fileName))
        }
        generate { collection, record in files[collection]!.add(record) }
        for sink in files.values { try sink.close() }
        let settings = JSONWriter.string(.object(JSONObject([("currency", .string(Self.home))]))) + "\n"
        guard FileManager.default.createFile(atPath: (directory as NSString).appendingPathComponent(StoreSettings.fileName),
                                             contents: Data(settings.utf8)) else {
            throw StoreError("cannot write \(StoreSettings.fileName) in \(directory)")
        }
    }

    /// Monthly rates of each foreign currency to the home one: a seeded random
    /// walk (about 1.2 % a month), from `span` months ago to this month.
    func ratePaths() -> [String: [Double]] {
        var rng = Xoshiro256(seed: seed ^ 0x5EED_FACE)
        var paths: [String: [Double]] = [:]
        for (code, usd) in Self.startingRates {
            var r = usd, path: [Double] = []
            for _ in 0...Self.span {
                path.append(r)
                r *= exp(rng.normal(0, 0.012))
            }
            paths[code] = path
        }
        return paths
    }

    private static func number(_ d: Double, decimals: Int = 2) -> JSONValue {
        let scale = pow(10, Double(decimals))
        return .number((d * scale).rounded() / scale)
    }

    private static func date(_ day: Int) -> JSONValue { .string(Dates.format(day: day)) }

    private static func significant(_ d: Double, _ digits: Int) -> JSONValue {
        number(d, decimals: max(0, digits - 1 - Int(log10(abs(d)).rounded(.down))))
    }

    private static let englishStems = ["Northwind", "Bluepeak", "Ironbridge", "Silverline", "Redwood", "Brightpath", "Summit",
                                       "Harbor", "Keystone", "Lakeside", "Meridian", "Oakridge", "Pinnacle", "Crescent",
                                       "Granite", "Evergreen", "Atlas", "Beacon", "Cobalt", "Falcon"]
    private static let chineseStems = ["华", "鑫", "创", "达", "通", "远", "信", "恒", "顺", "丰", "博", "瑞", "联", "盛", "新", "中"]
    private static let suffixes: [String: (en: String, zh: String)] = [
        "software": ("Software", "软件"), "customer_service": ("Contact Services", "客服外包"),
        "logistics": ("Logistics", "物流"), "content": ("Content Studio", "内容服务"), "design": ("Design", "设计"),
        "manufacturing": ("Manufacturing", "制造"), "data_entry": ("Data Services", "数据服务"),
        "facilities": ("Facility Services", "物业服务"), "it_ops": ("IT Operations", "信息技术"), "other": ("Group", "集团"),
    ]
    private static let metricsByCategory: [String: [String]] = [
        "software": ["defect_rate", "csat"], "customer_service": ["csat", "first_response_hours"],
        "logistics": ["damage_rate", "csat"], "content": ["error_rate", "csat"], "design": ["csat", "defect_rate"],
        "manufacturing": ["defect_rate", "damage_rate"], "data_entry": ["error_rate", "first_response_hours"],
        "facilities": ["csat", "first_response_hours"], "it_ops": ["first_response_hours", "defect_rate"],
        "other": ["csat", "error_rate"],
    ]
    /// target, direction, typical spread of actuals.
    private static let metricShape: [String: (target: Double, direction: String, decimals: Int)] = [
        "on_time": (0.95, "higher", 4), "defect_rate": (0.02, "lower", 4), "csat": (4.2, "higher", 2),
        "damage_rate": (0.01, "lower", 4), "error_rate": (0.03, "lower", 4), "first_response_hours": (4, "lower", 1),
    ]

    func generate(_ emit: (CollectionName, Record) -> Void) {
        var rng = Xoshiro256(seed: seed)
        let thisMonth = Dates.month(ofDay: today)
        let firstMonth = thisMonth - Self.span
        let paths = ratePaths()
        for (code, path) in paths.sorted(by: { $0.key < $1.key }) {
            for (m, r) in path.enumerated() {
                emit(.rates, [("from", .string(code)), ("to", .string(Self.home)),
                              ("date", Self.date(Dates.firstDay(ofMonth: firstMonth + m))), ("rate", Self.significant(r, 6))])
            }
        }
        /// Units of `code` per home unit in `month` (1 for the home currency).
        func perHome(_ code: String, _ month: Int) -> Double {
            guard let path = paths[code] else { return 1 }
            return 1 / path[max(0, min(path.count - 1, month - firstMonth))]
        }
        let width = max(4, String(vendors).count)
        func id(_ prefix: String, _ n: Int, _ digits: Int) -> JSONValue {
            let s = String(n)
            return .string(prefix + "-" + String(repeating: "0", count: max(0, digits - s.count)) + s)
        }
        var contractNo = 0, kpiNo = 0, riskNo = 0, costNo = 0, crNo = 0, findingNo = 0, evalNo = 0
        var namedSF = false
        let categories = Schema.categories
        let certifications = ["ISO 9001", "ISO 27001", "SOC 2", "ISO 14001", "CMMI 3", "PCI DSS"]
        for v in 1...max(1, vendors) {
            let vendorID = id("V", v, width)
            let category = v <= categories.count ? categories[v - 1] : rng.pick(categories)
            let chinese = rng.chance(0.35)
            let suffix = Self.suffixes[category]!
            var name = chinese ? rng.pick(Self.chineseStems) + rng.pick(Self.chineseStems) + suffix.zh
                               : rng.pick(Self.englishStems) + " " + suffix.en
            // The first Chinese vendor is the one the README's examples look for.
            if chinese, !namedSF { name = "顺丰" + suffix.zh; namedSF = true }
            let country = chinese ? "CN" : rng.pick(["US", "GB", "DE", "IN", "PH", "PL", "VN", "MX", "IE"])
            let quality = rng.uniform(0.86, 0.995)  // how reliably this vendor delivers
            var vendor: Record = [
                ("id", vendorID), ("name", .string(name)), ("category", .string(category)), ("country", .string(country)),
                ("status", .string(rng.chance(0.8) ? "active" : rng.pick(["prospect", "qualified", "suspended", "exited"]))),
                ("rating", Self.number(min(5, max(0, 1.5 + (quality - 0.86) * 22 + rng.normal(0, 0.6))), decimals: 1)),
                ("headcount", .number(Double(rng.int(5...5000)))),
                ("certifications", .array(certifications.filter { _ in rng.chance(0.3) }.map(JSONValue.string))),
                ("since", Self.date(today - 5100 + rng.int(0...4000))),
            ]
            if rng.chance(0.4) { vendor.append(("notes", .string(rng.pick(["Preferred supplier", "Under review", "Strategic partner", "单一来源", "Renewal due"])))) }
            if rng.chance(0.1) { vendor.append(("legacy_code", .string("LC-\(rng.int(100...999))"))) }
            if rng.chance(0.05) {
                vendor.append(("crm", .object(JSONObject([("owner", .string(rng.pick(["Ana", "Li Wei", "Sam"]))), ("tier", .number(Double(rng.int(1...3))))]))))
            }
            emit(.vendors, vendor)
            let homeCurrency = chinese ? "CNY" : rng.pick(["USD", "USD", "EUR", "GBP"])

            for _ in 0..<rng.int(1...5) {
                contractNo += 1
                let contractID = id("C", contractNo, width + 1)
                let term = rng.pick([24, 36, 48])
                var startMonth = thisMonth - 59 + rng.int(0...35)
                var status = "active"
                if rng.chance(0.04) { status = "terminated" } else if rng.chance(0.03) { status = "draft"; startMonth = thisMonth + rng.int(1...3) }
                let start = Dates.firstDay(ofMonth: startMonth)
                let end = Dates.firstDay(ofMonth: startMonth + term) - 1
                if status == "active", end < today { status = "expired" }
                // Months billed so far: the whole term once it is over, none for a draft.
                let elapsed = status == "draft" ? 0 : max(0, min(term, thisMonth - startMonth))
                let currency = chinese ? "CNY" : (rng.chance(0.8) ? homeCurrency : rng.pick(["USD", "EUR", "GBP"]))
                let scale = perHome(currency, startMonth)  // the same work costs about seven times the number in CNY
                let value = (rng.uniform(50_000, 3_000_000) * scale / 1000).rounded() * 1000
                let crCost = (value * rng.uniform(0.01, 0.04) / 100).rounded() * 100
                let penaltyCap = rng.pick([0.05, 0.1, 0.15, 0.2])
                // A budget held in the home currency, for some foreign contracts: where fx risk bites.
                let budgetCurrency = currency != Self.home && rng.chance(0.25) ? Self.home : currency
                let budgetScale = budgetCurrency == currency ? 1 : 1 / scale
                var contract: Record = [
                    ("id", contractID), ("vendor", vendorID),
                    ("title", .string("\(suffix.en) services \(startMonth / 12)")),
                    ("start", Self.date(start)), ("end", Self.date(end)), ("value", .number(value)),
                    ("currency", .string(currency)),
                    ("budget_cap", .number((value * budgetScale * rng.uniform(1.02, 1.25) / 1000).rounded() * 1000)),
                    ("payment_terms_days", .number(Double(rng.pick([30, 45, 60, 90])))),
                    ("change_request_cost", .number(crCost)),
                    ("expected_change_requests", .number(Double(rng.int(0...6)))),
                    ("penalty_cap", Self.number(penaltyCap)),
                    ("confidentiality", .bool(rng.chance(0.7))), ("status", .string(status)),
                ]
                if budgetCurrency != currency { contract.append(("budget_currency", .string(budgetCurrency))) }
                if rng.chance(0.05) { contract.append(("po_number", .string("PO-\(rng.int(10000...99999))"))) }
                emit(.contracts, contract)
                func cost(_ month: Int, _ category: String, _ amount: Double) {
                    costNo += 1
                    emit(.costs, [("id", id("X", costNo, width + 2)), ("contract", contractID),
                                  ("period", .string(Dates.format(month: month))), ("category", .string(category)),
                                  ("amount", .number(amount.rounded()))])
                }

                // KPIs: on_time and the category's two, now and then one more, measured
                // over the last two years of the months elapsed.
                var metrics = ["on_time"] + Self.metricsByCategory[category]!
                if rng.chance(0.1), let extra = ["csat", "error_rate"].first(where: { !metrics.contains($0) }) { metrics.append(extra) }
                var credits = 0.0
                let measured = max(0, elapsed - 24)..<elapsed
                for metric in metrics {
                    kpiNo += 1
                    let kpiID = id("K", kpiNo, width + 2)
                    let shape = Self.metricShape[metric]!
                    let penalty = (value * rng.uniform(0.001, 0.004) / 10).rounded() * 10
                    emit(.kpis, [
                        ("id", kpiID), ("contract", contractID), ("metric", .string(metric)),
                        ("target", .number(shape.target)), ("direction", .string(shape.direction)),
                        ("weight", Self.number(metric == "on_time" ? 0.5 : rng.pick([0.2, 0.25, 0.3]))),
                        ("penalty", .number(penalty)),
                    ])
                    for m in measured {
                        let period = startMonth + m
                        let actual: Double
                        switch metric {
                        case "on_time": actual = min(1, max(0.5, quality + rng.normal(0, 0.03)))
                        case "csat": actual = min(5, max(1, 3 + quality * 1.5 + rng.normal(0, 0.3)))
                        case "first_response_hours": actual = max(0.2, (1.02 - quality) * 30 + rng.normal(0, 1))
                        default: actual = max(0, (1 - quality) * shape.target * 12 + rng.normal(0, shape.target / 4))
                        }
                        let rounded = Double(Self.number(actual, decimals: shape.decimals).number ?? actual)
                        emit(.measurements, [("kpi", kpiID), ("period", .string(Dates.format(month: period))),
                                             ("actual", .number(rounded))])
                        // A missed period owes the kpi's credit, received as a negative cost, up to the cap.
                        let missed = shape.direction == "higher" ? rounded < shape.target : rounded > shape.target
                        if missed, credits + penalty <= penaltyCap * value {
                            credits += penalty
                            cost(period, "penalty", -penalty)
                        }
                    }
                }

                // Billing for every month elapsed, near value / term, and now and then
                // equipment, materials or travel. One contract in seven runs over: its
                // billing outpaces the plan, so that some are over budget or near it.
                let drift = rng.chance(1.0 / 7) ? rng.uniform(1.25, 1.6) : rng.uniform(0.92, 1.08)
                for m in 0..<elapsed {
                    cost(startMonth + m, "labor", value / Double(term) * drift * rng.uniform(0.95, 1.05))
                }
                if elapsed > 0 {
                    for _ in 0..<rng.int(0...2) {
                        cost(startMonth + rng.int(0...(elapsed - 1)), rng.pick(["equipment", "materials", "travel", "other"]),
                             rng.uniform(500, 20_000) * scale)
                    }
                }

                // Change requests; an approved or done one is billed in its month.
                for _ in 0..<rng.int(0...3) {
                    crNo += 1
                    let date = status == "draft" ? today - rng.int(1...20) : min(today - 1, start + rng.int(30...700))
                    let amount = (crCost * rng.uniform(0.75, 1.25)).rounded()
                    let crStatus = status == "draft" ? "proposed" : rng.pick(["proposed", "approved", "rejected", "done", "done"])
                    emit(.change_requests, [("id", id("CR", crNo, width + 1)), ("contract", contractID), ("date", Self.date(date)),
                                            ("title", .string(rng.pick(["Extra reporting", "Scope extension", "新增需求", "Peak season capacity", "Integration change"]))),
                                            ("cost", .number(amount)), ("status", .string(crStatus))])
                    if crStatus == "approved" || crStatus == "done", Dates.month(ofDay: date) < thisMonth {
                        cost(Dates.month(ofDay: date), "change_request", amount)
                    }
                }

                for _ in 0..<(status == "draft" ? 0 : rng.int(0...3)) {
                    findingNo += 1
                    let date = min(today - 1, start + rng.int(30...700))
                    let passed = rng.chance(quality - 0.1)
                    var finding: Record = [("id", id("F", findingNo, width + 1)), ("contract", contractID), ("date", Self.date(date)),
                                           ("kind", .string(rng.pick(["spot_check", "review", "audit", "complaint"]))),
                                           ("severity", .string(rng.pick(["low", "low", "medium", "high", "critical"]))),
                                           ("passed", .bool(passed))]
                    if !passed {
                        finding.append(("due", Self.date(date + 30)))
                        let resolved = date + rng.int(5...60)
                        if rng.chance(0.5), resolved < today { finding.append(("resolved", Self.date(resolved))) }
                    }
                    emit(.findings, finding)
                }

                if rng.chance(0.5) {
                    riskNo += 1
                    emit(.risks, risk(&rng, id("R", riskNo, width + 1), vendorID, contractID, scale: scale))
                }
            }
            for _ in 0..<rng.int(0...1) {
                riskNo += 1
                // A vendor-level risk, in the vendor's own currency.
                var r = risk(&rng, id("R", riskNo, width + 1), vendorID, nil, scale: perHome(homeCurrency, thisMonth))
                r.append(("currency", .string(homeCurrency)))
                emit(.risks, r)
            }
            for _ in 0..<rng.int(0...3) {
                evalNo += 1
                func score() -> JSONValue { .number(Double(min(5, max(1, Int((quality - 0.8) * 25 + rng.normal(0, 0.8)))))) }
                var evaluation: Record = [("id", id("E", evalNo, width + 1)), ("vendor", vendorID),
                                          ("date", Self.date(today - 1460 + rng.int(0...1400))),
                                          ("quality", score()), ("cost", score()), ("cooperation", score()), ("delivery", score())]
                if rng.chance(0.3) { evaluation.append(("comment", .string(rng.pick(["Solid quarter", "Slow to respond", "响应及时", "Quality improving"])))) }
                emit(.evaluations, evaluation)
            }
        }
    }

    private func risk(_ rng: inout Xoshiro256, _ riskID: JSONValue, _ vendorID: JSONValue, _ contractID: JSONValue?, scale: Double) -> Record {
        var risk: Record = [("id", riskID), ("vendor", vendorID)]
        if let contractID { risk.append(("contract", contractID)) }
        risk += [
            ("title", .string(rng.pick(["Key staff turnover", "Data breach", "Capacity shortfall", "Currency swing", "Regulatory change", "供应中断", "Port strike"]))),
            ("category", .string(rng.pick(["financial", "operational", "security", "compliance", "force_majeure", "delivery"]))),
            ("likelihood", Self.number(rng.uniform(0.05, 0.6))),
            ("impact", .number((rng.uniform(10_000, 500_000) * scale / 1000).rounded() * 1000)),
            ("status", .string(rng.pick(["open", "open", "mitigated", "closed"]))),
        ]
        if rng.chance(0.6) { risk.append(("mitigation", .string(rng.pick(["Backup vendor qualified", "Quarterly audit", "Escrow", "双供应商"])))) }
        if rng.chance(0.7) { risk.append(("owner", .string(rng.pick(["Procurement", "IT Security", "Finance", "Legal"])))) }
        return risk
    }
}

/// Writes a store file record by record, in the store's layout (one record a line).
final class FileSink {
    private let handle: FileHandle
    private var buffer = "[\n"
    private var first = true

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw StoreError("cannot write \(path)")
        }
        handle = h
    }

    func add(_ record: [(String, JSONValue)]) {
        if !first { buffer += ",\n" }
        first = false
        buffer += "  "
        JSONWriter.write(.object(JSONObject(record)), into: &buffer)
        if buffer.utf8.count > 1 << 20 { flush() }
    }

    private func flush() {
        handle.write(Data(buffer.utf8))
        buffer = ""
    }

    func close() throws {
        buffer += first ? "]\n" : "\n]\n"
        flush()
        try handle.close()
    }
}
