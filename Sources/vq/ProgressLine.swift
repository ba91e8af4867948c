import CEditLine
import Foundation

/// "simulating… 45%" on standard error while a long simulation runs (over a
/// second), rewritten in place and cleared at the end.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var started: Date?
    private var shown = false
    private var lastShown = Date.distantPast

    func show(_ share: Double?) {
        lock.withLock {
            guard let share else {
                if shown { writeErr("\r\u{1B}[K") }
                started = nil
                shown = false
                return
            }
            let now = Date()
            let start = started ?? now
            started = start
            guard now.timeIntervalSince(start) > 1, now.timeIntervalSince(lastShown) > 0.2 else { return }
            writeErr(String(format: "\rsimulating… %3.0f%% (Ctrl-C stops)", share * 100))
            shown = true
            lastShown = now
        }
    }
}
