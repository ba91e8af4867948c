import VQEngine
import VQJSON
import VQModel
import VQSupport

/// Plain aligned columns: the `left` ones (names) left-aligned, figures right; the first row bold.
public enum Columns {
    public static func render(_ cells: [[String]], style: TextStyle, left: Set<Int> = [0]) -> String {
        let rows = cells.map { $0.map { TerminalText.visible($0) } }
        guard let count = rows.map(\.count).max() else { return "" }
        let widths = (0..<count).map { c in rows.map { c < $0.count ? TextWidth.of($0[c]) : 0 }.max() ?? 0 }
        return rows.enumerated().map { n, row in
            "  " + row.enumerated().map { c, cell in
                let fill = String(repeating: " ", count: widths[c] - TextWidth.of(cell))
                let text = left.contains(c) ? cell + fill : fill + cell
                return n == 0 ? style.bold(text) : text
            }.joined(separator: "   ") + "\n"
        }.joined()
    }
}
