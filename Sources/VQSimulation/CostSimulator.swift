import Foundation
import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQStore
import VQSupport

/// The cost model of SPEC §3 over a set of contracts: its exact expectation,
/// and a Monte Carlo run of every case on common random numbers.
struct CostSimulator: Sendable {
    let model: SimulationModel
    let variants: [Variant]
    /// Each contract's expected capped credit, for each penalty scale the cases use.
    private let expectedCredits: [Double: [Double]]

    init(model: SimulationModel, variants: [Variant]) {
        self.model = model
        self.variants = variants
        let scales = Set(variants.map(\.penalty)).sorted()
        var credits = Dictionary(uniqueKeysWithValues: scales.map { ($0, [Double]()) })
        for c in model.contracts {
            // The distribution only where the cap can bind; elsewhere the mean is exact.
            let distribution = CreditDistribution(c.kpis, cap: c.capLeft, largestScale: scales.last ?? 1)
            let mean = c.kpis.reduce(0) { $0 + Double($1.periods) * $1.missRate * $1.penalty }
            for scale in scales {
                credits[scale]!.append(distribution?.expectedMin(cap: c.capLeft, scale: scale) ?? min(c.capLeft, scale * mean))
            }
        }
        expectedCredits = credits
    }

    // MARK: Closed form

    /// E[cost] of a case, exactly, in its parts: the expected capped credit from
    /// the binomials' distributions; what is forecast for foreign money × `fx`
    /// (its fx factor has mean 1); what is recorded as it was.
    func expected(_ v: Variant) -> Breakdown {
        var b = Breakdown()
        let credits = expectedCredits[v.penalty]!
        for (i, c) in model.contracts.enumerated() {
            let f = c.fxGroup >= 0 ? v.fx : 1
            b.toDate += c.toDate
            b.base += f * v.base(c)
            b.delay += f * v.delay(c)
            b.changes += f * Double(v.requestsLeft(c)) * (v.changeRequestCost ?? c.changeRequestCost)
            b.credits += f * credits[i]
        }
        for r in model.risks { b.risks += (r.fxGroup >= 0 ? v.fx : 1) * v.likelihood(r) * r.impact }
        return b
    }

    /// The budget caps in the simulation's currency, at today's rate × fx where foreign.
    func budgetCap(_ v: Variant) -> Double {
        model.contracts.reduce(0) { $0 + $1.budgetCap * ($1.budgetFxGroup >= 0 ? v.fx : 1) }
    }

    /// Whether a case's budget moves from trial to trial (a foreign budget with fx volatility).
    var capsVary: Bool {
        variants.contains { $0.fxVolatility > 0 } && model.contracts.contains { $0.budgetFxGroup >= 0 && $0.horizon > 0 }
    }

    // MARK: Monte Carlo

