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

    /// Trials are gone through this many at a time: the model is walked once
    /// per lane of trials, so each kpi's alias table is read from cache for all of
    /// them, and the lanes' sums stay in the first-level cache.
    static let lane = 128

    /// Totals of every case, trial by trial, all cases on the same draws; then,
    /// when `capsVary`, each case's budget cap in each trial.
    func run(trials: Int, seed: UInt64, threads: Int = 2, isCancelled: @escaping @Sendable () -> Bool,
             progress: (@Sendable (Int) -> Void)?) throws(MonteCarlo.Interrupted) -> [[Double]] {
        let variants = self.variants
        let fixed = variants.map { v in model.contracts.reduce(0) { total, c in total + v.fixedCost(c) } }
        let toDate = model.contracts.reduce(0) { $0 + $1.toDate }
        // Each contract's own fixed cost per case, when foreign money moves and costs are summed contract by contract.
        let movesFX = variants.contains(where: \.movesFX) && (model.contracts.contains { $0.fxGroup >= 0 } || model.risks.contains { $0.fxGroup >= 0 })
        let fixedOf = movesFX ? variants.map { v in model.contracts.map { v.fixedCost($0) } } : []
        let drawsZ = variants.contains { $0.fxVolatility > 0 }
        let foreign = drawsZ ? model.foreign.count : 0
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
        let lane = Self.lane
        return try MonteCarlo.run(trials: trials, seed: seed, outputs: outputs, threads: threads, isCancelled: isCancelled,
                                  progress: progress) { range, rng, out in
            // Rows of a lane's sums: change requests drawn up to the contract's own count and
            // the lever's; credits; change costs [own count, lever count] × [own cost, lever
            // cost]; capped credits without and with the penalty lever; risk losses without
            // and with the risk multiplier; change requests drawn so far; each case's total
            // when fx moves; z per currency.
            let lanes = Lanes(width: lane, rows: 12 + variants.count + foreign)
            defer { lanes.free() }
            let atOwn = lanes[0], atLever = lanes[1], misses = lanes[2], drawn = lanes[11]
            let changes = (lanes[3], lanes[4], lanes[5], lanes[6]), credit = (lanes[7], lanes[8]), loss = (lanes[9], lanes[10])
            let total = variants.indices.map { lanes[12 + $0] }
            let z = (0..<foreign).map { lanes[12 + variants.count + $0] }
            let key = UnsafeMutablePointer<UInt64>.allocate(capacity: lane)
            defer { key.deallocate() }
            for first in stride(from: range.lowerBound, to: range.upperBound, by: lane) {
                let n = min(lane, range.upperBound - first)
                // One key per trial from the chunk's stream; every draw is then a counter
                // (trial key, what is drawn, its index) put through a mixer. How many change
                // requests a lever asks for then moves no other draw, the baseline stays the
                // same, and the model can be walked once for a lane of trials.
                for t in 0..<n { key[t] = rng.next() }
                lanes.zero()
                // One standard normal per foreign currency per trial (Box–Muller), keyed by the
                // currency itself, so that a contract's factor is the same alone and in a portfolio.
                for g in 0..<foreign {
                    for t in 0..<n {
                        let k = key[t] ^ 0xF0F0_0000_0000_0000 &+ UInt64(foreignCodes[g]) << 1
                        let u = max(CounterRandom.unit(k), 0x1p-60), w = CounterRandom.unit(k &+ 1)
                        z[g][t] = (-2 * log(u)).squareRoot() * cos(2 * Double.pi * w)
                    }
                }
                for i in 0..<flat.contracts {
                    let own = flat.requests[i], draws = flat.draws[i]
                    // The lever counts the whole term: those recorded are no longer drawn.
                    let counted = requestLever.map { max(0, $0 - flat.recorded[i]) } ?? -1
                    let contract = UInt64(i) << 24
                    // Request by request across the lane; the sums so far are kept at the
                    // contract's own count and at the lever's.
                    for t in 0..<n { drawn[t] = 0 }
                    for j in 0...draws {
                        if j == own { atOwn.update(from: drawn, count: n) }
                        if j == counted { atLever.update(from: drawn, count: n) }
                        if j == draws { break }
                        let request = contract &+ UInt64(j)
                        for t in 0..<n { drawn[t] += Triangular.standard(CounterRandom.bits(key[t] &+ request)) }
                    }
                    let certain = flat.certainMisses[i]
                    for t in 0..<n { misses[t] = certain }
                    for k in flat.kpiStart[i]..<flat.kpiStart[i + 1] {
                        // Walker's alias method on one 64-bit draw: its high half picks a column
                        // (multiply and shift), its low half the column's own count or its alias.
                        // Integers and a select throughout: no branch to mispredict, no conversion to check.
                        let threshold = flat.threshold.baseAddress! + flat.tableStart[k], alias = flat.alias.baseAddress! + flat.tableStart[k]
                        let size = flat.tableSize[k], penalty = flat.penalty[k], index = UInt64(flat.kpiIndex[k]) &* CounterRandom.gamma
                        for t in 0..<n {
                            let bits = CounterRandom.bits(key[t] ^ 0x0F0F_0000_0000_0000 &+ index)
                            let column = Int(truncatingIfNeeded: ((bits >> 32) &* size) >> 32)
                            let other = Int(alias[column])
                            let x = bits & 0xFFFF_FFFF < threshold[column] ? column : other
                            misses[t] += Double(x) * penalty
                        }
                    }
                    let c = flat.requestCost[i], lever = costLever ?? c, cap = flat.cap[i]
                    if movesFX {
                        // Contract by contract: its cost in the simulation's currency × its fx factor in each case.
                        let group = flat.fxGroup[i], h = flat.horizon[i]
                        for (v, k) in cases.enumerated() {
                            let fixed = fixedOf[v][i], price = k.cost ? lever : c, scale = k.penalty ? penaltyLever : 1
                            let drawn = k.count ? atLever : atOwn, sum = total[v]
                            for t in 0..<n {
                                let factor = variants[v].fxFactor(group: group, horizon: h, z: group >= 0 && drawsZ ? z[group][t] : 0)
                                sum[t] += (fixed + price * drawn[t] - min(cap, misses[t] * scale)) * factor
                            }
                        }
                    } else {
                        for t in 0..<n {
                            changes.0[t] += c * atOwn[t]
                            changes.1[t] += c * atLever[t]
                            changes.2[t] += lever * atOwn[t]
                            changes.3[t] += lever * atLever[t]
                            credit.0[t] += min(cap, misses[t])
                            credit.1[t] += min(cap, misses[t] * penaltyLever)
                        }
                    }
                }
                for r in 0..<flat.risks {
                    let chance = flat.likelihood[r], chanceLever = flat.likelihoodLever[r], impact = flat.impact[r]
                    let index = UInt64(r) &* CounterRandom.gamma
                    let group = flat.riskFXGroup[r], h = flat.riskHorizon[r]
                    for t in 0..<n {
                        let u = CounterRandom.unit(key[t] ^ 0x3C3C_0000_0000_0000 &+ index)
                        let hit = (u < chance ? impact : 0, u < chanceLever ? impact : 0)
                        if movesFX {
                            for (v, k) in cases.enumerated() {
                                total[v][t] += (k.risk ? hit.1 : hit.0) * variants[v].fxFactor(group: group, horizon: h, z: group >= 0 && drawsZ ? z[group][t] : 0)
                            }
                        } else {
                            loss.0[t] += hit.0
                            loss.1[t] += hit.1
                        }
                    }
                }
                for t in 0..<n {
                    for (v, k) in cases.enumerated() {
                        if movesFX {
                            out[v, first + t] = toDate + total[v][t]
                        } else {
                            let change = k.cost ? (k.count ? changes.3[t] : changes.2[t]) : (k.count ? changes.1[t] : changes.0[t])
                            out[v, first + t] = toDate + fixed[v] + change - (k.penalty ? credit.1[t] : credit.0[t]) + (k.risk ? loss.1[t] : loss.0[t])
                        }
                    }
                    if capsVary {
                        for v in variants.indices {
                            var cap = 0.0
                            for i in 0..<flat.contracts {
                                let group = flat.budgetFXGroup[i]
                                cap += flat.budgetCap[i] * variants[v].fxFactor(group: group, horizon: flat.horizon[i], z: group >= 0 ? z[group][t] : 0)
                            }
                            out[variants.count + v, first + t] = cap
                        }
                    }
                }
            }
        }
    }
}

