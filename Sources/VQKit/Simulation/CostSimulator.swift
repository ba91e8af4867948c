import Foundation

/// One case of a what-if: the levers' values (nil: the contract's own data).
struct Variant: Sendable {
    var name: String
    var discount = 0.0, inflation = 0.0, delayMonths = 0.0, fx = 1.0, riskMultiplier = 1.0, penalty = 1.0
    var changeRequests: Int?
    var changeRequestCost: Double?

    init(name: String, levers: [(Lever, Double)]) {
        self.name = name
        for (lever, value) in levers {
            switch lever {
            case .discount: discount = value
            case .inflation: inflation = value
            case .delay_months: delayMonths = value
            case .fx: fx = value
            case .risk_multiplier: riskMultiplier = value
            case .penalty: penalty = value
            case .change_requests: changeRequests = Int(value)
            case .change_request_cost: changeRequestCost = value
            }
        }
    }

    /// Base and delay of a contract: what does not vary from trial to trial.
    func fixedCost(_ c: ContractModel) -> Double {
        let base = c.value * (1 - discount) * pow(1 + inflation, Double(c.termMonths) / 12)
        let delay = c.termMonths > 0 ? c.value / Double(c.termMonths) * delayMonths : 0
        return base + delay
    }

    func likelihood(_ r: RiskModel) -> Double { min(1, r.likelihood * riskMultiplier) }
}

/// The cost model of SPEC §3 over a set of contracts: its exact expectation,
/// and a Monte Carlo run of every case on common random numbers.
struct CostSimulator: Sendable {
    let model: SimulationModel
    let variants: [Variant]
    /// Each contract's credits distribution, when its cap can bind (else nil: the mean is exact).
    private let credits: [CreditDistribution?]

    init(model: SimulationModel, variants: [Variant]) {
        self.model = model
        self.variants = variants
        let largestPenalty = variants.map(\.penalty).max() ?? 1
        credits = model.contracts.map { c in
            // The most credits that have any weight: when that stays under the cap, the cap never binds.
            let most = c.kpis.reduce(0) { $0 + Double(CreditDistribution.pruned($1).last) * $1.penalty } * largestPenalty
            return most > c.penaltyCap * c.value ? CreditDistribution(c.kpis) : nil
        }
    }

    // MARK: Closed form

