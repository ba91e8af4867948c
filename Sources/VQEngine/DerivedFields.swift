import VQJSON
import VQLanguage
import VQModel
import VQStore
import VQSupport

/// The derived fields of SPEC §1, computed for a whole collection at once and
/// kept until the store is reloaded.
extension Store {
    public func derived(_ collection: CollectionName, _ name: String) throws(StoreError) -> [Value] {
        let key = collection.rawValue + "." + name
        if let cached = derivedCache[key] { return cached }
        let values: [Value]
        switch (collection, name) {
        case (.kpis, "mean"): values = try kpiStats().map { $0.count == 0 ? .null : .number($0.sum.value / Double($0.count)) }
        case (.kpis, "latest"): values = try kpiStats().map { $0.latest.map(Value.number) ?? .null }
        case (.kpis, "misses"): values = try kpiStats().map { .number(Double($0.misses)) }
        case (.kpis, "miss_rate"):
            values = try kpiStats().map { $0.count == 0 ? .null : .number(Double($0.misses) / Double($0.count)) }
        case (.kpis, "attainment"): values = try kpiStats().map { $0.attainment.map(Value.number) ?? .null }
        case (.contracts, "spend"): values = try contractSpend().map(Value.number)
        case (.contracts, "remaining"):
            let spend = try contractSpend()
            let t = try table(.contracts)
            let cap = t.columns[t.column("budget_cap")!]
            values = spend.indices.map { i in cap[i].number.map { .number($0 - spend[i]) } ?? .null }
        case (.contracts, "term_months"):
            let t = try table(.contracts)
            let start = t.columns[t.column("start")!], end = t.columns[t.column("end")!]
            values = (0..<t.count).map { i in
                guard let s = dateOf(start[i]), let e = dateOf(end[i]) else { return .null }
                return .number(Double(Dates.wholeMonths(from: s, to: e + 1)))
            }
        case (.contracts, "score"):
            values = try weightedScore(owner: .contracts) { kpiRow, kpis in Int(kpis.references["contract"]![kpiRow]) }
        case (.vendors, "score"):
            let contracts = try table(.contracts)
            values = try weightedScore(owner: .vendors) { kpiRow, kpis in
                let c = Int(kpis.references["contract"]![kpiRow])
                return c < 0 ? -1 : Int(contracts.references["vendor"]![c])
            }
        case (.vendors, "on_time"): values = try vendorOnTime()
        case (.vendors, "spend"):
            let spend = try contractSpend()
            values = try sumOver(.vendors, children: .contracts, via: "vendor") { spend[$0] }.map(Value.number)
        case (.vendors, "risk_exposure"):
            let risks = try table(.risks)
            let likelihood = risks.columns[risks.column("likelihood")!], impact = risks.columns[risks.column("impact")!]
            let status = risks.columns[risks.column("status")!]
            values = try sumOver(.vendors, children: .risks, via: "vendor") { r in
                guard status[r] == .string("open"), let l = likelihood[r].number, let i = impact[r].number else { return 0 }
                return l * i
            }.map(Value.number)
        case (.vendors, "open_findings"):
            let findings = try table(.findings)
            let passed = findings.columns[findings.column("passed")!], resolved = findings.columns[findings.column("resolved")!]
            let open = try countPerContract(.findings) { f in passed[f] == .bool(false) && resolved[f] == .null }
            values = try sumOver(.vendors, children: .contracts, via: "vendor") { open[$0] }.map(Value.number)
        case (.vendors, "eval_score"):
            let evals = try table(.evaluations)
            let parts = ["quality", "cost", "cooperation", "delivery"].map { evals.columns[evals.column($0)!] }
            let perVendor = try children(.evaluations, via: "vendor")
            values = (0..<(try table(.vendors).count)).map { v in
                var total = CompensatedSum(), n = 0
                for e in perVendor[v] {
                    let scores = parts.compactMap { $0[Int(e)].number }
                    guard !scores.isEmpty else { continue }
                    total += scores.compensatedSum / Double(scores.count)
                    n += 1
                }
                return n == 0 ? .null : .number(total.value / Double(n))
            }
        default:
            preconditionFailure("no derived field \(key)")
        }
        derivedCache[key] = values
        return values
    }

    /// Per-kpi figures from its measurements.
    /// What the kpi derived fields are made of, gathered over a kpi's measurements.
    public struct KPIStats {
        public var count = 0
        public var sum = CompensatedSum()
        public var misses = 0
        public var latestPeriod = Int.min
        public var latest: Double?
        public var attainment: Double?

        /// One measurement (null actuals are not measurements).
        mutating func add(actual: Double, period: JSONValue, target: Double?, lower: Bool) {
            count += 1
            sum += actual
            if let t = target, lower ? actual > t : actual < t { misses += 1 }
            if case .string(let p) = period, let month = Dates.parseMonth(p), month >= latestPeriod {
                latestPeriod = month
                latest = actual
            }
        }

        mutating func finish(target: Double?, lower: Bool) {
            guard count > 0, let t = target else { return }
            let mean = sum.value / Double(count)
            attainment = lower ? (mean == 0 ? 1 : min(1, t / mean)) : (t == 0 ? 1 : min(1, mean / t))
        }

        public var missRate: Double? { count == 0 ? nil : Double(misses) / Double(count) }
    }

