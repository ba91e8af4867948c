import VQJSON
import VQLanguage
import VQModel
import VQStore
import VQSupport

/// A derived field (SPEC §1): computed from the stored data, read-only, and
/// declared once, here. The compiler, `.describe`, the mutation checks (it
/// cannot be set), prefetching and completion all read this table.
public struct DerivedField: Sendable, Hashable {
    public let collection: CollectionName
    public let name: String
    /// What its values are: `.int` for counts, else `.number`.
    public let type: FieldType
    public let definition: String
    /// The collections its values are computed from: read together, on both
    /// cores, before a statement that names it runs.
    public let reads: [CollectionName]
    let compute: @Sendable (Store) throws(StoreError) -> [Value]

    init(collection: CollectionName, name: String, type: FieldType = .number, definition: String, reads: [CollectionName],
         compute: @escaping @Sendable (Store) throws(StoreError) -> [Value]) {
        self.collection = collection
        self.name = name
        self.type = type
        self.definition = definition
        self.reads = reads
        self.compute = compute
    }

    /// One field of one collection: a name is declared once per collection.
    public static func == (a: DerivedField, b: DerivedField) -> Bool { a.collection == b.collection && a.name == b.name }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(collection)
        hasher.combine(name)
    }

    /// `contract.term_months`, which the simulator reads too.
    public static let termMonths = DerivedField(collection: .contracts, name: "term_months", type: .int,
                                                definition: "whole months from start to the day after end",
                                                reads: [.contracts]) { store throws(StoreError) in
        let t = try store.table(.contracts)
        let start = t.values(ContractField.start), end = t.values(ContractField.end)
        return (0..<t.count).map { i in
            guard let s = start[i].date, let e = end[i].date else { return .null }
            return .number(Double(Dates.wholeMonths(from: s, to: e + 1)))
        }
    }

    public static let all: [DerivedField] = [
        DerivedField(collection: .kpis, name: "mean", definition: "mean of the kpi's measurements' actual",
                     reads: [.kpis, .measurements]) { store throws(StoreError) in
            try store.kpiStats().map { $0.count == 0 ? .null : .number($0.sum.value / Double($0.count)) }
        },
        DerivedField(collection: .kpis, name: "latest", definition: "actual of the kpi's measurement with the greatest period",
                     reads: [.kpis, .measurements]) { store throws(StoreError) in
            try store.kpiStats().map { $0.latest.map(Value.number) ?? .null }
        },
        DerivedField(collection: .kpis, name: "misses", type: .int,
                     definition: "number of its measurements that miss the target (actual < target for higher, actual > target for lower)",
                     reads: [.kpis, .measurements]) { store throws(StoreError) in
            try store.kpiStats().map { .number(Double($0.misses)) }
        },
        DerivedField(collection: .kpis, name: "miss_rate", definition: "misses / number of measurements",
                     reads: [.kpis, .measurements]) { store throws(StoreError) in
            try store.kpiStats().map { $0.missRate.map(Value.number) ?? .null }
        },
        DerivedField(collection: .kpis, name: "attainment",
                     definition: "higher: min(1, mean / target) (1 when target is 0); lower: min(1, target / mean) (1 when mean is 0); null without measurements",
                     reads: [.kpis, .measurements]) { store throws(StoreError) in
            try store.kpiStats().map { $0.attainment.map(Value.number) ?? .null }
        },
        DerivedField(collection: .contracts, name: "spend", definition: "sum of the contract's costs' amount",
                     reads: [.contracts, .costs]) { store throws(StoreError) in
            try store.contractSpend().map(Value.number)
        },
        DerivedField(collection: .contracts, name: "remaining", definition: "budget_cap − spend",
                     reads: [.contracts, .costs]) { store throws(StoreError) in
            let spend = try store.contractSpend()
            let cap = try store.table(.contracts).values(ContractField.budget_cap)
            return spend.indices.map { i in cap[i].number.map { .number($0 - spend[i]) } ?? .null }
        },
        termMonths,
        DerivedField(collection: .contracts, name: "score",
                     definition: "100 × Σ(weight × attainment) / Σ weight over its kpis that have measurements",
                     reads: [.contracts, .kpis, .measurements]) { store throws(StoreError) in
            let contractOf = try store.table(.kpis).links(KPIField.contract)
            return try store.weightedScore(owner: .contracts) { Int(contractOf[$0]) }
        },
        DerivedField(collection: .vendors, name: "on_time",
                     definition: "mean of actual over all measurements of all kpis with metric on_time of all the vendor's contracts",
                     reads: [.vendors, .contracts, .kpis, .measurements]) { store throws(StoreError) in
            try store.vendorOnTime()
        },
        DerivedField(collection: .vendors, name: "spend", definition: "sum of spend over the vendor's contracts",
                     reads: [.vendors, .contracts, .costs]) { store throws(StoreError) in
            let spend = try store.contractSpend()
            return try store.sumOver(.vendors, children: .contracts, via: ContractField.vendor) { spend[$0] }.map(Value.number)
        },
        DerivedField(collection: .vendors, name: "score",
                     definition: "100 × Σ(weight × attainment) / Σ weight over all kpis of all its contracts that have measurements",
                     reads: [.vendors, .contracts, .kpis, .measurements]) { store throws(StoreError) in
            let contractOf = try store.table(.kpis).links(KPIField.contract)
            let vendorOf = try store.table(.contracts).links(ContractField.vendor)
            return try store.weightedScore(owner: .vendors) { k in
                let c = contractOf[k]
                return c < 0 ? -1 : Int(vendorOf[Int(c)])
            }
        },
        DerivedField(collection: .vendors, name: "risk_exposure", definition: "Σ likelihood × impact over its risks whose status is open",
                     reads: [.vendors, .risks]) { store throws(StoreError) in
            let risks = try store.table(.risks)
            let likelihood = risks.values(RiskField.likelihood), impact = risks.values(RiskField.impact)
            let status = risks.values(RiskField.status)
            return try store.sumOver(.vendors, children: .risks, via: RiskField.vendor) { r in
                guard status[r] == .string("open"), let l = likelihood[r].number, let i = impact[r].number else { return 0 }
                return l * i
            }.map(Value.number)
        },
        DerivedField(collection: .vendors, name: "open_findings", type: .int,
                     definition: "number of findings on its contracts with passed = false and no resolved date",
                     reads: [.vendors, .contracts, .findings]) { store throws(StoreError) in
            let findings = try store.table(.findings)
            let passed = findings.values(FindingField.passed), resolved = findings.values(FindingField.resolved)
            let open = try store.sumOver(.contracts, children: .findings, via: FindingField.contract) { f in
                passed[f] == .bool(false) && resolved[f] == .null ? 1 : 0
            }
            return try store.sumOver(.vendors, children: .contracts, via: ContractField.vendor) { open[$0] }.map(Value.number)
        },
        DerivedField(collection: .vendors, name: "eval_score",
                     definition: "mean over its evaluations of the mean of (quality, cost, cooperation, delivery)",
                     reads: [.vendors, .evaluations]) { store throws(StoreError) in
            let evals = try store.table(.evaluations)
            let parts = [EvaluationField.quality, .cost, .cooperation, .delivery].map { evals.values($0) }
            let perVendor = try store.children(.evaluations, via: EvaluationField.vendor.rawValue)
            return (0..<(try store.table(.vendors).count)).map { v in
                var total = CompensatedSum(), n = 0
                for e in perVendor[v] {
                    let scores = parts.compactMap { $0[Int(e)].number }
                    guard !scores.isEmpty else { continue }
                    total += scores.compensatedSum / Double(scores.count)
                    n += 1
                }
                return n == 0 ? .null : .number(total.value / Double(n))
            }
        },
    ]

    /// The derived fields of a collection, in the order `.describe` lists them.
    public static func on(_ collection: CollectionName) -> [DerivedField] { all.filter { $0.collection == collection } }

    public static func named(_ name: String, on collection: CollectionName) -> DerivedField? {
        all.first { $0.collection == collection && $0.name == name }
    }

    /// What every derived field of this name (on any collection) reads.
    public static func reads(ofName name: String) -> Set<CollectionName> {
        Set(all.filter { $0.name == name }.flatMap(\.reads))
    }
}

