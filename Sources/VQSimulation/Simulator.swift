import Foundation
import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQStore
import VQSupport

/// Runs a `simulate` statement: finds what it is about, checks the levers,
/// and computes the closed form and the Monte Carlo figures.
public struct Simulator {
    public init(store: Store, evaluator: Evaluator, isCancelled: @escaping @Sendable () -> Bool, progress: (@Sendable (Double) -> Void)?) {
        self.store = store
        self.evaluator = evaluator
        self.isCancelled = isCancelled
        self.progress = progress
    }

    let store: Store
    let evaluator: Evaluator
    let isCancelled: @Sendable () -> Bool
    /// Told the share done on long runs (a terminal shows it).
    let progress: (@Sendable (Double) -> Void)?

    static let defaultTrials = 10_000
    static let defaultSeed: UInt64 = 42
    static let maxTrials = 5_000_000

    public func run(_ s: Simulation) throws -> SimulationResult {
        let trials = try whole(s.trials, default: Simulator.defaultTrials, in: 1...Simulator.maxTrials, what: "trials")
        let seed = UInt64(try whole(s.seed, default: Int(Simulator.defaultSeed), in: 0...Int(Int32.max), what: "seed"))
        if s.kind == .risk {
            if let swept = s.levers.first(where: { $0.sweep != nil }) {
                throw Diagnostic("a sweep is for simulate cost: simulate risk takes one risk_multiplier", at: swept.range)
            }
            let levers = try s.levers.map { setting -> (Lever, Double) in try value(of: setting) }
            return .risk(try risk(s, levers, trials: trials, seed: seed))
        }
        let (rows, target) = try targetContracts(s)
        let model = try Diagnostic.located(s.range) { () throws(StoreError) in try SimulationModel.contracts(rows, from: store, target: target) }
        let fixed = try s.levers.filter { $0.sweep == nil }.map { setting -> (Lever, Double) in try value(of: setting) }
        let swept = try s.levers.filter { $0.sweep != nil }.map(sweep)
        if s.each {
            guard swept.isEmpty, s.solve == nil else { throw Diagnostic("each compares contracts at one set of levers: no sweep or solve with it", at: s.range) }
            return .each(try each(model, fixed, trials: trials, seed: seed, s))
        }
        if !swept.isEmpty {
            guard s.solve == nil else { throw Diagnostic("a sweep and a goal seek cannot be asked at once", at: s.range) }
            guard swept.count <= 2 else { throw Diagnostic("a sweep takes at most two levers (a grid)", at: s.levers.filter { $0.sweep != nil }[2].range) }
            return .sweep(try sweepResult(model, fixed, swept, trials: trials, seed: seed, s))
        }
        if let solve = s.solve { return .solve(try goalSeek(model, fixed, solve, trials: trials, seed: seed, s)) }
        return .cost(try cost(model, fixed, trials: trials, seed: seed, s))
    }

    // MARK: Cost

    /// One simulation of `model`: the baseline, the scenario of `levers`, and each lever alone for the tornado.
    func cost(_ model: SimulationModel, _ levers: [(Lever, Double)], trials: Int, seed: UInt64, _ s: Simulation) throws -> CostResult {
        var variants = [Variant(name: "baseline", levers: []), Variant(name: "scenario", levers: levers)]
        if levers.count > 1 { variants += levers.map { Variant(name: "\($0.0.rawValue) alone", levers: [$0]) } }
        let simulator = CostSimulator(model: model, variants: variants)
        let outputs = try monteCarlo(s, trials: trials) { isCancelled, progress throws(MonteCarlo.Interrupted) in
            try simulator.run(trials: trials, seed: seed, isCancelled: isCancelled, progress: progress)
        }
        let totals = Array(outputs.prefix(variants.count))
        let distributions = Distribution.of(totals)
        let cases = variants.indices.map { i in
            let (variant, values) = (variants[i], totals[i])
            // Over budget in the budget's own terms: a foreign budget moves with its currency.
            let cap = simulator.budgetCap(variant)
            let over = simulator.capsVary ? zip(values, outputs[variants.count + i]).reduce(0) { $0 + ($1.0 > $1.1 ? 1 : 0) }
                                          : values.reduce(0) { $0 + ($1 > cap ? 1 : 0) }
            return CostResult.Case(name: variant.name, breakdown: simulator.expected(variant), distribution: distributions[i],
                            overBudget: Double(over) / Double(values.count), budgetCap: cap, value: model.value)
        }
        // With one lever, "alone" is the scenario itself.
        let alone = levers.count > 1 ? Array(cases.dropFirst(2)) : Array(cases.dropFirst(1))
        let tornado = levers.isEmpty ? [] : zip(levers, alone).map { ($0.0.0, $0.1.distribution.p50 - cases[0].distribution.p50) }
            .sorted { abs($0.1) > abs($1.1) }
        return CostResult(target: model.target, basis: model.basis, currency: model.currency, trials: trials, seed: seed, levers: levers, cases: cases,
                          tornado: tornado, histogram: Histogram(totals[0], levers.isEmpty ? nil : totals[1],
                                                                 range: min(distributions[0].minimum, distributions[1].minimum)...max(distributions[0].maximum, distributions[1].maximum)))
    }

