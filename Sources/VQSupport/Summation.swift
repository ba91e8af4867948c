/// Neumaier's compensated sum: money and measurements are decimal figures that
/// binary floating point cannot hold exactly, and a plain running sum lets the
/// rounding errors of thousands of additions show (`240840.00000000003`).
/// The compensation carries the lost low-order part, so a sum is as close to
/// the exact one as a Double allows.
public struct CompensatedSum {
    @usableFromInline var sum = 0.0
    @usableFromInline var compensation = 0.0

    @inlinable
    public init() {}

    @inlinable
    public mutating func add(_ x: Double) {
        let t = sum + x
        if abs(sum) >= abs(x) {
            compensation += (sum - t) + x
        } else {
            compensation += (x - t) + sum
        }
        sum = t
    }

    @inlinable
    public var value: Double { sum + compensation }

    @inlinable
    public static func += (s: inout CompensatedSum, x: Double) { s.add(x) }
}

extension Sequence<Double> {
    /// The compensated sum of the elements.
    public var compensatedSum: Double {
        var s = CompensatedSum()
        for x in self { s += x }
        return s.value
    }
}
