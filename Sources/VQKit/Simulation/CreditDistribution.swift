import Foundation

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