    func kpiStats() throws(StoreError) -> [KPIStats] {
        let kpis = try table(.kpis)
        let measurements = try table(.measurements)
        let target = kpis.columns[kpis.column("target")!], direction = kpis.columns[kpis.column("direction")!]
        let actual = measurements.columns[measurements.column("actual")!]
        let period = measurements.columns[measurements.column("period")!]
        let owner = measurements.references["kpi"]!
        var stats = [KPIStats](repeating: KPIStats(), count: kpis.count)
        let lower = (0..<kpis.count).map { direction[$0] == .string("lower") }
        let targets = (0..<kpis.count).map { target[$0].number }
        for m in 0..<measurements.count {
            let k = Int(owner[m])
            guard k >= 0, let a = actual[m].number else { continue }
            stats[k].add(actual: a, period: period[m], target: targets[k], lower: lower[k])
        }
        for k in stats.indices { stats[k].finish(target: targets[k], lower: lower[k]) }
        return stats
    }

    /// The stats of a few kpis. When measurements have not been read, only the
    /// records of these kpis are looked for in the file, so that simulating one
    /// contract of a large store does not read a million measurements.
    public func kpiStats(of rows: [Int]) throws(StoreError) -> [Int: KPIStats] {
        let kpis = try table(.kpis)
        if !loaded.contains(.measurements), rows.count <= 64,
           let found = TableLoader.records(in: fileURL(.measurements), field: "kpi", values: Set(rows.compactMap { kpis.id($0).map(ExactString.init) })) {
            let target = kpis.columns[kpis.column("target")!], direction = kpis.columns[kpis.column("direction")!]
            var out: [Int: KPIStats] = [:]
            for k in rows { out[k] = KPIStats() }
            for record in found {
                guard case .string(let id)? = record["kpi"], let k = kpis.row(id: id), out[k] != nil,
                      let actual = record["actual"], let a = actual.number else { continue }
                out[k]!.add(actual: a, period: record["period"] ?? .null, target: target[k].number,
                            lower: direction[k] == .string("lower"))
            }
            for k in rows { out[k]!.finish(target: target[k].number, lower: direction[k] == .string("lower")) }
            return out
        }
        let all = try kpiStats()
        return Dictionary(uniqueKeysWithValues: rows.map { ($0, all[$0]) })
    }

    private func contractSpend() throws(StoreError) -> [Double] {
        let costs = try table(.costs)
        let amount = costs.columns[costs.column("amount")!]
        return try sumOver(.contracts, children: .costs, via: "contract") { amount[$0].number ?? 0 }
    }

    /// For each row of `parent`, the sum of `term` over its children.
    private func sumOver(_ parent: CollectionName, children child: CollectionName, via field: String,
                         _ term: (Int) -> Double) throws(StoreError) -> [Double] {
        let links = try children(child, via: field)
        return (0..<(try table(parent).count)).map { p in
            var sum = CompensatedSum()
            for c in links[p] { sum += term(Int(c)) }
            return sum.value
        }
    }

    private func countPerContract(_ child: CollectionName, _ predicate: (Int) -> Bool) throws(StoreError) -> [Double] {
        try sumOver(.contracts, children: child, via: "contract") { predicate($0) ? 1 : 0 }
    }

    /// 100 × Σ(weight × attainment) / Σ weight over the kpis with measurements that
    /// `ownerOf` maps to each row of `owner`; null when there are none or the weights sum to 0.
    private func weightedScore(owner: CollectionName, ownerOf: (Int, Table) -> Int) throws(StoreError) -> [Value] {
        let kpis = try table(.kpis)
        let stats = try kpiStats()
        let weight = kpis.columns[kpis.column("weight")!]
        var num = [CompensatedSum](repeating: CompensatedSum(), count: try table(owner).count)
        var den = num
        for k in 0..<kpis.count {
            guard let a = stats[k].attainment, let w = weight[k].number else { continue }
            let o = ownerOf(k, kpis)
            guard o >= 0 else { continue }
            num[o] += w * a
            den[o] += w
        }
        return num.indices.map { den[$0].value == 0 ? .null : .number(100 * num[$0].value / den[$0].value) }
    }

    private func vendorOnTime() throws(StoreError) -> [Value] {
        let vendors = try table(.vendors), contracts = try table(.contracts), kpis = try table(.kpis)
        let measurements = try table(.measurements)
        let metric = kpis.columns[kpis.column("metric")!]
        let kpiContract = kpis.references["contract"]!, contractVendor = contracts.references["vendor"]!
        // The vendor of each on_time kpi, then one pass over the measurements.
        let vendorOfKPI: [Int32] = (0..<kpis.count).map { k in
            guard metric[k] == .string("on_time") else { return -1 }
            let c = kpiContract[k]
            return c < 0 ? -1 : contractVendor[Int(c)]
        }
        let actual = measurements.columns[measurements.column("actual")!]
        let owner = measurements.references["kpi"]!
        var sum = [CompensatedSum](repeating: CompensatedSum(), count: vendors.count)
        var n = [Int](repeating: 0, count: vendors.count)
        for m in 0..<measurements.count {
            let k = owner[m]
            guard k >= 0 else { continue }
            let v = vendorOfKPI[Int(k)]
            guard v >= 0, let a = actual[m].number else { continue }
            sum[Int(v)] += a
            n[Int(v)] += 1
        }
        return sum.indices.map { n[$0] == 0 ? .null : .number(sum[$0].value / Double(n[$0])) }
    }
}

func dateOf(_ v: JSONValue) -> Int? {
    if case .string(let s) = v { return Dates.parseDate(s) }
    return nil
}