    /// Totals of every case, trial by trial, all cases on the same draws; then,
    /// when `capsVary`, each case's budget cap in each trial.
    func run(trials: Int, seed: UInt64, isCancelled: @escaping @Sendable () -> Bool,
             progress: (@Sendable (Int) -> Void)?) throws(MonteCarlo.Interrupted) -> [[Double]] {
        let variants = self.variants
        let fixed = variants.map { v in model.contracts.reduce(0) { total, c in total + v.fixedCost(c) } }
        let toDate = model.contracts.reduce(0) { $0 + $1.toDate }
        // Each contract's own fixed cost per case, when foreign money moves and costs are summed contract by contract.
        let movesFX = variants.contains(where: \.movesFX) && (model.contracts.contains { $0.fxGroup >= 0 } || model.risks.contains { $0.fxGroup >= 0 })
        let fixedOf = movesFX ? variants.map { v in model.contracts.map { v.fixedCost($0) } } : []
        let drawsZ = variants.contains { $0.fxVolatility > 0 }
        let foreign = model.foreign.count
        let foreignCodes = model.foreign.map(\.index)
        let capsVary = self.capsVary
        let outputs = variants.count * (capsVary ? 2 : 1)
        // The cases differ only by a lever given or not: at most two choices of each.
        let requestLever = variants.compactMap(\.changeRequests).first
        let costLever = variants.compactMap(\.changeRequestCost).first
        let penaltyLever = variants.map(\.penalty).first { $0 != 1 } ?? 1
        let multiplierLever = variants.map(\.riskMultiplier).first { $0 != 1 } ?? 1
        let flat = FlatModel(model, requestLever: requestLever, riskMultiplier: multiplierLever)
        let cases = variants.map { v in
            (count: v.changeRequests != nil, cost: v.changeRequestCost != nil, penalty: v.penalty != 1,
             risk: v.riskMultiplier != 1)
        }
        return try MonteCarlo.run(trials: trials, seed: seed, outputs: outputs, isCancelled: isCancelled,
                                  progress: progress) { rng, out in
            // Change request costs: [own count, lever count] × [own cost, lever cost].
            var changes = (0.0, 0.0, 0.0, 0.0)
            var credit = (0.0, 0.0)
            // Change requests draw from counters (trial, contract, request), not from the stream:
            // how many a lever asks for then moves no other draw, and the baseline stays the same.
            let trialKey = rng.next()
            // One standard normal per foreign currency per trial, from counters as well
            // (Box–Muller), so that a volatility moves no other draw.
            // Keyed by the currency itself, so that a contract's factor is the same alone and in a portfolio.
            var z = [Double](repeating: 0, count: drawsZ ? foreign : 0)
            for g in z.indices {
                let key = trialKey ^ 0xF0F0_0000_0000_0000 &+ UInt64(foreignCodes[g]) << 1
                let u = max(CounterRandom.unit(key), 0x1p-60), w = CounterRandom.unit(key &+ 1)
                z[g] = (-2 * log(u)).squareRoot() * cos(2 * Double.pi * w)
            }
            if movesFX { for v in variants.indices { out[v] = toDate } }
            for i in 0..<flat.contracts {
                let own = flat.requests[i]
                // The lever counts the whole term: those recorded are no longer drawn.
                let n = requestLever.map { max(0, $0 - flat.recorded[i]) } ?? -1
                var sum = 0.0, atOwn = 0.0, atLever = 0.0
                let contractKey = trialKey &+ UInt64(i) << 24
                for j in 0..<flat.draws[i] {
                    if j == own { atOwn = sum }
                    if j == n { atLever = sum }
                    sum += Triangular.standard(CounterRandom.unit(contractKey &+ UInt64(j)))
                }
                if flat.draws[i] == own { atOwn = sum }
                if flat.draws[i] == n { atLever = sum }
                let c = flat.requestCost[i], lever = costLever ?? c
                var misses = 0.0
                for k in flat.kpiStart[i]..<flat.kpiStart[i + 1] {
                    // Walker's alias method: one uniform picks a column, its fraction the column's own count or its alias.
                    let start = flat.tableStart[k]
                    let scaled = rng.unit() * flat.tableSize[k]
                    let column = Int(scaled)
                    let x = scaled - Double(column) < flat.keep[start + column] ? column : Int(flat.alias[start + column])
                    misses += Double(x) * flat.penalty[k]
                }
                let mine = (c * atOwn, c * atLever, lever * atOwn, lever * atLever)
                let credits = (min(flat.cap[i], misses), min(flat.cap[i], misses * penaltyLever))
                if movesFX {
                    // Contract by contract: its cost in the simulation's currency × its fx factor in each case.
                    let group = flat.fxGroup[i], h = flat.horizon[i]
                    for (v, k) in cases.enumerated() {
                        let change = k.cost ? (k.count ? mine.3 : mine.2) : (k.count ? mine.1 : mine.0)
                        let factor = variants[v].fxFactor(group: group, horizon: h, z: group >= 0 && drawsZ ? z[group] : 0)
                        out[v] += (fixedOf[v][i] + change - (k.penalty ? credits.1 : credits.0)) * factor
                    }
                } else {
                    changes.0 += mine.0
                    changes.1 += mine.1
                    changes.2 += mine.2
                    changes.3 += mine.3
                    credit.0 += credits.0
                    credit.1 += credits.1
                }
            }
            var loss = (0.0, 0.0)
            for r in 0..<flat.risks {
                let u = rng.unit()
                let hit = (u < flat.likelihood[r] ? flat.impact[r] : 0, u < flat.likelihoodLever[r] ? flat.impact[r] : 0)
                if movesFX {
                    let group = flat.riskFXGroup[r], h = flat.riskHorizon[r]
                    for (v, k) in cases.enumerated() {
                        out[v] += (k.risk ? hit.1 : hit.0) * variants[v].fxFactor(group: group, horizon: h, z: group >= 0 && drawsZ ? z[group] : 0)
                    }
                } else {
                    loss.0 += hit.0
                    loss.1 += hit.1
                }
            }
            if !movesFX {
                for (v, k) in cases.enumerated() {
                    let change = k.cost ? (k.count ? changes.3 : changes.2) : (k.count ? changes.1 : changes.0)
                    out[v] = toDate + fixed[v] + change - (k.penalty ? credit.1 : credit.0) + (k.risk ? loss.1 : loss.0)
                }
            }
            if capsVary {
                for v in variants.indices {
                    var cap = 0.0
                    for i in 0..<flat.contracts {
                        let group = flat.budgetFXGroup[i]
                        cap += flat.budgetCap[i] * variants[v].fxFactor(group: group, horizon: flat.horizon[i], z: group >= 0 ? z[group] : 0)
                    }
                    out[variants.count + v] = cap
                }
            }
        }
    }
}

