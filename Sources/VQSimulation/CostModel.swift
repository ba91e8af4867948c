import Foundation
import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQStore
import VQSupport

/// What the cost model needs of one contract (SPEC §3 "Simulations"), its
/// money converted to the simulation's currency: what is recorded at its own
/// days, what is forecast at today's rate.
struct ContractModel: Sendable {
    var id: String
    /// Its vendor's row (a vendor's own risks go with its contracts).
    var vendor: Int32 = -1
    var status: String
    var value: Double
    var termMonths: Int
    /// Whole months of the term before this month (0 for a draft, all for an expired or terminated contract).
    var elapsed = 0
    /// The recorded costs (its spend), each converted at its period.
    var toDate = 0.0
    /// Change requests approved or done: their cost is in `toDate`, and they count towards `change_requests`.
    var recordedRequests = 0
    /// What is left of the credit cap: penalty_cap × value less the credits already received.
    var capLeft = 0.0
    var budgetCap: Double
    /// The foreign currency (an index into `SimulationModel.foreign`) of its
    /// amounts and of its budget, which `fx` and `fx_volatility` move; -1: none.
    var fxGroup = -1
    var budgetFxGroup = -1
    /// Half its remaining term, in years: the horizon of its fx factor.
    var horizon = 0.0
    var expectedChangeRequests: Int
    var changeRequestCost: Double
    /// Kpis with measurements (a kpi without any yields no credits).
    var kpis: [KPIModel]

    /// The recorded costs in the contract's own currency, for the basis line.
    var spent = 0.0

    /// The share of the term still to come, which scales each risk's likelihood.
    var remainingFraction: Double { termMonths > 0 ? Double(termMonths - elapsed) / Double(termMonths) : 0 }
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
    /// The share of the term left over which it may still happen (its contract's; a
    /// vendor's own risk: the largest among that vendor's contracts simulated).
    var remainingFraction = 1.0
    /// Whose risk it is: a contract's (its position in the model), else a vendor's (its row).
    var contract = -1
    var vendor: Int32 = -1
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