    // MARK: Sweeps, goal seek, bids

    /// A swept lever's values: from, to and step, at most 101 of them.
    private func sweep(_ setting: Simulation.Setting) throws -> (Lever, [Double]) {
        let (lever, from) = try value(of: setting)
        let (_, to) = try value(setting.lever, at: setting.nameRange, setting.sweep!.to)
        guard case .number(let step) = try evaluator.compiler.compile(setting.sweep!.step, in: .constant).eval(.none), step > 0 else {
            throw Diagnostic("a sweep's step must be a number above 0", at: setting.sweep!.step.range)
        }
        guard to >= from else { throw Diagnostic("a sweep runs upwards: \(lever.text(from))..\(lever.text(to))", at: setting.range) }
        let count = Int(((to - from) / step + 1e-9).rounded(.down)) + 1
        guard count <= 101 else {
            throw Diagnostic("a sweep takes at most 101 values; this one has \(ValueText.count(count))", at: setting.range, hint: "take a larger step")
        }
        // Each value computed from the start, so that 0.1 steps do not drift.
        return (lever, (0..<count).map { lever == .change_requests ? (from + Double($0) * step).rounded() : from + Double($0) * step })
    }

    /// One simulation per value (per pair) of the swept levers, all on the same draws.
    private func sweepResult(_ model: SimulationModel, _ fixed: [(Lever, Double)], _ swept: [(Lever, [Double])],
                             trials: Int, seed: UInt64, _ s: Simulation) throws -> SweepResult {
        var grid: [[Double]] = swept[0].1.map { [$0] }
        if swept.count == 2 { grid = grid.flatMap { a in swept[1].1.map { a + [$0] } } }
        let rows = try grid.map { values -> SweepResult.Row in
            let levers = fixed + zip(swept, values).map { ($0.0, $1) }
            let r = try cost(model, levers, trials: trials, seed: seed, s)
            return SweepResult.Row(values: values, scenario: r.cases[1])
        }
        return SweepResult(target: model.target, basis: model.basis, currency: model.currency, trials: trials, seed: seed,
                           fixed: fixed, swept: swept.map(\.0), rows: rows)
    }

    /// The statistics a goal seek can aim at.
    static let statistics = ["expected", "mean", "p10", "p50", "p80", "p90", "p_over_budget"]

    static func statistic(_ name: String, of c: CostResult.Case) -> Double {
        switch name {
        case "expected": c.expected
        case "mean": c.distribution.mean
        case "p10": c.distribution.p10
        case "p50": c.distribution.p50
        case "p80": c.distribution.p80
        case "p90": c.distribution.p90
        default: c.overBudget
        }
    }