/// Rows of sums over a lane of trials, in one allocation.
private struct Lanes {
    let width: Int, rows: Int
    private let base: UnsafeMutablePointer<Double>

    init(width: Int, rows: Int) {
        self.width = width
        self.rows = rows
        base = .allocate(capacity: width * rows)
    }

    subscript(row: Int) -> UnsafeMutablePointer<Double> { base + row * width }
    func zero() { base.initialize(repeating: 0, count: width * rows) }
    func free() { base.deallocate() }
}

/// The model laid out flat for the trial loop: no per-contract arrays to retain.
private final class FlatModel: @unchecked Sendable {
    let contracts: Int, risks: Int
    let requests: UnsafeBufferPointer<Int>, draws: UnsafeBufferPointer<Int>
    let requestCost: UnsafeBufferPointer<Double>, cap: UnsafeBufferPointer<Double>
    /// The kpis whose misses vary, contract by contract, each drawn by its index among all the contracts' kpis
    /// (so that leaving out the others moves no draw); the misses that do not vary, as one sum of penalties.
    let kpiStart: UnsafeBufferPointer<Int>, kpiIndex: UnsafeBufferPointer<Int>, penalty: UnsafeBufferPointer<Double>
    let certainMisses: UnsafeBufferPointer<Double>
    /// Each kpi's alias table over its counts 0…n: keep the column's count when 32 random
    /// bits are below `threshold` (its probability × 2³²), else take `alias`.
    let tableStart: UnsafeBufferPointer<Int>, tableSize: UnsafeBufferPointer<UInt64>
    let threshold: UnsafeBufferPointer<UInt64>, alias: UnsafeBufferPointer<Int32>
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
        // A kpi with nothing left to measure, or that always or never misses, has one outcome.
        func certain(_ k: KPIModel) -> Bool { k.periods == 0 || k.missRate <= 0 || k.missRate >= 1 }
        let all = cs.flatMap(\.kpis)
        let varying = all.indices.filter { !certain(all[$0]) }
        let kpis = varying.map { all[$0] }
        kpiIndex = FlatModel.copy(varying)
        kpiStart = FlatModel.copy(cs.reduce(into: [0]) { $0.append($0.last! + $1.kpis.count { !certain($0) }) })
        certainMisses = FlatModel.copy(cs.map { c in
            c.kpis.reduce(0.0) { sum, k in certain(k) && k.missRate >= 1 ? sum + Double(k.periods) * k.penalty : sum }
        })
        penalty = FlatModel.copy(kpis.map(\.penalty))
        let tables = kpis.map { AliasTable(KPIModel.pmf($0.periods, $0.missRate)) }
        tableStart = FlatModel.copy(tables.reduce(into: [0]) { $0.append($0.last! + $1.keep.count) })
        tableSize = FlatModel.copy(tables.map { UInt64($0.keep.count) })
        threshold = FlatModel.copy(tables.flatMap(\.keep).map { UInt64(($0 * 0x1p32).rounded()) })
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
        for p in [requestCost, cap, penalty, certainMisses, likelihood, likelihoodLever, impact, horizon, budgetCap, riskHorizon] {
            p.baseAddress.map { UnsafeMutablePointer(mutating: $0).deallocate() }
        }
        for p in [tableSize, threshold] {
            p.baseAddress.map { UnsafeMutablePointer(mutating: $0).deallocate() }
        }
        for p in [requests, draws, recorded, kpiStart, kpiIndex, tableStart, fxGroup, budgetFXGroup, riskFXGroup] {
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
