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
