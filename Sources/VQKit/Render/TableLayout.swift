/// An aligned box table. Widths count terminal columns (CJK takes two);
/// numbers are right-aligned. Given a width, long text cells are cut with `…`
/// until the table fits; with `style`, headers are bold and nulls dim.
struct TableLayout {
    let table: ResultTable
    let maxRows: Int
    var width: Int?
    var style = TextStyle.plain

    /// Text columns are not cut below this many columns (or their natural width).
    static let narrowest = 8

    var text: String {
        let shown = maxRows > 0 ? Array(table.rows.prefix(maxRows)) : table.rows
        let formats = table.columns.indices.map { ColumnFormat($0, of: shown) }
        let numeric = formats.map(\.numeric)
        // A line break, tab or escape inside a cell would break the rows apart or act on the terminal.
        let cells = shown.map { row in row.indices.map { TerminalText.visible(formats[$0].text(row[$0])) } }
        let headers = table.columns.map { TerminalText.visible($0) }
        var widths = headers.map(TextWidth.of)
        for row in cells {
            for (c, cell) in row.enumerated() { widths[c] = max(widths[c], TextWidth.of(cell)) }
        }
        if let width { fit(&widths, into: width, numeric: numeric) }
        func line(_ left: String, _ mid: String, _ right: String) -> String {
            left + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: mid) + right + "\n"
        }
        func pad(_ s: String, _ c: Int, right: Bool, styled: (String) -> String = { $0 }) -> String {
            let cut = TextWidth.truncate(s, to: widths[c])
            let fill = String(repeating: " ", count: widths[c] - TextWidth.of(cut))
            return right ? fill + styled(cut) : styled(cut) + fill
        }
        var out = line("┌", "┬", "┐")
        out += "│ " + headers.indices.map { pad(headers[$0], $0, right: numeric[$0], styled: style.bold) }
            .joined(separator: " │ ") + " │\n"
        out += line("├", "┼", "┤")
        for (r, row) in cells.enumerated() {
            out += "│ " + row.indices.map { c in
                pad(row[c], c, right: numeric[c], styled: shown[r][c].isNull ? style.dim : { $0 })
            }.joined(separator: " │ ") + " │\n"
        }
        out += line("└", "┴", "┘")
        let total = table.rows.count
        if shown.count < total {
            out += style.dim("\(shown.count) of \(total) rows shown, \(total - shown.count) left out (.last or .maxrows 0 shows all)") + "\n"
        } else {
            out += style.dim(total == 1 ? "1 row" : "\(total) rows") + "\n"
        }
        return out
    }

    /// Narrows the widest text column one step at a time until the table fits
    /// `width` or no text column can give more; numbers are never cut.
    private func fit(_ widths: inout [Int], into width: Int, numeric: [Bool]) {
        let floor = widths.map { min($0, TableLayout.narrowest) }
        var excess = widths.reduce(0, +) + 3 * widths.count + 1 - width
        while excess > 0 {
            let candidates = widths.indices.filter { !numeric[$0] && widths[$0] > floor[$0] }
            guard let widest = candidates.max(by: { widths[$0] < widths[$1] }) else { return }
            widths[widest] -= 1
            excess -= 1
        }
    }
}

/// Terminal styling, used only when writing to a terminal and NO_COLOR is unset.
public struct TextStyle: Sendable {
    public var enabled: Bool
    public static let plain = TextStyle(enabled: false)
    public init(enabled: Bool) { self.enabled = enabled }

    func bold(_ s: String) -> String { enabled ? "\u{1B}[1m" + s + "\u{1B}[0m" : s }
    func dim(_ s: String) -> String { enabled ? "\u{1B}[2m" + s + "\u{1B}[0m" : s }
}
