import VQEngine
import VQModel
import VQSupport

/// Series against the same x values, plotted in the terminal: a row per
/// step of y, a column (or a few) per x value, each series with its mark.
public struct LineChart: Sendable {
    let x: [Double]
    let series: [(name: String, mark: Character, y: [Double])]
    let xLabel: @Sendable (Double) -> String
    static let height = 10

    public init(x: [Double], series: [(name: String, mark: Character, y: [Double])], xLabel: @escaping @Sendable (Double) -> String) {
        self.x = x
        self.series = series
        self.xLabel = xLabel
    }

    public func text(style: TextStyle) -> String {
        let all = series.flatMap(\.y)
        guard let low = all.min(), let high = all.max(), !x.isEmpty else { return "" }
        let spacing = max(1, min(4, 60 / x.count))
        let width = (x.count - 1) * spacing + 1
        var grid = [[Character]](repeating: [Character](repeating: " ", count: width), count: LineChart.height)
        for s in series {
            for (i, y) in s.y.enumerated() {
                let level = high > low ? Int(((y - low) / (high - low) * Double(LineChart.height - 1)).rounded()) : 0
                let row = LineChart.height - 1 - level
                grid[row][i * spacing] = grid[row][i * spacing] == " " ? s.mark : "#"
            }
        }
        let labels = (0..<LineChart.height).map { r -> String in
            guard r == 0 || r == LineChart.height - 1 || r == LineChart.height / 2 else { return "" }
            let y = high - (high - low) * Double(r) / Double(LineChart.height - 1)
            return ValueText.grouped(y.rounded())
        }
        let labelWidth = labels.map(TextWidth.of).max() ?? 0
        var out = style.bold("chart") + " — " + series.map { "\($0.mark) \($0.name)" }.joined(separator: ", ") + " (# where they meet)\n"
        for r in 0..<LineChart.height {
            out += "  " + String(repeating: " ", count: labelWidth - TextWidth.of(labels[r])) + labels[r] + " ┤" + String(grid[r]) + "\n"
        }
        let first = xLabel(x[0]), last = xLabel(x[x.count - 1])
        out += "  " + String(repeating: " ", count: labelWidth + 2) + first
            + String(repeating: " ", count: max(1, width - first.count - last.count)) + last + "\n"
        return out
    }
}
