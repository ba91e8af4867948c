import Foundation
import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQStore
import VQSupport

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

    /// Record `row` of the risks table.
    init(_ risks: Table, _ row: Int) {
        id = risks.text(RiskField.id, row)
        title = risks.text(RiskField.title, row)
        likelihood = risks.number(RiskField.likelihood, row)
        impact = risks.number(RiskField.impact, row)
    }
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
        let termMonths = try store.derived(DerivedField.termMonths)
        let start = contracts.values(ContractField.start), end = contracts.values(ContractField.end)
        let kpisOf = try store.children(.kpis, via: KPIField.contract.rawValue)
        let stats = try store.kpiStats(of: rows.flatMap { kpisOf[$0].map(Int.init) })
        let thisMonth = Dates.month(ofDay: store.today)

        var models: [ContractModel] = []
        var vendorRows = Set<Int>()
        let vendorOf = contracts.links(ContractField.vendor)
        for c in rows {
            let status = contracts.text(ContractField.status, c)
            let term: Int = if case .number(let t) = termMonths[c] { Int(t) } else { 0 }
            // Whole months of the term left after the latest month measured (or from now, with none).
            var remaining = 0
            let latest = kpisOf[c].map { stats[Int($0)]?.latestPeriod ?? Int.min }.max() ?? Int.min
            if status != "expired", status != "terminated", let end = end[c].date {
                let from: Int
                if latest != Int.min {
                    from = Dates.firstDay(ofMonth: latest + 1)
                } else {
                    from = max(start[c].date ?? store.today, Dates.firstDay(ofMonth: thisMonth))
                }
                remaining = max(0, Dates.wholeMonths(from: from, to: end + 1))
            }
            var kpiModels: [KPIModel] = []
            for k in kpisOf[c] {
                guard let rate = stats[Int(k)]?.missRate else { continue }
                kpiModels.append(KPIModel(periods: remaining, missRate: rate, penalty: kpis.number(KPIField.penalty, Int(k))))
            }
            models.append(ContractModel(
                id: contracts.text(ContractField.id, c), value: contracts.number(ContractField.value, c), termMonths: term,
                budgetCap: contracts.number(ContractField.budget_cap, c), penaltyCap: contracts.number(ContractField.penalty_cap, c),
                expectedChangeRequests: Int(contracts.number(ContractField.expected_change_requests, c)),
                changeRequestCost: contracts.number(ContractField.change_request_cost, c), kpis: kpiModels))
            if vendorOf.indices.contains(c), vendorOf[c] >= 0 { vendorRows.insert(Int(vendorOf[c])) }
        }
        let chosen = Set(rows)
        let riskContract = risks.links(RiskField.contract)
        let riskVendor = risks.links(RiskField.vendor)
        var riskModels: [RiskModel] = []
        for r in 0..<risks.count where risks.text(RiskField.status, r) == "open" {
            let ownContract = riskContract.indices.contains(r) ? Int(riskContract[r]) : -1
            let hasContract = risks.values(RiskField.contract)[r] != .null
            let mine = ownContract >= 0 ? chosen.contains(ownContract)
                : !hasContract && riskVendor.indices.contains(r) && vendorRows.contains(Int(riskVendor[r]))
            guard mine else { continue }
            riskModels.append(RiskModel(risks, r))
        }
        return SimulationModel(contracts: models, risks: riskModels, target: target)
    }
}

extension SimulationModel {
    /// Every open risk of the vendors (for `simulate risk of` vendors).
    static func vendors(_ rows: [Int], from store: Store) throws(StoreError) -> SimulationModel {
        let vendors = try store.table(.vendors)
        let risks = try store.table(.risks)
        let chosen = Set(rows)
        let vendorOf = risks.links(RiskField.vendor)
        let models = (0..<risks.count).filter { risks.text(RiskField.status, $0) == "open" && vendorOf.indices.contains($0) && chosen.contains(Int(vendorOf[$0])) }
            .map { RiskModel(risks, $0) }
        let target = rows.count == 1 ? vendors.id(rows[0]) ?? "1 vendor" : "\(ValueText.count(rows.count)) vendors"
        return SimulationModel(contracts: [], risks: models, target: target)
    }
}