    /// `solve LEVER for STAT OP TARGET`: the lever value nearest its default that
    /// meets the target, by bisection on the lever's resolution (the statistic
    /// moves monotonically with every lever on common random numbers).
    private func goalSeek(_ model: SimulationModel, _ fixed: [(Lever, Double)], _ solve: Simulation.Solve,
                          trials: Int, seed: UInt64, _ s: Simulation) throws -> SolveResult {
        guard let lever = Lever(rawValue: solve.lever) else {
            throw Diagnostic.unknown("lever", solve.lever, at: solve.leverRange, candidates: Lever.names)
        }
        guard Simulator.statistics.contains(solve.statistic) else {
            throw Diagnostic.unknown("statistic", solve.statistic, at: solve.statisticRange, candidates: Simulator.statistics, listing: true)
        }
        if fixed.contains(where: { $0.0 == lever }) {
            throw Diagnostic("\(lever.rawValue) is solved for: it cannot also be given with 'with'", at: solve.leverRange)
        }
        var runs = 0
        func at(_ v: Double) throws -> CostResult {
            runs += 1
            return try cost(model, fixed + [(lever, v)], trials: trials, seed: seed, s)
        }
        // The target: a number, or the scenario's budget cap or value.
        func goal(_ r: CostResult) throws -> Double {
            if case .path(let p) = solve.target.kind, p.count == 1 {
                switch p[0].name {
                case "budget_cap": return r.cases[1].budgetCap
                case "value": return r.cases[1].value
                default: break
                }
            }
            guard case .number(let n) = try evaluator.compiler.compile(solve.target, in: .constant).eval(.none) else {
                throw Diagnostic("the target is a number (with %, k, m), budget_cap or value", at: solve.target.range)
            }
            return n
        }
        func meets(_ r: CostResult) throws -> Bool {
            let x = Simulator.statistic(solve.statistic, of: r.cases[1]), t = try goal(r)
            switch solve.op {
            case .less: return x < t
            case .lessEqual: return x <= t
            case .greater: return x > t
            default: return x >= t
            }
        }
        let (start, range, resolution) = lever.search(model)
        let first = try at(start)
        if try meets(first) {
            return SolveResult(lever: lever, value: start, met: true, runs: runs, solve: solve, target: try goal(first), result: first)
        }
        // The side of the default on which the target is met, if either.
        let low = try at(range.lowerBound), high = try at(range.upperBound)
        let side: (Double, CostResult)? = try meets(high) ? (range.upperBound, high) : (try meets(low) ? (range.lowerBound, low) : nil)
        guard let (end, endResult) = side else {
            // Cannot be met: the best value reached, the end nearer the target.
            func distance(_ r: CostResult) throws -> Double { abs(Simulator.statistic(solve.statistic, of: r.cases[1]) - (try goal(r))) }
            let best = try distance(high) < distance(low) ? (range.upperBound, high) : (range.lowerBound, low)
            return SolveResult(lever: lever, value: best.0, met: false, runs: runs, solve: solve, target: try goal(best.1), result: best.1)
        }
        // Bisection on the resolution grid between the default (not met) and the end (met).
        var miss = start, hit = end, result = endResult
        while abs(hit - miss) > resolution * 1.000_001 {
            let mid = lever.snap(miss + (hit - miss) / 2, resolution: resolution)
            if mid == miss || mid == hit { break }
            let r = try at(mid)
            if try meets(r) { hit = mid; result = r } else { miss = mid }
        }
        return SolveResult(lever: lever, value: hit, met: true, runs: runs, solve: solve, target: try goal(result), result: result)
    }

    /// `each`: a row per contract, its own run with the same seed and trials, ranked by P80; then the portfolio.
    private func each(_ model: SimulationModel, _ levers: [(Lever, Double)], trials: Int, seed: UInt64,
                      _ s: Simulation) throws -> EachResult {
        var results: [(String, CostResult.Case)] = []
        for i in model.contracts.indices {
            results.append((model.contracts[i].id, try cost(model.alone(i), levers, trials: trials, seed: seed, s).cases[1]))
        }
        results.sort { $0.1.distribution.p80 < $1.1.distribution.p80 }
        return EachResult(target: model.target, basis: model.basis, currency: model.currency, trials: trials, seed: seed, levers: levers,
                          rows: results, portfolio: try cost(model, levers, trials: trials, seed: seed, s).cases[1])
    }

