import Foundation

/// What the cost model needs of one contract (SPEC §3 "Simulations").
struct ContractModel: Sendable {
    var id: String
    var value: Double
    var termMonths: Int
    var budgetCap: Double
    /// The cap on credits, as a share of value.
    var penaltyCap: Double
    var expectedChangeRequests: Int
    var changeRequestCost: Double
    /// Kpis with measurements (a kpi without any yields no credits).
    var kpis: [KPIModel]
}

/// A kpi's misses over the remaining periods: Binomial(n, p), each costing `penalty`.
struct KPIModel: Sendable {
    var periods: Int
    var missRate: Double
    var penalty: Double

    /// P(X = x) for x = 0…n, computed in logs so large n stays exact enough.
    static func pmf(_ n: Int, _ p: Double) -> [Double] {
        if p <= 0 { return [1] + Array(repeating: 0, count: n) }
        if p >= 1 { return Array(repeating: 0, count: n) + [1] }
        var out: [Double] = []
        var logChoose = 0.0
        for x in 0...n {
            if x > 0 { logChoose += log(Double(n - x + 1)) - log(Double(x)) }
            out.append(exp(logChoose + Double(x) * log(p) + Double(n - x) * log1p(-p)))
        }
        return out
    }
}

/// An open risk: its loss happens with probability `likelihood` (× the lever).
struct RiskModel: Sendable {
    var id: String
    var title: String
    var likelihood: Double
    var impact: Double
}

/// The contracts and risks a simulation draws, read from the store.
struct SimulationModel: Sendable {
    var contracts: [ContractModel]
    /// Each open risk once: the contracts' own, and their vendors' that name no contract.
    var risks: [RiskModel]
    /// What was simulated, for the report: a contract id or "N contracts".
    var target: String

    var value: Double { contracts.reduce(0) { $0 + $1.value } }
    var budgetCap: Double { contracts.reduce(0) { $0 + $1.budgetCap } }

    /// Reads the model of `rows` of contracts.
    static func contracts(_ rows: [Int], from store: Store, target: String) throws(StoreError) -> SimulationModel {
        let contracts = try store.table(.contracts)
        let kpis = try store.table(.kpis)
        let risks = try store.table(.risks)
        let termMonths = try store.derived(.contracts, "term_months")
        let text = { (t: Table, field: String, row: Int) -> String in
            if case .string(let s) = t.columns[t.column(field)!][row] { return s }
            return ""
        }
        let number = { (t: Table, field: String, row: Int) -> Double in numberOf(t.columns[t.column(field)!][row]) ?? 0 }
        let date = { (t: Table, field: String, row: Int) -> Int? in Dates.parseDate(text(t, field, row)) }
        let kpisOf = try store.children(.kpis, via: "contract")
        let stats = try store.kpiStats(of: rows.flatMap { kpisOf[$0].map(Int.init) })
        let thisMonth = Dates.month(ofDay: store.today)

        var models: [ContractModel] = []
        var vendorRows = Set<Int>()
        let vendorOf = contracts.references["vendor"] ?? []
        for c in rows {
            let status = text(contracts, "status", c)
            let term: Int = if case .number(let t) = termMonths[c] { Int(t) } else { 0 }
            // Whole months of the term left after the latest month measured (or from now, with none).
            var remaining = 0
            let latest = kpisOf[c].map { stats[Int($0)]?.latestPeriod ?? Int.min }.max() ?? Int.min
            if status != "expired", status != "terminated", let end = date(contracts, "end", c) {
                let from: Int
                if latest != Int.min {
                    from = Dates.firstDay(ofMonth: latest + 1)
                } else {
                    from = max(date(contracts, "start", c) ?? store.today, Dates.firstDay(ofMonth: thisMonth))
                }
                remaining = max(0, Dates.wholeMonths(from: from, to: end + 1))
            }
            var kpiModels: [KPIModel] = []
            for k in kpisOf[c] {
                guard let rate = stats[Int(k)]?.missRate else { continue }
                kpiModels.append(KPIModel(periods: remaining, missRate: rate, penalty: number(kpis, "penalty", Int(k))))
            }
            models.append(ContractModel(
                id: text(contracts, "id", c), value: number(contracts, "value", c), termMonths: term,
                budgetCap: number(contracts, "budget_cap", c), penaltyCap: number(contracts, "penalty_cap", c),
                expectedChangeRequests: Int(number(contracts, "expected_change_requests", c)),
                changeRequestCost: number(contracts, "change_request_cost", c), kpis: kpiModels))
            if vendorOf.indices.contains(c), vendorOf[c] >= 0 { vendorRows.insert(Int(vendorOf[c])) }
        }
        let chosen = Set(rows)
        let riskContract = risks.references["contract"] ?? []
        let riskVendor = risks.references["vendor"] ?? []
        var riskModels: [RiskModel] = []
        for r in 0..<risks.count where text(risks, "status", r) == "open" {
            let ownContract = riskContract.indices.contains(r) ? Int(riskContract[r]) : -1
            let hasContract = risks.has(r, risks.column("contract")!) && !(risks.columns[risks.column("contract")!][r] == .null)
            let mine = ownContract >= 0 ? chosen.contains(ownContract)
                : !hasContract && riskVendor.indices.contains(r) && vendorRows.contains(Int(riskVendor[r]))
            guard mine else { continue }
            riskModels.append(RiskModel(id: text(risks, "id", r), title: text(risks, "title", r),
                                        likelihood: number(risks, "likelihood", r), impact: number(risks, "impact", r)))
        }
        return SimulationModel(contracts: models, risks: riskModels, target: target)
    }
}
