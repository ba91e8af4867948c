import VQEngine
import VQJSON
import VQModel
import VQSupport

/// Counts of two distributions over the same bins, drawn as bars.
public struct Histogram: Sendable {
    var edges: [Double]
    var first: [Int]
    var second: [Int]
    static let bins = 12

    /// Bins from the lowest to the highest value of either (`range`).
    public init(_ a: [Double], _ b: [Double], range: ClosedRange<Double>) {
        let low = range.lowerBound, high = range.upperBound
        let width = high > low ? (high - low) / Double(Histogram.bins) : 1
        edges = (0...Histogram.bins).map { low + Double($0) * width }
        func count(_ values: [Double]) -> [Int] {
            var counts = [Int](repeating: 0, count: Histogram.bins)
            for v in values { counts[min(Histogram.bins - 1, max(0, Int((v - low) / width)))] += 1 }
            return counts
        }
        first = count(a)
        second = count(b)
    }

    public func text(style: TextStyle) -> String {
        let most = max(first.max() ?? 1, second.max() ?? 1, 1)
        let labels = (0..<Histogram.bins).map { ValueText.grouped(edges[$0].rounded()) + " – " + ValueText.grouped(edges[$0 + 1].rounded()) }
        let width = labels.map(TextWidth.of).max() ?? 0
        var out = style.bold("distribution") + " (░ baseline, █ scenario; bar = share of trials)\n"
        for i in 0..<Histogram.bins {
            let a = Int((Double(first[i]) / Double(most) * 40).rounded()), b = Int((Double(second[i]) / Double(most) * 40).rounded())
            out += "  " + labels[i].padding(width) + "│" + String(repeating: "░", count: a) + "\n"
            out += "  " + String(repeating: " ", count: width + 1) + "│" + String(repeating: "█", count: b) + "\n"
        }
        return out
    }
}
