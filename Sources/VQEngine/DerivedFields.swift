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
    /// For money: which currency its amounts are in (SPEC §5).
    public let money: String?
    public let definition: String
    /// The collections its values are computed from: read together, on both
    /// cores, before a statement that names it runs.
    public let reads: [CollectionName]
    let compute: @Sendable (Store) throws(StoreError) -> [Value]

    init(collection: CollectionName, name: String, type: FieldType = .number, money: String? = nil, definition: String,
         reads: [CollectionName], compute: @escaping @Sendable (Store) throws(StoreError) -> [Value]) {
        self.collection = collection
        self.name = name
        self.type = type
        self.money = money
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
        DerivedField(collection: .contracts, name: "spend", money: "the contract's currency", definition: "sum of the contract's costs' amount",
                     reads: [.contracts, .costs, .rates]) { store throws(StoreError) in
            let currency = try store.currencies(ContractField.currency)
            // Its costs fall on many days: what they come to in the reporting currency, each at its period, goes with it.
            let reported = try store.reportedSpend()
            return try store.contractSpend().enumerated().map { c, spend in
                guard let code = currency[c] else { return .number(spend) }
                return .money(Money(spend, code, reported: reported?[c]))
            }
        },
        DerivedField(collection: .contracts, name: "remaining", money: "the budget's currency",
                     definition: "budget_cap − spend (each cost converted to the budget's currency at its period when the two differ)",
                     reads: [.contracts, .costs, .rates]) { store throws(StoreError) in
            let contracts = try store.table(.contracts)
            let cap = contracts.values(ContractField.budget_cap)
            let capCurrency = try store.moneyColumn(.contracts, ContractField.budget_cap.spec)!.currency
            let spend = try store.costsPerContract(in: { capCurrency[$0] }, what: "remaining")
            let reported = try store.reportedSpend()
            let rates = try store.rates()
            return spend.indices.map { (i: Int) -> Value in
                guard let c = cap[i].number else { return .null }
                guard let code = capCurrency[i] else { return .number(c - spend[i]) }
                // The cap converts at today's rate, the costs at their periods.
                var inReporting: Double?
                if let r = store.reportingCurrency, let spent = reported?[i] ?? nil,
                   let capInReporting = try? rates.convert(Money(c, code), to: r, today: store.today).amount {
                    inReporting = capInReporting - spent
                }
                return .money(Money(c - spend[i], code, reported: inReporting))
            }
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
        DerivedField(collection: .vendors, name: "spend", money: "its contracts' one currency, else the reporting currency",
                     definition: "sum of spend over the vendor's contracts (in several currencies: each cost converted to the reporting currency at its period)",
                     reads: [.vendors, .contracts, .costs, .rates]) { store throws(StoreError) in
            let costs = try store.table(.costs)
            let amount = costs.values(CostField.amount)
            let costMoney = try store.moneyColumn(.costs, CostField.amount.spec)!
            let costsOf = try store.children(.costs, via: CostField.contract.rawValue)
            return try store.moneyOver(.vendors, children: .contracts, via: ContractField.vendor, "spend") { c in
                costsOf[c].compactMap { k in amount[Int(k)].number.map { costMoney.money($0, row: Int(k)) } }
            }
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
        DerivedField(collection: .vendors, name: "risk_exposure", money: "its risks' one currency, else the reporting currency",
                     definition: "Σ likelihood × impact over its risks whose status is open (in several currencies: converted to the reporting currency at today's rate)",
                     reads: [.vendors, .risks, .contracts, .rates]) { store throws(StoreError) in
            let risks = try store.table(.risks)
            let likelihood = risks.values(RiskField.likelihood), impact = risks.values(RiskField.impact)
            let status = risks.values(RiskField.status)
            let impactMoney = try store.moneyColumn(.risks, RiskField.impact.spec)!
            return try store.moneyOver(.vendors, children: .risks, via: RiskField.vendor, "risk_exposure") { r in
                guard status[r] == .string("open"), let l = likelihood[r].number, let i = impact[r].number else { return [] }
                return [impactMoney.money(l * i, row: r)]
            }
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
            add(actual: actual, month: { if case .string(let p) = period { Dates.parseMonth(p) } else { nil } }(), target: target, lower: lower)
        }

        mutating func add(actual: Double, month: Int?, target: Double?, lower: Bool) {
            count += 1
            sum += actual
            if let t = target, lower ? actual > t : actual < t { misses += 1 }
            if let month, month >= latestPeriod {
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
        let actual = measurements.numbers(MeasurementField.actual)
        let month = measurements.months(MeasurementField.period)
        let owner = measurements.links(MeasurementField.kpi)
        var stats = [KPIStats](repeating: KPIStats(), count: kpis.count)
        let lower = (0..<kpis.count).map { direction[$0] == .string("lower") }
        let targets = (0..<kpis.count).map { target[$0].number }
        for m in 0..<measurements.count {
            let k = Int(owner[m]), a = actual[m]
            guard k >= 0, !a.isNaN else { continue }
            stats[k].add(actual: a, month: month[m], target: targets[k], lower: lower[k])
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

    /// Each record's currency, from a currency field of its collection.
    func currencies<F: StoredField>(_ field: F) throws(StoreError) -> [Currency?] {
        try table(F.collection).values(field).map { v in if case .string(let s) = v { Currency(s) } else { nil } }
    }

    /// Each contract's costs summed in the currency `target` gives it, each cost
    /// converted at its period where it is in another.
    func costsPerContract(in target: (Int) -> Currency?, what: String) throws(StoreError) -> [Double] {
        let amount = try table(.costs).values(CostField.amount)
        let money = try moneyColumn(.costs, CostField.amount.spec)!
        let rates = try self.rates()
        let links = try children(.costs, via: CostField.contract.rawValue)
        return try (0..<(try table(.contracts).count)).map { (c: Int) throws(StoreError) -> Double in
            var sum = CompensatedSum()
            for k in links[c] {
                guard let a = amount[Int(k)].number else { continue }
                guard case .money(let m) = money.money(a, row: Int(k)), let t = target(c), m.currency != t else { sum += a; continue }
                sum += try rates.convert(m, to: t, today: today).amount
            }
            return sum.value
        }
    }

    /// Each contract's costs in the reporting currency, each converted at its
    /// period; nil without a reporting currency, and for a contract whose costs
    /// lack a rate (converting its spend then says which).
    func reportedSpend() throws(StoreError) -> [Double?]? {
        guard let reporting = reportingCurrency else { return nil }
        let amount = try table(.costs).values(CostField.amount)
        let money = try moneyColumn(.costs, CostField.amount.spec)!
        let rates = try self.rates()
        let links = try children(.costs, via: CostField.contract.rawValue)
        return (0..<(try table(.contracts).count)).map { c in
            var sum = CompensatedSum()
            for k in links[c] {
                guard let a = amount[Int(k)].number else { continue }
                guard case .money(let m) = money.money(a, row: Int(k)) else { sum += a; continue }
                guard let converted = try? rates.convert(m, to: reporting, today: today) else { return nil }
                sum += converted.amount
            }
            return sum.value
        }
    }

    /// For each row of `parent`, the sum of its children's `terms`: in their one
    /// currency when they share it, else each converted to the reporting
    /// currency; with none set, an error naming the row and the currencies.
    func moneyOver(_ parent: CollectionName, children child: CollectionName, via field: some StoredField, _ what: String,
                   terms: (Int) -> [Value]) throws(StoreError) -> [Value] {
        let links = try children(child, via: field.rawValue)
        let parents = try table(parent)
        return try (0..<parents.count).map { (p: Int) throws(StoreError) -> Value in
            let values = links[p].flatMap { terms(Int($0)) }
            let kinds = Set(values.map { v -> Currency? in if case .money(let m) = v { m.currency } else { nil } })
            var sum = CompensatedSum()
            if kinds.count <= 1 {
                for v in values { sum += v.amount ?? 0 }
                // Over nothing: 0, in the reporting currency when there is one.
                guard let code = values.isEmpty ? reportingCurrency : kinds.first ?? nil else { return .number(sum.value) }
                // In another currency than the reporting one, it carries what its parts come to there, each at its own day.
                var reported: Double?
                if let reporting = reportingCurrency, reporting != code, let rates = try? self.rates() {
                    var inReporting = CompensatedSum()
                    for case .money(let m) in values {
                        guard let c = try? rates.convert(m, to: reporting, today: today) else { return .money(Money(sum.value, code)) }
                        inReporting += c.amount
                    }
                    reported = inReporting.value
                }
                return .money(Money(sum.value, code, reported: reported))
            }
            guard let reporting = reportingCurrency else {
                throw StoreError("\(parent.singular).\(what) of \(parents.id(p) ?? parents.label(p)) mixes "
                                 + kinds.map { $0?.code ?? "amounts with no currency" }.sorted().joined(separator: ", ")
                                 + ", and no reporting currency is set (set one with .currency, or group by currency)")
            }
            let rates = try self.rates()
            for v in values {
                if case .money(let m) = v { sum += try rates.convert(m, to: reporting, today: today).amount } else { sum += v.amount ?? 0 }
            }
            return .money(Money(sum.value, reporting))
        }
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
        let actual = measurements.numbers(MeasurementField.actual)
        let owner = measurements.links(MeasurementField.kpi)
        var sum = [CompensatedSum](repeating: CompensatedSum(), count: vendors.count)
        var n = [Int](repeating: 0, count: vendors.count)
        for m in 0..<measurements.count {
            let k = owner[m]
            guard k >= 0 else { continue }
            let v = vendorOfKPI[Int(k)]
            let a = actual[m]
            guard v >= 0, !a.isNaN else { continue }
            sum[Int(v)] += a
            n[Int(v)] += 1
        }
        return sum.indices.map { n[$0] == 0 ? .null : .number(sum[$0].value / Double(n[$0])) }
    }
}

