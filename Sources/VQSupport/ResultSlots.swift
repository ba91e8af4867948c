import Foundation

/// Results written by several threads, one slot each.
public final class ResultSlots<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()
    public init(count: Int) { slots = Array(repeating: nil, count: count) }
    public func set(_ i: Int, _ value: T) { lock.withLock { slots[i] = value } }
    /// The values, moved out: the slots keep no reference, so the caller can
    /// change a value's arrays in place rather than copying them.
    public func take() -> [T] {
        lock.withLock {
            defer { slots = [] }
            return slots.map { $0! }
        }
    }
}