    /// The contracts of `of`: an id (or a `$param` holding one), a variable or query
    /// of contracts, or the active ones; one that matches nothing is an error.
    private func targetContracts(_ s: Simulation) throws -> ([Int], String) {
        let (rows, target) = try matchedContracts(s)
        guard !rows.isEmpty else {
            throw Diagnostic((s.target.isActive ? "no contract is active" : "the target matches no contract") + ": there is nothing to simulate",
                             at: s.range, hint: "name a contract (of \"C-…\") or a query that finds some")
        }
        return (rows, target)
    }

    private func matchedContracts(_ s: Simulation) throws -> ([Int], String) {
        let contracts = try Diagnostic.located(s.range) { () throws(StoreError) in try store.table(.contracts) }
        switch s.target {
        case .parameter(let e):
            var resolved = s
            resolved.target = .id(try parameterID(e), e.range)
            return try matchedContracts(resolved)
        case .active:
            let status = contracts.values(ContractField.status)
            let rows = (0..<contracts.count).filter { status[$0] == .string("active") }
            return (rows, "the \(ValueText.count(rows.count)) active contracts")
        case .id(let id, let range):
            guard let row = contracts.row(id: id) else {
                var d = Diagnostic("no contract has id \"\(id)\"", at: range)
                if s.kind == .cost, let vendors = try? store.table(.vendors), vendors.row(id: id) != nil {
                    d.hint = "\(id) is a vendor: simulate risk of \"\(id)\", or simulate cost of (contracts where vendor = \"\(id)\")"
                } else if let near = Suggest.closest(to: id, in: contracts.ids) {
                    d.hint = "did you mean \"\(near)\"?"
                }
                throw d
            }
            return ([row], id)
        case .query(let query):
            let (collection, rows) = try records(query)
            guard collection == .contracts else {
                throw Diagnostic("simulate cost needs contracts; this gives \(collection.rawValue)", at: query.range,
                                 hint: "e.g. of (contracts where vendor.name contains \"…\")")
            }
            return (rows, rows.count == 1 ? contracts.id(rows[0]) ?? "1 contract" : "\(ValueText.count(rows.count)) contracts")
        }
    }

    // MARK: Risk

    private func risk(_ s: Simulation, _ levers: [(Lever, Double)], trials: Int, seed: UInt64) throws -> RiskResult {
        var s = s
        if case .parameter(let e) = s.target { s.target = .id(try parameterID(e), e.range) }
        if let other = s.levers.first(where: { $0.lever != Lever.risk_multiplier.rawValue }) {
            throw Diagnostic("simulate risk takes only the lever risk_multiplier", at: other.range)
        }
        let multiplier = levers.first?.1 ?? 1
        let model: SimulationModel
        switch s.target {
        case .query(let query):
            let (collection, rows) = try records(query)
            switch collection {
            case .contracts:
                model = try Diagnostic.located(s.range) { () throws(StoreError) in try SimulationModel.contracts(rows, from: store, target: "\(ValueText.count(rows.count)) contracts") }
            case .vendors:
                model = try Diagnostic.located(s.range) { () throws(StoreError) in try SimulationModel.vendors(rows, from: store) }
            default:
                throw Diagnostic("simulate risk needs vendors or contracts; this gives \(collection.rawValue)", at: query.range)
            }
        case .id(let id, let range):
            let vendors = try Diagnostic.located(range) { () throws(StoreError) in try store.table(.vendors) }
            if let row = vendors.row(id: id) {
                model = try Diagnostic.located(range) { () throws(StoreError) in try SimulationModel.vendors([row], from: store) }
            } else {
                let (rows, target) = try targetContracts(s)
                model = try Diagnostic.located(range) { () throws(StoreError) in try SimulationModel.contracts(rows, from: store, target: target) }
            }
        case .active, .parameter:  // a parameter was resolved to its id above
            let (rows, target) = try targetContracts(s)
            model = try Diagnostic.located(s.range) { () throws(StoreError) in try SimulationModel.contracts(rows, from: store, target: target) }
        }
        let risks = model.risks
        let totals = try monteCarlo(s, trials: trials) { isCancelled, progress throws(MonteCarlo.Interrupted) in
            try MonteCarlo.run(trials: trials, seed: seed, outputs: 1, isCancelled: isCancelled, progress: progress) { rng, out in
                var loss = 0.0
                for r in risks where rng.unit() < min(1, r.likelihood * multiplier) { loss += r.impact }
                out[0] = loss
            }
        }
        let contributions = risks.map { RiskResult.Contribution(id: $0.id, title: $0.title, expected: min(1, $0.likelihood * multiplier) * $0.impact) }
            .sorted { $0.expected > $1.expected }
        return RiskResult(target: model.target, currency: model.currency, trials: trials, seed: seed, levers: levers,
                          expected: contributions.reduce(0) { $0 + $1.expected }, distribution: Distribution(totals[0]),
                          contributions: contributions)
    }

