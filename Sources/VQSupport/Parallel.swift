import Foundation

/// Runs `count` copies of a task on threads of their own (one on the calling
/// thread) and waits for all. Unlike `concurrentPerform`, a call nested inside
/// another still runs in parallel.
public enum Parallel {
    public static func run(_ count: Int, _ task: @escaping @Sendable (Int) -> Void) {
        let done = DispatchSemaphore(value: 0)
        for i in 1..<max(1, count) {
            let thread = Thread {
                task(i)
                done.signal()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        task(0)
        for _ in 1..<max(1, count) { done.wait() }
    }
}
