import Foundation
import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQStore
import VQSupport

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
        try run(trials: trials, seed: seed, outputs: outputs, threads: threads, isCancelled: isCancelled, progress: progress) {
            (range: Range<Int>, rng: inout Xoshiro256, out: Outputs) in
            var values = [Double](repeating: 0, count: outputs)
            for t in range {
                trial(&rng, &values)
                for o in 0..<outputs { out[o, t] = values[o] }
            }
        }
    }

    /// The same, a chunk of trials at a time: `chunk(range, rng, out)` sets
    /// `out[o, t]` for every output `o` and trial `t` in `range`, so that a
    /// kernel can go through its model once for many trials.
    static func run(trials: Int, seed: UInt64, outputs: Int, threads: Int = 2,
                    isCancelled: @escaping @Sendable () -> Bool, progress: (@Sendable (Int) -> Void)? = nil,
                    chunk body: @escaping @Sendable (Range<Int>, inout Xoshiro256, Outputs) -> Void) throws(Interrupted) -> [[Double]] {
        let buffer = Outputs(trials: trials, outputs: outputs)
        defer { buffer.free() }
        let chunks = (trials + chunk - 1) / chunk
        let counter = Counter()
        let state = RunState()
        Parallel.run(min(threads, max(1, chunks))) { _ in
            while let c = counter.take(below: chunks) {
                if state.stopped || isCancelled() { state.stop(); return }
                var rng = Xoshiro256(seed: seed ^ (UInt64(c) &* 0x9E37_79B9_7F4A_7C15))
                let range = (c * chunk)..<min(trials, (c + 1) * chunk)
                body(range, &rng, buffer)
                progress?(state.finished(range.count))
            }
        }
        if state.stopped { throw Interrupted(done: state.done) }
        return (0..<outputs).map { o in Array(UnsafeBufferPointer(start: buffer.base + o * trials, count: trials)) }
    }

    /// Trials' values written by several threads, each to its own slots.
    final class Outputs: @unchecked Sendable {
        fileprivate let base: UnsafeMutablePointer<Double>
        private let trials: Int
        fileprivate init(trials: Int, outputs: Int) {
            self.trials = trials
            base = .allocate(capacity: max(1, trials * outputs))
            base.initialize(repeating: 0, count: max(1, trials * outputs))
        }
        subscript(output: Int, trial: Int) -> Double {
            get { base[output * trials + trial] }
            set { base[output * trials + trial] = newValue }
        }
        fileprivate func free() { base.deallocate() }
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
