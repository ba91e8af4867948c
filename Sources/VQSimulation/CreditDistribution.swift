import Foundation
import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQStore
import VQSupport

/// E[min(cap, scale × Σ_k Binomial(n_k, p_k) × penalty_k)] for one contract,
/// from the binomials themselves (not from the mean): the sums of all kpis
/// but the last are enumerated (equal sums merged when there are many), and the last kpi is
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

    /// Nil when the cap cannot bind at any scale up to `largestScale`: the mean is then exact.
    init?(_ kpis: [KPIModel], cap: Double, largestScale: Double) {
        let terms = kpis.map(CreditDistribution.pruned)
        let most = zip(kpis, terms).reduce(0) { $0 + Double($1.1.last) * $1.0.penalty } * largestScale
        guard let last = kpis.last, let lastTerms = terms.last, most > cap else { return nil }
        for (k, t) in zip(kpis.dropLast(), terms.dropLast()) {
            var next: [(value: Double, probability: Double)] = []
            next.reserveCapacity(sums.count * t.pmf.count)
            for (v, p) in sums {
                for (i, q) in t.pmf.enumerated() { next.append((v + Double(t.first + i) * k.penalty, p * q)) }
            }
            // Many kpis: equal sums merged, in sorted order so that every run adds up the same way.
            sums = next.count > 1 << 16 ? CreditDistribution.merged(next) : next
        }
        penalty = last.penalty
        low = lastTerms.first
        cumulative = lastTerms.pmf.reduce(into: [0]) { $0.append($0.last! + $1) }
        cumulativeMisses = lastTerms.pmf.enumerated().reduce(into: [0]) { $0.append($0.last! + Double(low + $1.offset) * $1.element) }
    }

    private static func merged(_ sums: [(value: Double, probability: Double)]) -> [(value: Double, probability: Double)] {
        var out: [(value: Double, probability: Double)] = []
        for s in sums.sorted(by: { $0.value < $1.value }) {
            if let last = out.last, last.value == s.value {
                out[out.count - 1].probability += s.probability
            } else {
                out.append(s)
            }
        }
        return out
    }

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