extension Store {
    /// A derived field's value for every record of its collection, computed once
    /// and kept until the store is read again.
    public func derived(_ field: DerivedField) throws(StoreError) -> [Value] {
        let key = field.collection.rawValue + "." + field.name
        if let cached = derivedCache[key] { return cached }
        let values = try field.compute(self)
        derivedCache[key] = values
        return values
    }

    /// A derived field by name, as a statement names it.
    public func derived(_ collection: CollectionName, _ name: String) throws(StoreError) -> [Value] {
        guard let field = DerivedField.named(name, on: collection) else {
            throw StoreError("\(collection.rawValue) has no derived field '\(name)'")
        }
        return try derived(field)
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
        let target = kpis.values(KPIField.target), direction = kpis.values(KPIField.direction)
        let actual = measurements.values(MeasurementField.actual)
        let period = measurements.values(MeasurementField.period)
        let owner = measurements.links(MeasurementField.kpi)
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
        if rows.count <= 64, let found = records(where: MeasurementField.kpi, isOneOf: Set(rows.compactMap { kpis.id($0).map(ExactString.init) })) {
            let target = kpis.values(KPIField.target), direction = kpis.values(KPIField.direction)
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

    func contractSpend() throws(StoreError) -> [Double] {
        let amount = try table(.costs).values(CostField.amount)
        return try sumOver(.contracts, children: .costs, via: CostField.contract) { amount[$0].number ?? 0 }
    }

    /// For each row of `parent`, the sum of `term` over its children.
    func sumOver(_ parent: CollectionName, children child: CollectionName, via field: some StoredField,
                 _ term: (Int) -> Double) throws(StoreError) -> [Double] {
        let links = try children(child, via: field.rawValue)
        return (0..<(try table(parent).count)).map { p in
            var sum = CompensatedSum()
            for c in links[p] { sum += term(Int(c)) }
            return sum.value
        }
    }

    /// 100 × Σ(weight × attainment) / Σ weight over the kpis with measurements that
    /// `ownerOf` maps to each row of `owner`; null when there are none or the weights sum to 0.
    func weightedScore(owner: CollectionName, ownerOf: (Int) -> Int) throws(StoreError) -> [Value] {
        let kpis = try table(.kpis)
        let stats = try kpiStats()
        let weight = kpis.values(KPIField.weight)
        var num = [CompensatedSum](repeating: CompensatedSum(), count: try table(owner).count)
        var den = num
        for k in 0..<kpis.count {
            guard let a = stats[k].attainment, let w = weight[k].number else { continue }
            let o = ownerOf(k)
            guard o >= 0 else { continue }
            num[o] += w * a
            den[o] += w
        }
        return num.indices.map { den[$0].value == 0 ? .null : .number(100 * num[$0].value / den[$0].value) }
    }

    func vendorOnTime() throws(StoreError) -> [Value] {
        let vendors = try table(.vendors), contracts = try table(.contracts), kpis = try table(.kpis)
        let measurements = try table(.measurements)
        let metric = kpis.values(KPIField.metric)
        let kpiContract = kpis.links(KPIField.contract), contractVendor = contracts.links(ContractField.vendor)
        // The vendor of each on_time kpi, then one pass over the measurements.
        let vendorOfKPI: [Int32] = (0..<kpis.count).map { k in
            guard metric[k] == .string("on_time") else { return -1 }
            let c = kpiContract[k]
            return c < 0 ? -1 : contractVendor[Int(c)]
        }
        let actual = measurements.values(MeasurementField.actual)
        let owner = measurements.links(MeasurementField.kpi)
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