    /// The chance it happens in what is left of the term, with the likelihood scaled by `multiplier`.
    func chance(multiplier: Double = 1) -> Double {
        1 - pow(1 - min(1, likelihood * multiplier), remainingFraction)
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

    /// The rate from `from` to the simulation's currency on `day` (recorded money converts at its own day).
    func rate(_ from: Currency?, on day: Int) throws(StoreError) -> Double {
        guard let from, from != currency else { return 1 }
        return try store.rates().rate(from, to: currency, on: day)
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
    /// Up to this many contracts, their measurements, costs and change requests
    /// are looked for in the files rather than read whole.
    static let searchedContracts = 64

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
        let history = try History.of(rows, contracts: contracts, store: store, plan: plan, currency: own.currency)
        var horizonOf: [Int: Double] = [:]
        var fractionOf: [Int: Double] = [:]
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
            // Elapsed: whole months of the term before this month; a draft has none, an ended contract all.
            var elapsed = 0
            if status == "expired" || status == "terminated" {
                elapsed = term
            } else if status != "draft", let s = start[c].date {
                elapsed = max(0, min(term, Dates.wholeMonths(from: s, to: Dates.firstDay(ofMonth: thisMonth))))
            }
            let value = contracts.number(ContractField.value, c)
            let past = status == "draft" ? History() : history[c]
            var model = ContractModel(
                id: contracts.text(ContractField.id, c), status: status, value: value * rate, termMonths: term,
                elapsed: elapsed, toDate: past.toDate, recordedRequests: past.requests,
                capLeft: max(0, contracts.number(ContractField.penalty_cap, c) * value - past.received) * rate,
                budgetCap: contracts.number(ContractField.budget_cap, c) * budgetRate,
                fxGroup: group, budgetFxGroup: budgetGroup, horizon: horizon,
                expectedChangeRequests: Int(contracts.number(ContractField.expected_change_requests, c)),
                changeRequestCost: contracts.number(ContractField.change_request_cost, c) * rate, kpis: kpiModels)
            model.spent = past.spent
            model.vendor = vendorOf.indices.contains(c) ? vendorOf[c] : -1
            fractionOf[c] = model.remainingFraction
            models.append(model)
        }
        var riskModels: [RiskModel] = []
        for r in riskRows {
            var model = try RiskModel(risks, r, &plan)
            // A vendor's own risk runs as long as its longest simulated contract.
            let ownContract = riskContract.indices.contains(r) ? Int(riskContract[r]) : -1
            let theirs = ownContract >= 0 ? [ownContract] : rows.filter { vendorOf[$0] == riskVendor[r] }
            model.horizon = theirs.compactMap { horizonOf[$0] }.max() ?? 0
            model.remainingFraction = theirs.compactMap { fractionOf[$0] }.max() ?? 0
            model.contract = ownContract >= 0 ? rows.firstIndex(of: ownContract) ?? -1 : -1
            model.vendor = riskVendor.indices.contains(r) ? riskVendor[r] : -1
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

/// What a contract has recorded so far (SPEC §3 "to date"): its costs, each
/// converted to the simulation's currency at its period; the credits already
/// received (negated penalty costs, in its own currency); and its change
/// requests approved or done.
struct History {
    var toDate = 0.0
    var spent = 0.0
    var received = 0.0
    var requests = 0

    /// The histories of `rows`' contracts. For a few contracts of a large store whose
    /// costs have not been read, only their records are looked for in the files.
    static func of(_ rows: [Int], contracts: Table, store: Store, plan: CurrencyPlan,
                   currency: [Currency?]) throws(StoreError) -> [History] {
        // By contract row: a portfolio adds up a million costs.
        var out = [History](repeating: History(), count: contracts.count)
        func cost(_ c: Int, _ amount: Double, _ month: Int?, _ category: JSONValue) throws(StoreError) {
            guard let month else { return }
            out[c].spent += amount
            let rate = currency[c] == plan.currency ? 1 : try plan.rate(currency[c], on: Dates.firstDay(ofMonth: month))
            out[c].toDate += amount * rate
            if case .string(let k) = category, k == "penalty" { out[c].received -= amount }
        }
        func month(_ period: JSONValue?) -> Int? { if case .string(let p)? = period { Dates.parseMonth(p) } else { nil } }
        func request(_ c: Int, _ status: JSONValue) {
            if case .string(let s) = status, s == "approved" || s == "done" { out[c].requests += 1 }
        }
        let ids = Set(rows.compactMap { contracts.id($0) }.map(ExactString.init))
        if rows.count <= SimulationModel.searchedContracts, let found = store.records(where: CostField.contract, isOneOf: ids) {
            for r in found {
                guard case .string(let id)? = r["contract"], let c = contracts.row(id: id), let a = r["amount"]?.number else { continue }
                try cost(c, a, month(r["period"]), r["category"] ?? .null)
            }
        } else if let costs = try store.tableIfCached(.costs) {
            // Typed columns: links, numbers and months, without a value per field.
            var chosen = [Bool](repeating: false, count: contracts.count)
            for r in rows { chosen[r] = true }
            let owner = costs.links(CostField.contract), amount = costs.numbers(CostField.amount)
            let months = costs.months(CostField.period), category = costs.values(CostField.category)
            for k in 0..<costs.count where owner[k] >= 0 && chosen[Int(owner[k])] && !amount[k].isNaN {
                try cost(Int(owner[k]), amount[k], months[k], category[k])
            }
        } else {
            // One pass over the file for the four fields needed, without building its table.
            var chosen = [Bool](repeating: false, count: contracts.count)
            for r in rows { chosen[r] = true }
            var lastID = "", lastRow = -1
            try store.scan(.costs, fields: [CostField.contract, .period, .category, .amount].map(\.rawValue)) { (v: [JSONValue?]) throws(StoreError) in
                guard case .string(let id)? = v[0], case .number(let a)? = v[3] else { return }
                if lastRow < 0 || !id.sameCodePoints(as: lastID) {
                    lastID = id
                    lastRow = contracts.row(id: id) ?? -1
                }
                guard lastRow >= 0, chosen[lastRow] else { return }
                try cost(lastRow, a.value, month(v[1]), v[2] ?? .null)
            }
        }
        if rows.count <= SimulationModel.searchedContracts, let found = store.records(where: ChangeRequestField.contract, isOneOf: ids) {
            for r in found {
                guard case .string(let id)? = r["contract"], let c = contracts.row(id: id) else { continue }
                request(c, r["status"] ?? .null)
            }
        } else {
            let requests = try store.table(.change_requests)
            var chosen = [Bool](repeating: false, count: contracts.count)
            for r in rows { chosen[r] = true }
            let owner = requests.links(ChangeRequestField.contract), status = requests.values(ChangeRequestField.status)
            for k in 0..<requests.count where owner[k] >= 0 && chosen[Int(owner[k])] { request(Int(owner[k]), status[k]) }
        }
        return out
    }
}

extension SimulationModel {
    /// Contract `i` as if simulated alone: its own risks and its vendor's, each
    /// over its term left, the same records and rates (`each` shows these).
    func alone(_ i: Int) -> SimulationModel {
        let c = contracts[i]
        let risks = self.risks.filter { $0.contract == i || ($0.contract < 0 && $0.vendor == c.vendor) }.map { r -> RiskModel in
            var r = r
            r.contract = r.contract < 0 ? -1 : 0
            r.remainingFraction = c.remainingFraction
            r.horizon = c.horizon
            return r
        }
        return SimulationModel(contracts: [c], risks: risks, target: c.id, currency: currency, foreign: foreign)
    }

    /// What the estimate rests on (SPEC §3): "draft: whole term",
    /// "active: 14 of 36 months elapsed, 1.2m spent, forecasting 22"; for several
    /// contracts, how many of each status and what they have spent.
    var basis: String {
        if contracts.count == 1, let c = contracts.first {
            let spent = SimulationModel.short(c.toDate) + " spent"
            switch c.status {
            case "draft": return "draft: whole term, \(c.termMonths) months"
            case "active": return "active: \(c.elapsed) of \(c.termMonths) months elapsed, \(spent), forecasting \(c.termMonths - c.elapsed)"
            default: return "\(c.status): all \(c.termMonths) months elapsed, \(spent)"
            }
        }
        var counts: [String: Int] = [:]
        for c in contracts { counts[c.status, default: 0] += 1 }
        let statuses = ["active", "draft", "expired", "terminated"].compactMap { s in counts[s].map { "\(ValueText.count($0)) \(s)" } }
        return "\(ValueText.count(contracts.count)) contracts (" + statuses.joined(separator: ", ") + "), "
            + SimulationModel.short(contracts.reduce(0) { $0 + $1.toDate }) + " spent"
    }

    /// An amount in a few characters, to 3 significant digits: 950, 23.5k, 1.2m, 3.4bn.
    static func short(_ x: Double) -> String {
        let a = abs(x)
        func scaled(_ d: Double, _ suffix: String) -> String { String(format: "%.3g", x / d) + suffix }
        if a >= 1e9 { return scaled(1e9, "bn") }
        if a >= 1e6 { return scaled(1e6, "m") }
        if a >= 1e3 { return scaled(1e3, "k") }
        return String(format: "%.0f", x)
    }
}
