import Foundation
import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQStore
import VQSupport

/// What the cost model needs of one contract (SPEC §3 "Simulations"), its
/// money converted to the simulation's currency at today's rate.
struct ContractModel: Sendable {
    var id: String
    var value: Double
    var termMonths: Int
    var budgetCap: Double
    /// The foreign currency (an index into `SimulationModel.foreign`) of its
    /// amounts and of its budget, which `fx` and `fx_volatility` move; -1: none.
    var fxGroup = -1
    var budgetFxGroup = -1
    /// Half its remaining term, in years: the horizon of its fx factor.
    var horizon = 0.0
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
    /// In the simulation's currency.
    var impact: Double
    var fxGroup = -1
    var horizon = 0.0

    /// Record `row` of the risks table, its impact converted by `currency`.
    init(_ risks: Table, _ row: Int, _ currency: inout CurrencyPlan) throws(StoreError) {
        id = risks.text(RiskField.id, row)
        title = risks.text(RiskField.title, row)
        likelihood = risks.number(RiskField.likelihood, row)
        let (rate, group) = try currency.convert(currency.risks.currency[row])
        impact = risks.number(RiskField.impact, row) * rate
        fxGroup = group
    }
}

/// The currency a simulation reports in (SPEC §5): the reporting currency, else
/// the one currency all its money is in; and each other currency's rate today.
struct CurrencyPlan {
    let currency: Currency
    /// The currencies converted from, in the order first met: each draws its own fx factor.
    var foreign: [Currency] = []
    let risks: MoneyColumn
    private let store: Store

    /// The contracts' and risks' one currency, unless a reporting currency is set;
    /// budgets in another currency are converted into it.
    init(store: Store, contracts rows: [Int], risks riskRows: [Int]) throws(StoreError) {
        let own = try store.moneyColumn(.contracts, ContractField.value.spec)!
        let risks = try store.moneyColumn(.risks, RiskField.impact.spec)!
        self.risks = risks
        self.store = store
        if let reporting = store.reportingCurrency {
            currency = reporting
            return
        }
        let known = Set(rows.map { own.currency[$0] } + riskRows.map { risks.currency[$0] }).compactMap { $0 }.sorted()
        guard known.count <= 1 else {
            throw StoreError("the money simulated is in " + known.map(\.code).joined(separator: ", ")
                             + ", and no reporting currency is set: set one (.currency \(known[0])), or simulate one currency at a time")
        }
        currency = known.first ?? Currency("USD")!
    }

    /// The rate from `from` to the simulation's currency today, and its fx group (-1: the same currency).
    mutating func convert(_ from: Currency?) throws(StoreError) -> (Double, Int) {
        guard let from, from != currency else { return (1, -1) }
        let rate = try store.rates().rate(from, to: currency, on: store.today)
        if let i = foreign.firstIndex(of: from) { return (rate, i) }
        foreign.append(from)
        return (rate, foreign.count - 1)
    }
}

/// The contracts and risks a simulation draws, read from the store.
struct SimulationModel: Sendable {
    var contracts: [ContractModel]
    /// Each open risk once: the contracts' own, and their vendors' that name no contract.
    var risks: [RiskModel]
    /// What was simulated, for the report: a contract id or "N contracts".
    var target: String
    /// The currency every amount is in.
    var currency: Currency
    /// The other currencies the money came from (`fx` and `fx_volatility` move these).
    var foreign: [Currency] = []

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
        let chosen = Set(rows)
        let riskContract = risks.links(RiskField.contract)
        let riskVendor = risks.links(RiskField.vendor)
        var riskRows: [Int] = []
        for c in rows where vendorOf.indices.contains(c) && vendorOf[c] >= 0 { vendorRows.insert(Int(vendorOf[c])) }
        for r in 0..<risks.count where risks.text(RiskField.status, r) == "open" {
            let ownContract = riskContract.indices.contains(r) ? Int(riskContract[r]) : -1
            let hasContract = risks.values(RiskField.contract)[r] != .null
            let mine = ownContract >= 0 ? chosen.contains(ownContract)
                : !hasContract && riskVendor.indices.contains(r) && vendorRows.contains(Int(riskVendor[r]))
            if mine { riskRows.append(r) }
        }
        var plan = try CurrencyPlan(store: store, contracts: rows, risks: riskRows)
        let own = try store.moneyColumn(.contracts, ContractField.value.spec)!
        let budget = try store.moneyColumn(.contracts, ContractField.budget_cap.spec)!
        var horizonOf: [Int: Double] = [:]
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
            let (rate, group) = try plan.convert(own.currency[c])
            let (budgetRate, budgetGroup) = try plan.convert(budget.currency[c])
            var kpiModels: [KPIModel] = []
            for k in kpisOf[c] {
                guard let missRate = stats[Int(k)]?.missRate else { continue }
                kpiModels.append(KPIModel(periods: remaining, missRate: missRate, penalty: kpis.number(KPIField.penalty, Int(k)) * rate))
            }
            // The fx factor's horizon: half the months left (the whole term for a draft), in years.
            var left = 0
            if status == "draft" { left = term } else if status == "active", let end = end[c].date {
                left = max(0, Dates.wholeMonths(from: Dates.firstDay(ofMonth: thisMonth), to: end + 1))
            }
            let horizon = Double(left) / 24
            horizonOf[c] = horizon
            models.append(ContractModel(
                id: contracts.text(ContractField.id, c), value: contracts.number(ContractField.value, c) * rate, termMonths: term,
                budgetCap: contracts.number(ContractField.budget_cap, c) * budgetRate,
                fxGroup: group, budgetFxGroup: budgetGroup, horizon: horizon,
                penaltyCap: contracts.number(ContractField.penalty_cap, c),
                expectedChangeRequests: Int(contracts.number(ContractField.expected_change_requests, c)),
                changeRequestCost: contracts.number(ContractField.change_request_cost, c) * rate, kpis: kpiModels))
        }
        var riskModels: [RiskModel] = []
        for r in riskRows {
            var model = try RiskModel(risks, r, &plan)
            // A vendor's own risk runs as long as its longest simulated contract.
            let ownContract = riskContract.indices.contains(r) ? Int(riskContract[r]) : -1
            model.horizon = ownContract >= 0 ? horizonOf[ownContract] ?? 0
                : rows.filter { vendorOf[$0] == riskVendor[r] }.compactMap { horizonOf[$0] }.max() ?? 0
            riskModels.append(model)
        }
        return SimulationModel(contracts: models, risks: riskModels, target: target, currency: plan.currency, foreign: plan.foreign)
    }
}

extension SimulationModel {
    /// Every open risk of the vendors (for `simulate risk of` vendors).
    static func vendors(_ rows: [Int], from store: Store) throws(StoreError) -> SimulationModel {
        let vendors = try store.table(.vendors)
        let risks = try store.table(.risks)
        let chosen = Set(rows)
        let vendorOf = risks.links(RiskField.vendor)
        let riskRows = (0..<risks.count).filter { risks.text(RiskField.status, $0) == "open" && vendorOf.indices.contains($0) && chosen.contains(Int(vendorOf[$0])) }
        var plan = try CurrencyPlan(store: store, contracts: [], risks: riskRows)
        let models = try riskRows.map { (r: Int) throws(StoreError) -> RiskModel in try RiskModel(risks, r, &plan) }
        let target = rows.count == 1 ? vendors.id(rows[0]) ?? "1 vendor" : "\(ValueText.count(rows.count)) vendors"
        return SimulationModel(contracts: [], risks: models, target: target, currency: plan.currency, foreign: plan.foreign)
    }
}