/// The model laid out flat for the trial loop: no per-contract arrays to retain.
private final class FlatModel: @unchecked Sendable {
    let contracts: Int, risks: Int
    let requests: UnsafeBufferPointer<Int>, draws: UnsafeBufferPointer<Int>
    let requestCost: UnsafeBufferPointer<Double>, cap: UnsafeBufferPointer<Double>
    let kpiStart: UnsafeBufferPointer<Int>, penalty: UnsafeBufferPointer<Double>
    /// Each kpi's alias table over its counts 0…n: keep the column's count with probability `keep`, else `alias`.
    let tableStart: UnsafeBufferPointer<Int>, tableSize: UnsafeBufferPointer<Double>
    let keep: UnsafeBufferPointer<Double>, alias: UnsafeBufferPointer<Int32>
    /// Each risk's chance over what is left of the term, without and with the risk_multiplier lever.
    let likelihood: UnsafeBufferPointer<Double>, likelihoodLever: UnsafeBufferPointer<Double>, impact: UnsafeBufferPointer<Double>
    /// Change requests approved or done, which count towards the lever's number.
    let recorded: UnsafeBufferPointer<Int>
    /// Fx groups (-1: the simulation's own currency) and horizons of contracts, budgets and risks.
    let fxGroup: UnsafeBufferPointer<Int>, budgetFXGroup: UnsafeBufferPointer<Int>, riskFXGroup: UnsafeBufferPointer<Int>
    let horizon: UnsafeBufferPointer<Double>, budgetCap: UnsafeBufferPointer<Double>, riskHorizon: UnsafeBufferPointer<Double>

    init(_ model: SimulationModel, requestLever: Int?, riskMultiplier: Double) {
        let cs = model.contracts
        contracts = cs.count
        risks = model.risks.count
        let own = cs.map { max(0, $0.expectedChangeRequests - $0.recordedRequests) }
        requests = FlatModel.copy(own)
        draws = FlatModel.copy(zip(cs, own).map { c, n in max(n, (requestLever ?? 0) - c.recordedRequests) })
        recorded = FlatModel.copy(cs.map(\.recordedRequests))
        requestCost = FlatModel.copy(cs.map(\.changeRequestCost))
        cap = FlatModel.copy(cs.map(\.capLeft))
        let kpis = cs.flatMap(\.kpis)
        kpiStart = FlatModel.copy(cs.reduce(into: [0]) { $0.append($0.last! + $1.kpis.count) })
        penalty = FlatModel.copy(kpis.map(\.penalty))
        let tables = kpis.map { AliasTable(KPIModel.pmf($0.periods, $0.missRate)) }
        tableStart = FlatModel.copy(tables.reduce(into: [0]) { $0.append($0.last! + $1.keep.count) })
        tableSize = FlatModel.copy(tables.map { Double($0.keep.count) })
        keep = FlatModel.copy(tables.flatMap(\.keep))
        alias = FlatModel.copy(tables.flatMap(\.alias))
        likelihood = FlatModel.copy(model.risks.map { $0.chance() })
        likelihoodLever = FlatModel.copy(model.risks.map { $0.chance(multiplier: riskMultiplier) })
        impact = FlatModel.copy(model.risks.map(\.impact))
        fxGroup = FlatModel.copy(cs.map(\.fxGroup))
        budgetFXGroup = FlatModel.copy(cs.map(\.budgetFxGroup))
        riskFXGroup = FlatModel.copy(model.risks.map(\.fxGroup))
        horizon = FlatModel.copy(cs.map(\.horizon))
        budgetCap = FlatModel.copy(cs.map(\.budgetCap))
        riskHorizon = FlatModel.copy(model.risks.map(\.horizon))
    }

    private static func copy<T>(_ a: [T]) -> UnsafeBufferPointer<T> {
        let p = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, a.count))
        _ = p.initialize(from: a)
        return UnsafeBufferPointer(rebasing: p[0..<a.count])
    }

    deinit {
        for p in [requestCost, cap, penalty, tableSize, keep, likelihood, likelihoodLever, impact, horizon, budgetCap, riskHorizon] {
            p.baseAddress.map { UnsafeMutablePointer(mutating: $0).deallocate() }
        }
        for p in [requests, draws, recorded, kpiStart, tableStart, fxGroup, budgetFXGroup, riskFXGroup] {
            p.baseAddress.map { UnsafeMutablePointer(mutating: $0).deallocate() }
        }
        alias.baseAddress.map { UnsafeMutablePointer(mutating: $0).deallocate() }
    }
}

/// The expected cost of a case in its parts (SPEC §3): what is recorded, and
/// the forecast to complete.
struct Breakdown: Sendable, Equatable {
    var toDate = 0.0, base = 0.0, delay = 0.0, changes = 0.0, risks = 0.0, credits = 0.0

    var total: Double { toDate + base + delay + changes + risks - credits }

    static let names = ["to_date", "base", "delay", "changes", "risks", "credits"]
    var parts: [Double] { [toDate, base, delay, changes, risks, credits] }
}
