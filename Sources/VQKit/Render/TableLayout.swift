/// An aligned box table. Widths count terminal columns (CJK takes two);
/// numbers are right-aligned.
struct TableLayout {
    let table: ResultTable
    let maxRows: Int

    var text: String {
        let shown = maxRows > 0 ? Array(table.rows.prefix(maxRows)) : table.rows
        let cells = shown.map { $0.map(ValueText.display) }
        let numeric = table.columns.indices.map { c in
            shown.contains { !$0[c].isNull } && shown.allSatisfy { $0[c].isNull || ValueText.isNumeric($0[c]) }
        }
        var widths = table.columns.map(TextWidth.of)
        for row in cells {
            for (c, cell) in row.enumerated() { widths[c] = max(widths[c], TextWidth.of(cell)) }
        }
        func line(_ left: String, _ mid: String, _ right: String) -> String {
            left + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: mid) + right + "\n"
        }
        func pad(_ s: String, _ c: Int, right: Bool) -> String {
            let fill = String(repeating: " ", count: widths[c] - TextWidth.of(s))
            return right ? fill + s : s + fill
        }
        var out = line("┌", "┬", "┐")
        out += "│ " + table.columns.indices.map { pad(table.columns[$0], $0, right: numeric[$0]) }.joined(separator: " │ ") + " │\n"
        out += line("├", "┼", "┤")
        for row in cells {
            out += "│ " + row.indices.map { pad(row[$0], $0, right: numeric[$0]) }.joined(separator: " │ ") + " │\n"
        }
        out += line("└", "┴", "┘")
        let total = table.rows.count
        if shown.count < total {
            out += "\(shown.count) of \(total) rows shown, \(total - shown.count) left out (.last or .maxrows 0 shows all)\n"
        } else {
            out += total == 1 ? "1 row\n" : "\(total) rows\n"
        }
        return out
    }
}