    /// E[cost] of a case, exactly: the expected capped credit from the binomials' distributions.
    func expected(_ v: Variant) -> Double {
        var total = 0.0
        for (i, c) in model.contracts.enumerated() {
            let requests = Double(v.changeRequests ?? c.expectedChangeRequests)
            let changes = requests * (v.changeRequestCost ?? c.changeRequestCost)
            let cap = c.penaltyCap * c.value
            let credit: Double
            if let distribution = credits[i] {
                credit = distribution.expectedMin(cap: cap, scale: v.penalty)
            } else {
                credit = v.penalty * c.kpis.reduce(0) { $0 + Double($1.periods) * $1.missRate * $1.penalty }
            }
            total += v.fixedCost(c) + changes - credit
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
            for i in 0..<flat.contracts {
                let own = flat.requests[i]
                var sum = 0.0, atOwn = 0.0, atLever = 0.0
                for j in 0..<flat.draws[i] {
                    if j == own { atOwn = sum }
                    if j == n { atLever = sum }
                    sum += Triangular.standard(rng.unit())
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
                    let scaled = rng.unit() * Double(flat.tableStart[k + 1] - start)
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
    let tableStart: UnsafeBufferPointer<Int>, keep: UnsafeBufferPointer<Double>, alias: UnsafeBufferPointer<Int32>
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
        for p in [requestCost, cap, penalty, keep, likelihood, impact] { p.baseAddress.map { UnsafeMutablePointer(mutating: $0).deallocate() } }
        for p in [requests, draws, kpiStart, tableStart] { p.baseAddress.map { UnsafeMutablePointer(mutating: $0).deallocate() } }
        alias.baseAddress.map { UnsafeMutablePointer(mutating: $0).deallocate() }
    }
}

/// Triangular(0.75, 1, 1.25) by inverse transform: a change request's cost over its nominal cost.
enum Triangular {
    @inline(__always)
    static func standard(_ u: Double) -> Double {
        // One square root and a select, no branch to mispredict.
        let r = (0.125 * min(u, 1 - u)).squareRoot()
        return u < 0.5 ? 0.75 + r : 1.25 - r
    }
}

/// Walker's alias table (Vose's construction) for drawing from a small discrete distribution in O(1).
struct AliasTable {
    var keep: [Double]
    var alias: [Int32]

    init(_ probabilities: [Double]) {
        let n = probabilities.count
        let total = probabilities.reduce(0, +)
        var scaled = probabilities.map { $0 / total * Double(n) }
        keep = [Double](repeating: 1, count: n)
        alias = (0..<n).map(Int32.init)
        var small = scaled.indices.filter { scaled[$0] < 1 }
        var large = scaled.indices.filter { scaled[$0] >= 1 }
        while let s = small.popLast(), let l = large.last {
            keep[s] = scaled[s]
            alias[s] = Int32(l)
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 {
                large.removeLast()
                small.append(l)
            }
        }
    }
}

/// E[min(cap, scale × Σ_k Binomial(n_k, p_k) × penalty_k)] for one contract,
/// from the binomials themselves (not from the mean): the sums of all kpis
/// but the last are enumerated (equal sums merged), and the last kpi is
/// summed in closed form with prefix sums, as min(cap, ·) is linear below the
/// cap. Binomial terms under 1e-16 of a kpi's largest are left out; their
/// share of the expectation is below 1e-12.
struct CreditDistribution: Sendable {
    /// Sums of the kpis but the last, and their probabilities.
    private var sums: [(value: Double, probability: Double)] = [(0, 1)]
    /// The last kpi: its penalty, first count kept, P(X = x) and prefix sums of P and x·P.
    private var penalty = 0.0
    private var low = 0
    private var cumulative: [Double] = [1]
    private var cumulativeMisses: [Double] = [0]

    init(_ kpis: [KPIModel]) {
        guard let last = kpis.last else { return }
        let others = kpis.dropLast()
        // Whole-number penalties: sums on a lattice (their gcd apart), in order, no hashing.
        let steps = others.map { Int(exactly: $0.penalty) ?? 0 }
        if !others.isEmpty, steps.allSatisfy({ $0 > 0 }) {
            let unit = steps.reduce(0, CreditDistribution.gcd)
            var lattice = [1.0]
            for (k, step) in zip(others, steps) {
                let (from, pmf, _) = CreditDistribution.pruned(k)
                let stride = step / unit
                var next = [Double](repeating: 0, count: lattice.count + (from + pmf.count - 1) * stride)
                for (i, p) in lattice.enumerated() where p > 0 {
                    for (x, q) in pmf.enumerated() { next[i + (from + x) * stride] += p * q }
                }
                lattice = next
            }
            sums = lattice.enumerated().compactMap { $0.element > 0 ? (Double($0.offset * unit), $0.element) : nil }
        } else {
            for k in others {
                let (from, pmf, _) = CreditDistribution.pruned(k)
                var merged: [Double: Double] = [:]
                for (v, p) in sums {
                    for (i, q) in pmf.enumerated() { merged[v + Double(from + i) * k.penalty, default: 0] += p * q }
                }
                // Sorted: a dictionary's order differs between runs, and so would the sums' rounding.
                sums = merged.map { ($0.key, $0.value) }.sorted { $0.value < $1.value }
            }
        }
        let (from, pmf, _) = CreditDistribution.pruned(last)
        penalty = last.penalty
        low = from
        cumulative = pmf.reduce(into: [0]) { $0.append($0.last! + $1) }
        cumulativeMisses = pmf.enumerated().reduce(into: [0]) { $0.append($0.last! + Double(from + $1.offset) * $1.element) }
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    /// The binomial's terms from the first to the last that matter: the first count and P(X = x) from there.
    static func pruned(_ k: KPIModel) -> (first: Int, pmf: [Double], last: Int) {
        let pmf = KPIModel.pmf(k.periods, k.missRate)
        let floor = (pmf.max() ?? 0) * 1e-16
        let first = pmf.firstIndex { $0 >= floor } ?? 0
        let last = pmf.lastIndex { $0 >= floor } ?? 0
        return (first, Array(pmf[first...last]), last)
    }

    func expectedMin(cap: Double, scale: Double) -> Double {
        let count = cumulative.count - 1
        var total = 0.0
        for (s, p) in sums {
            // Counts up to `below` stay under the cap: their credit is linear in the count.
            var below = count
            if scale > 0, penalty > 0 {
                let limit = ((cap / scale - s) / penalty).rounded(.down) - Double(low)
                below = limit < 0 ? 0 : min(count, Int(limit) + 1)
            } else if scale * s > cap {
                below = 0
            }
            let linear = scale * (s * cumulative[below] + penalty * cumulativeMisses[below])
            total += p * (linear + cap * (cumulative[count] - cumulative[below]))
        }
        return total
    }
}
