import Foundation

/// Runs trials on both cores. Trials are cut into fixed chunks, each with its
/// own xoshiro256** stream seeded from (seed, chunk) through SplitMix64, and
/// every trial writes its own slot: the numbers do not depend on how many
/// threads ran or which chunk each took.
enum MonteCarlo {
    // Small enough that two threads finish together even on 10,000 trials.
    static let chunk = 512

    struct Interrupted: Error {
        var done: Int
    }

    /// `outputs` arrays of `trials` values; `trial(rng, out)` fills one trial's
    /// value of each output. `progress(done)` is called now and then.
    static func run(trials: Int, seed: UInt64, outputs: Int, threads: Int = 2,
                    isCancelled: @escaping @Sendable () -> Bool, progress: (@Sendable (Int) -> Void)? = nil,
                    trial: @escaping @Sendable (inout Xoshiro256, inout [Double]) -> Void) throws(Interrupted) -> [[Double]] {
        let buffer = SharedBuffer(count: trials * outputs)
        defer { buffer.free() }
        let chunks = (trials + chunk - 1) / chunk
        let counter = Counter()
        let state = RunState()
        Parallel.run(min(threads, max(1, chunks))) { _ in
            var out = [Double](repeating: 0, count: outputs)
            while let c = counter.take(below: chunks) {
                if state.stopped || isCancelled() { state.stop(); return }
                var rng = Xoshiro256(seed: seed ^ (UInt64(c) &* 0x9E37_79B9_7F4A_7C15))
                let end = min(trials, (c + 1) * chunk)
                for t in (c * chunk)..<end {
                    trial(&rng, &out)
                    for o in 0..<outputs { buffer[o * trials + t] = out[o] }
                }
                progress?(state.finished(end - c * chunk))
            }
        }
        if state.stopped { throw Interrupted(done: state.done) }
        return (0..<outputs).map { o in Array(UnsafeBufferPointer(start: buffer.base + o * trials, count: trials)) }
    }

    /// Trials' values written by several threads, each to its own slots.
    private final class SharedBuffer: @unchecked Sendable {
        let base: UnsafeMutablePointer<Double>
        init(count: Int) {
            base = .allocate(capacity: max(1, count))
            base.initialize(repeating: 0, count: max(1, count))
        }
        subscript(i: Int) -> Double {
            get { base[i] }
            set { base[i] = newValue }
        }
        func free() { base.deallocate() }
    }

    private final class RunState: @unchecked Sendable {
        private let lock = NSLock()
        private var _stopped = false
        private var _done = 0
        var stopped: Bool { lock.withLock { _stopped } }
        var done: Int { lock.withLock { _done } }
        func stop() { lock.withLock { _stopped = true } }
        func finished(_ n: Int) -> Int { lock.withLock { _done += n; return _done } }
    }
}

/// The figures of one distribution of totals.
public struct Distribution: Sendable {
    public var mean: Double
    public var std: Double
    /// Half the width of the 95% confidence interval of the mean.
    public var halfWidth: Double
    public var p10: Double, p50: Double, p80: Double, p90: Double, p99: Double
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
        let ranks = [0.1, 0.5, 0.8, 0.9, 0.99].map { Int((Double(max(0, n - 1)) * $0).rounded()) }
        let found = n > 0 ? Distribution.select(values, ranks, low: low, high: high) : [0, 0, 0, 0, 0]
        (p10, p50, p80, p90, p99) = (found[0], found[1], found[2], found[3], found[4])
    }

    /// The figures of several distributions, on both cores.
    static func of(_ arrays: [[Double]]) -> [Distribution] {
        let slots = ResultSlots<Distribution>(count: arrays.count)
        let counter = Counter()
        Parallel.run(min(2, arrays.count)) { _ in
            while let i = counter.take(below: arrays.count) { slots.set(i, Distribution(arrays[i])) }
        }
        return slots.values
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