    // MARK: Helpers

    /// The id a `$param` target holds.
    private func parameterID(_ e: Expr) throws -> String {
        guard case .string(let id) = try evaluator.compiler.compile(e, in: .constant).eval(.none) else {
            throw Diagnostic("the parameter must hold a contract or vendor id (a string) to be simulated", at: e.range)
        }
        return id
    }

    /// Runs trials with Ctrl-C and progress wired in; an interruption says how far it got.
    private func monteCarlo(_ s: Simulation, trials: Int, _ body: (@escaping @Sendable () -> Bool, (@Sendable (Int) -> Void)?) throws(MonteCarlo.Interrupted) -> [[Double]]) throws -> [[Double]] {
        let report = progress.map { report in { @Sendable (done: Int) in report(Double(done) / Double(trials)) } }
        do {
            return try body(isCancelled, report)
        } catch {
            throw Diagnostic("interrupted (Ctrl-C) after \(ValueText.count(error.done)) of \(ValueText.count(trials)) trials; nothing was kept", at: s.range)
        }
    }

    /// The records a query or variable gives, with their collection.
    private func records(_ query: Query) throws -> (CollectionName, [Int]) {
        guard case .relation(let relation) = try evaluator.run(query), case .records(let collection) = relation.scope else {
            throw Diagnostic("expected records of a collection here", at: query.range)
        }
        return (collection, relation.rows.compactMap { if case .record(let r) = $0 { r } else { nil } })
    }

    /// The lever a setting names, and its value, checked.
    private func value(of setting: Simulation.Setting) throws -> (Lever, Double) {
        try value(setting.lever, at: setting.nameRange, setting.value)
    }

    /// A lever by name and its value `e`, checked.
    private func value(_ name: String, at nameRange: SourceRange, _ e: Expr) throws -> (Lever, Double) {
        guard let lever = Lever(rawValue: name) else {
            throw Diagnostic.unknown("lever", name, at: nameRange, candidates: Lever.allCases.map(\.rawValue))
        }
        guard case .number(let v) = try evaluator.compiler.compile(e, in: .constant).eval(.none) else {
            throw Diagnostic("lever \(lever.rawValue) needs a number", at: e.range)
        }
        let range = lever.range
        guard range.contains(v) else {
            throw Diagnostic("lever \(lever.rawValue) must be from \(ValueText.raw(range.lowerBound)) to \(ValueText.raw(range.upperBound)), not \(ValueText.raw(v))",
                             at: e.range)
        }
        if lever == .change_requests, v != v.rounded() {
            throw Diagnostic("change_requests is a whole number of requests, not \(ValueText.raw(v))", at: e.range)
        }
        return (lever, v)
    }

    private func whole(_ e: Expr?, default value: Int, in range: ClosedRange<Int>, what: String) throws -> Int {
        guard let e else { return value }
        guard case .number(let v) = try evaluator.compiler.compile(e, in: .constant).eval(.none), v == v.rounded(),
              v >= Double(range.lowerBound), v <= Double(range.upperBound) else {
            throw Diagnostic("\(what) must be a whole number from \(range.lowerBound) to \(range.upperBound)", at: e.range)
        }
        return Int(v)
    }

}
