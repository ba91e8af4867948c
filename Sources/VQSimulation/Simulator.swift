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
        let levers = try s.levers.map { setting -> (Lever, Double) in try value(of: setting) }
        let trials = try whole(s.trials, default: Simulator.defaultTrials, in: 1...Simulator.maxTrials, what: "trials")
        let seed = UInt64(try whole(s.seed, default: Int(Simulator.defaultSeed), in: 0...Int(Int32.max), what: "seed"))
        switch s.kind {
        case .cost: return .cost(try cost(s, levers, trials: trials, seed: seed))
        case .risk: return .risk(try risk(s, levers, trials: trials, seed: seed))
        }
    }

    // MARK: Cost

    private func cost(_ s: Simulation, _ levers: [(Lever, Double)], trials: Int, seed: UInt64) throws -> CostResult {
        let (rows, target) = try targetContracts(s)
        let model = try Diagnostic.located(s.range) { () throws(StoreError) in try SimulationModel.contracts(rows, from: store, target: target) }
        // Baseline, scenario, then each lever alone for the tornado.
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

    /// The contracts of `of`: an id, a variable or query of contracts, or the active ones.
    private func targetContracts(_ s: Simulation) throws -> ([Int], String) {
        let contracts = try Diagnostic.located(s.range) { () throws(StoreError) in try store.table(.contracts) }
        switch s.target {
        case .active:
            let status = contracts.values(ContractField.status)
            let rows = (0..<contracts.count).filter { status[$0] == .string("active") }
            return (rows, "the \(ValueText.count(rows.count)) active contracts")
        case .id(let id, let range):
            guard let row = contracts.row(id: id) else {
                var d = Diagnostic("no contract has id \"\(id)\"", at: range)
                if let near = Suggest.closest(to: id, in: contracts.ids) { d.hint = "did you mean \"\(near)\"?" }
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
        case .active:
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
        guard let lever = Lever(rawValue: setting.lever) else {
            throw Diagnostic.unknown("lever", setting.lever, at: setting.nameRange, candidates: Lever.allCases.map(\.rawValue))
        }
        guard case .number(let v) = try evaluator.compiler.compile(setting.value, in: .constant).eval(.none) else {
            throw Diagnostic("lever \(lever.rawValue) needs a number", at: setting.value.range)
        }
        let range = lever.range
        guard range.contains(v) else {
            throw Diagnostic("lever \(lever.rawValue) must be from \(ValueText.raw(range.lowerBound)) to \(ValueText.raw(range.upperBound)), not \(ValueText.raw(v))",
                             at: setting.value.range)
        }
        if lever == .change_requests, v != v.rounded() {
            throw Diagnostic("change_requests is a whole number of requests, not \(ValueText.raw(v))", at: setting.value.range)
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
