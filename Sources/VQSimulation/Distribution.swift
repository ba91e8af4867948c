import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQStore
import VQSupport

/// The figures of one distribution of totals.
public struct Distribution: Sendable {
    public var mean: Double
    public var std: Double
    /// Half the width of the 95% confidence interval of the mean.
    public var halfWidth: Double
    public var p10: Double, p50: Double, p80: Double, p90: Double, p99: Double
    /// The 95% confidence interval of P80 as an order statistic: the ranks
    /// n·0.8 ∓ 1.96·√(n·0.8·0.2) (binomial, normal approximation).
    public var p80Low: Double, p80High: Double
    public var minimum: Double, maximum: Double

    /// Percentiles are order statistics: the value at rank round(q × (n − 1)).
    init(_ values: [Double]) {
        let n = values.count
        var sum = 0.0, low = Double.infinity, high = -Double.infinity
        for v in values {
            sum += v
            low = min(low, v)
            high = max(high, v)
        }
        mean = n > 0 ? sum / Double(n) : 0
        var squares = 0.0
        for v in values { squares += (v - mean) * (v - mean) }
        std = n > 1 ? (squares / Double(n - 1)).squareRoot() : 0
        halfWidth = n > 0 ? 1.959_964 * std / Double(n).squareRoot() : 0
        minimum = n > 0 ? low : 0
        maximum = n > 0 ? high : 0
        var ranks = [0.1, 0.5, 0.8, 0.9, 0.99].map { Int((Double(max(0, n - 1)) * $0).rounded()) }
        let spread = 1.959_964 * (Double(n) * 0.8 * 0.2).squareRoot()
        ranks += [max(0, Int((Double(n) * 0.8 - spread).rounded(.down)) - 1), min(max(0, n - 1), Int((Double(n) * 0.8 + spread).rounded(.up)) - 1)]
        let found = n > 0 ? Distribution.select(values, ranks, low: low, high: high) : [0, 0, 0, 0, 0, 0, 0]
        (p10, p50, p80, p90, p99) = (found[0], found[1], found[2], found[3], found[4])
        (p80Low, p80High) = (found[5], found[6])
    }

    /// The figures of several distributions, on both cores.
    static func of(_ arrays: [[Double]]) -> [Distribution] {
        let slots = ResultSlots<Distribution>(count: arrays.count)
        let counter = Counter()
        Parallel.run(min(2, arrays.count)) { _ in
            while let i = counter.take(below: arrays.count) { slots.set(i, Distribution(arrays[i])) }
        }
        return slots.take()
    }

    /// The values at the given ranks (order statistics) of values within
    /// [low, high], exactly and in two passes: a fine histogram (the bin of a
    /// value never decreases as the value grows) tells which bin holds each
    /// rank, and only the values of those bins are gathered and sorted.
    static func select(_ values: [Double], _ ranks: [Int], low: Double, high: Double) -> [Double] {
        guard high > low else { return ranks.map { _ in low } }
        let bins = 4096
        let scale = Double(bins) / (high - low)
        @inline(__always) func bin(_ v: Double) -> Int { min(bins - 1, Int((v - low) * scale)) }
        var counts = [Int](repeating: 0, count: bins)
        for v in values { counts[bin(v)] += 1 }
        // The bin of each rank, and how many values lie in the bins before it.
        var wanted = [Int](repeating: -1, count: bins)
        var before: [Int: Int] = [:]
        var seen = 0
        var rankBins: [Int] = []
        var next = ranks.enumerated().sorted { $0.element < $1.element }[...]
        var binOf = [Int](repeating: 0, count: ranks.count)
        for b in 0..<bins where counts[b] > 0 {
            while let r = next.first, r.element < seen + counts[b] {
                binOf[r.offset] = b
                if wanted[b] < 0 { wanted[b] = rankBins.count; rankBins.append(b); before[b] = seen }
                next = next.dropFirst()
            }
            seen += counts[b]
        }
        var gathered = [[Double]](repeating: [], count: rankBins.count)
        for (i, b) in rankBins.enumerated() { gathered[i].reserveCapacity(counts[b]) }
        for v in values {
            let slot = wanted[bin(v)]
            if slot >= 0 { gathered[slot].append(v) }
        }
        for i in gathered.indices { gathered[i].sort() }
        return ranks.indices.map { i in
            let b = binOf[i]
            return gathered[wanted[b]][ranks[i] - before[b]!]
        }
    }
}
