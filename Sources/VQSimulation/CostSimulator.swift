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
            let distribution = CreditDistribution(c.kpis, cap: c.penaltyCap * c.value, largestScale: scales.last ?? 1)
            let mean = c.kpis.reduce(0) { $0 + Double($1.periods) * $1.missRate * $1.penalty }
            for scale in scales {
                credits[scale]!.append(distribution?.expectedMin(cap: c.penaltyCap * c.value, scale: scale) ?? scale * mean)
            }
        }
        expectedCredits = credits
    }

    // MARK: Closed form

    /// E[cost] of a case, exactly: the expected capped credit from the binomials' distributions.
    func expected(_ v: Variant) -> Double {
        var total = 0.0
        let credits = expectedCredits[v.penalty]!
        for (i, c) in model.contracts.enumerated() {
            let requests = Double(v.changeRequests ?? c.expectedChangeRequests)
            let changes = requests * (v.changeRequestCost ?? c.changeRequestCost)
            total += v.fixedCost(c) + changes - credits[i]
        }
        for r in model.risks { total += v.likelihood(r) * r.impact }
        return total * v.fx
    }

    // MARK: Monte Carlo

    /// Totals of every case, trial by trial, all cases on the same draws.
    func run(trials: Int, seed: UInt64, isCancelled: @escaping @Sendable () -> Bool,
             progress: (@Sendable (Int) -> Void)?) throws(MonteCarlo.Interrupted) -> [[Double]] {
        let variants = self.variants
        let fixed = variants.map { v in model.contracts.reduce(0) { total, c in total + v.fixedCost(c) } }
        // The cases differ only by a lever given or not: at most two choices of each.
        let requestLever = variants.compactMap(\.changeRequests).first
        let costLever = variants.compactMap(\.changeRequestCost).first
        let penaltyLever = variants.map(\.penalty).first { $0 != 1 } ?? 1
        let multiplierLever = variants.map(\.riskMultiplier).first { $0 != 1 } ?? 1
        let flat = FlatModel(model, requestLever: requestLever)
        let cases = variants.map { v in
            (count: v.changeRequests != nil, cost: v.changeRequestCost != nil, penalty: v.penalty != 1,
             risk: v.riskMultiplier != 1, fx: v.fx)
        }
        return try MonteCarlo.run(trials: trials, seed: seed, outputs: variants.count, isCancelled: isCancelled,
                                  progress: progress) { rng, out in
            // Change request costs: [own count, lever count] × [own cost, lever cost].
            var changes = (0.0, 0.0, 0.0, 0.0)
            var credit = (0.0, 0.0)
            let n = requestLever ?? -1
            // Change requests draw from counters (trial, contract, request), not from the stream:
            // how many a lever asks for then moves no other draw, and the baseline stays the same.
            let trialKey = rng.next()
            for i in 0..<flat.contracts {
                let own = flat.requests[i]
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
                changes.0 += c * atOwn
                changes.1 += c * atLever
                changes.2 += lever * atOwn
                changes.3 += lever * atLever
                var misses = 0.0
                for k in flat.kpiStart[i]..<flat.kpiStart[i + 1] {
                    // Walker's alias method: one uniform picks a column, its fraction the column's own count or its alias.
                    let start = flat.tableStart[k]
                    let scaled = rng.unit() * flat.tableSize[k]
                    let column = Int(scaled)
                    let x = scaled - Double(column) < flat.keep[start + column] ? column : Int(flat.alias[start + column])
                    misses += Double(x) * flat.penalty[k]
                }
                credit.0 += min(flat.cap[i], misses)
                credit.1 += min(flat.cap[i], misses * penaltyLever)
            }
            var loss = (0.0, 0.0)
            for r in 0..<flat.risks {
                let u = rng.unit()
                if u < flat.likelihood[r] { loss.0 += flat.impact[r] }
                if u < min(1, flat.likelihood[r] * multiplierLever) { loss.1 += flat.impact[r] }
            }
            for (v, c) in cases.enumerated() {
                let change = c.cost ? (c.count ? changes.3 : changes.2) : (c.count ? changes.1 : changes.0)
                out[v] = (fixed[v] + change - (c.penalty ? credit.1 : credit.0) + (c.risk ? loss.1 : loss.0)) * c.fx
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
    let likelihood: UnsafeBufferPointer<Double>, impact: UnsafeBufferPointer<Double>

    init(_ model: SimulationModel, requestLever: Int?) {
        let cs = model.contracts
        contracts = cs.count
        risks = model.risks.count
        requests = FlatModel.copy(cs.map(\.expectedChangeRequests))
        draws = FlatModel.copy(cs.map { max($0.expectedChangeRequests, requestLever ?? 0) })
        requestCost = FlatModel.copy(cs.map(\.changeRequestCost))
        cap = FlatModel.copy(cs.map { $0.penaltyCap * $0.value })
        let kpis = cs.flatMap(\.kpis)
        kpiStart = FlatModel.copy(cs.reduce(into: [0]) { $0.append($0.last! + $1.kpis.count) })
        penalty = FlatModel.copy(kpis.map(\.penalty))
        let tables = kpis.map { AliasTable(KPIModel.pmf($0.periods, $0.missRate)) }
        tableStart = FlatModel.copy(tables.reduce(into: [0]) { $0.append($0.last! + $1.keep.count) })
        tableSize = FlatModel.copy(tables.map { Double($0.keep.count) })
        keep = FlatModel.copy(tables.flatMap(\.keep))
        alias = FlatModel.copy(tables.flatMap(\.alias))
        likelihood = FlatModel.copy(model.risks.map { min(1, $0.likelihood) })
        impact = FlatModel.copy(model.risks.map(\.impact))
    }

    private static func copy<T>(_ a: [T]) -> UnsafeBufferPointer<T> {
        let p = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, a.count))
        _ = p.initialize(from: a)
        return UnsafeBufferPointer(rebasing: p[0..<a.count])
    }

    deinit {
        for p in [requestCost, cap, penalty, tableSize, keep, likelihood, impact] { p.baseAddress.map { UnsafeMutablePointer(mutating: $0).deallocate() } }
        for p in [requests, draws, kpiStart, tableStart] { p.baseAddress.map { UnsafeMutablePointer(mutating: $0).deallocate() } }
        alias.baseAddress.map { UnsafeMutablePointer(mutating: $0).deallocate() }
    }
}
