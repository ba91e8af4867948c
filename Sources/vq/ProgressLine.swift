import CEditLine
import Foundation

/// "simulating… 45%" or "importing… 45%" on standard error while a long
/// simulation or import runs (over a second), rewritten in place and cleared at the end.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var started: Date?
    private var shown = false
    private var lastShown = Date.distantPast

    func show(_ report: (activity: String, share: Double)?) {
        lock.withLock {
            guard let (activity, share) = report else {
                if shown { writeErr("\r\u{1B}[K") }
                started = nil
                shown = false
                return
            }
            let now = Date()
            let start = started ?? now
            started = start
            guard now.timeIntervalSince(start) > 1, now.timeIntervalSince(lastShown) > 0.2 else { return }
            writeErr("\r\(activity)… " + String(format: "%3.0f%%", share * 100) + " (Ctrl-C stops)")
            shown = true
            lastShown = now
        }
    }
}
