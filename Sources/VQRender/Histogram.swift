import VQEngine
import VQJSON
import VQModel
import VQSupport

/// Counts of one distribution, or of two over the same bins, drawn as bars.
public struct Histogram: Sendable {
    var edges: [Double]
    var first: [Int]
    var second: [Int]?
    static let bins = 12

    /// Bins from the lowest to the highest value of either (`range`); `b` nil: one distribution.
    public init(_ a: [Double], _ b: [Double]?, range: ClosedRange<Double>) {
        let low = range.lowerBound, high = range.upperBound
        let width = high > low ? (high - low) / Double(Histogram.bins) : 1
        edges = (0...Histogram.bins).map { low + Double($0) * width }
        func count(_ values: [Double]) -> [Int] {
            var counts = [Int](repeating: 0, count: Histogram.bins)
            for v in values { counts[min(Histogram.bins - 1, max(0, Int((v - low) / width)))] += 1 }
            return counts
        }
        first = count(a)
        second = b.map(count)
    }

    public func text(style: TextStyle) -> String {
        let most = max(first.max() ?? 1, second?.max() ?? 1, 1)
        let labels = (0..<Histogram.bins).map { ValueText.grouped(edges[$0].rounded()) + " – " + ValueText.grouped(edges[$0 + 1].rounded()) }
        let width = labels.map(TextWidth.of).max() ?? 0
        func bar(_ n: Int) -> Int { Int((Double(n) / Double(most) * 40).rounded()) }
        guard let second else {
            var out = style.bold("distribution") + " (bar = share of trials)\n"
            for i in 0..<Histogram.bins { out += "  " + labels[i].padding(width) + "│" + String(repeating: "█", count: bar(first[i])) + "\n" }
            return out
        }
        var out = style.bold("distribution") + " (░ baseline, █ scenario; bar = share of trials)\n"
        for i in 0..<Histogram.bins {
            out += "  " + labels[i].padding(width) + "│" + String(repeating: "░", count: bar(first[i])) + "\n"
            out += "  " + String(repeating: " ", count: width + 1) + "│" + String(repeating: "█", count: bar(second[i])) + "\n"
        }
        return out
    }
}
