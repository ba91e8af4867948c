import VQEngine
import VQJSON
import VQModel
import VQSupport

/// An aligned box table. Widths count terminal columns (CJK takes two);
/// numbers are right-aligned. Given a width, a table never wraps: long text
/// cells and headers are cut with `…` down to a floor, then the columns that
/// still do not fit are left out with a line naming them (as DuckDB's shell
/// does), or, when `expanded` says so, each record is shown as a block of
/// `column | value` lines (psql's `\x`). Numbers, dates, ids and other
/// single-word values are never cut. With `style`, headers are bold and nulls dim.
struct TableLayout {
    let table: ResultTable
    let maxRows: Int
    var width: Int?
    var style = TextStyle.plain
    var expanded = ExpandedMode.off

    /// Text columns are not cut below this many columns (or their natural width).
    static let narrowest = 8
    /// A value this wide or wider, or one with a space in it, is text that may be
    /// cut; shorter single words (ids, dates, statuses, codes) are not.
    static let longestWord = 24

    /// One column as laid out: its header and cells as shown, and how far it may shrink.
    private struct Column {
        /// Which of the table's columns this is.
        var index: Int
        var header: String
        var cells: [String]
        var numeric: Bool
        var width: Int
        var floor: Int
    }

    var text: String {
        let shown = maxRows > 0 ? Array(table.rows.prefix(maxRows)) : table.rows
        let all = table.columns.indices.map { c in Self.column(c, of: table, rows: shown) }
        if expanded == .on { return blocks(all, shown) }
        var columns = all
        var hidden: [Int] = []
        if let width {
            Self.narrow(&columns, to: width)
            // What still does not fit is left out from the middle, as DuckDB's shell
            // does: the first columns (what the rows are) and the last (the derived
            // fields a query asked about) stay.
            while columns.count > 1, Self.totalWidth(columns) > width {
                hidden.append(columns.remove(at: columns.count / 2).index)
            }
            if !hidden.isEmpty {
                if expanded == .auto { return blocks(all, shown) }
                // The columns that stay may take back what they gave.
                columns = columns.map { all[$0.index] }
                Self.narrow(&columns, to: width)
            }
        }
        var out = Self.rule("┌", "┬", "┐", columns)
        out += "│ " + columns.map { Self.pad($0.header, $0, styled: style.bold) }.joined(separator: " │ ") + " │\n"
        out += Self.rule("├", "┼", "┤", columns)
        for r in shown.indices {
            out += "│ " + columns.indices.map { c in
                Self.pad(columns[c].cells[r], columns[c], styled: shown[r][columns[c].index].isNull ? style.dim : { $0 })
            }.joined(separator: " │ ") + " │\n"
        }
        out += Self.rule("└", "┴", "┘", columns)
        out += footer(shown.count)
        if !hidden.isEmpty {
            out += style.dim("\(hidden.count) \(hidden.count == 1 ? "column" : "columns") left out to fit the width: "
                             + hidden.sorted().map { TerminalText.visible(table.columns[$0]) }.joined(separator: ", ")
                             + " (select them, or .expanded auto shows every column)") + "\n"
        }
        return out
    }

    private func footer(_ shownCount: Int) -> String {
        let total = table.rows.count
        if shownCount < total {
            return style.dim("\(ValueText.count(shownCount)) of \(ValueText.count(total)) rows shown, \(ValueText.count(total - shownCount)) left out (.last or .maxrows 0 shows all)") + "\n"
        }
        return style.dim(total == 1 ? "1 row" : "\(ValueText.count(total)) rows") + "\n"
    }

    /// Column `c` as text: its cells formatted as the column's numbers line up,
    /// with control characters made visible (a line break, tab or escape inside
    /// a cell would break the rows apart or act on the terminal).
    private static func column(_ c: Int, of table: ResultTable, rows: [[Value]]) -> Column {
        let format = ColumnFormat(c, of: rows)
        let cells = rows.map { TerminalText.visible(format.text($0[c])) }
        let header = TerminalText.visible(format.header(table.columns[c]))
        let cellWidth = cells.map(TextWidth.of).max() ?? 0
        let natural = max(cellWidth, TextWidth.of(header))
        let cuttable = !format.numeric && zip(cells, rows).contains { cell, row in
            guard case .string = row[c] else { return false }
            return TextWidth.of(cell) >= longestWord || cell.contains(" ")
        }
        // A header is shortened like a cell, but not below the floor or its column's cells.
        let headerFloor = min(TextWidth.of(header), narrowest)
        let floor = cuttable ? min(natural, narrowest) : max(cellWidth, headerFloor)
        return Column(index: c, header: header, cells: cells, numeric: format.numeric, width: natural, floor: floor)
    }

    private static func totalWidth(_ columns: [Column]) -> Int {
        columns.reduce(0) { $0 + $1.width } + 3 * columns.count + 1
    }

    /// Narrows the widest column that can give one column at a time until the
    /// table fits `width` or none can give more.
    private static func narrow(_ columns: inout [Column], to width: Int) {
        var excess = totalWidth(columns) - width
        while excess > 0 {
            let candidates = columns.indices.filter { columns[$0].width > columns[$0].floor }
            guard let widest = candidates.max(by: { columns[$0].width < columns[$1].width }) else { return }
            columns[widest].width -= 1
            excess -= 1
        }
    }

    private static func rule(_ left: String, _ mid: String, _ right: String, _ columns: [Column]) -> String {
        left + columns.map { String(repeating: "─", count: $0.width + 2) }.joined(separator: mid) + right + "\n"
    }

    private static func pad(_ s: String, _ column: Column, styled: (String) -> String) -> String {
        let cut = TextWidth.truncate(s, to: column.width)
        let fill = String(repeating: " ", count: column.width - TextWidth.of(cut))
        return column.numeric ? fill + styled(cut) : styled(cut) + fill
    }

    /// One block per record, `column | value` a line, each value cut to the width.
    private func blocks(_ columns: [Column], _ shown: [[Value]]) -> String {
        let nameWidth = columns.map { TextWidth.of($0.header) }.max() ?? 0
        let valueWidth = width.map { max(Self.narrowest, $0 - nameWidth - 3) }
        var out = ""
        for r in shown.indices {
            let title = "-[ RECORD \(r + 1) ]"
            out += style.bold(title + String(repeating: "-", count: max(0, min(width ?? 40, nameWidth + 3 + 20) - title.count))) + "\n"
            for (c, column) in columns.enumerated() {
                let value = valueWidth.map { TextWidth.truncate(column.cells[r], to: $0) } ?? column.cells[r]
                out += style.bold(column.header) + String(repeating: " ", count: nameWidth - TextWidth.of(column.header))
                    + " | " + (shown[r][c].isNull ? style.dim(value) : value) + "\n"
            }
        }
        return out + footer(shown.count)
    }
}

/// `.expanded`: whether table mode shows one record per block.
public enum ExpandedMode: String, CaseIterable, Sendable {
    /// Columns side by side; those that do not fit are left out and named.
    case off
    /// One record per block.
    case on
    /// Side by side when the table fits the width, else one record per block.
    case auto
}

/// Terminal styling, used only when writing to a terminal and NO_COLOR is unset.
public struct TextStyle: Sendable {
    public var enabled: Bool
    public static let plain = TextStyle(enabled: false)
    public init(enabled: Bool) { self.enabled = enabled }

    public func bold(_ s: String) -> String { enabled ? "\u{1B}[1m" + s + "\u{1B}[0m" : s }
    func dim(_ s: String) -> String { enabled ? "\u{1B}[2m" + s + "\u{1B}[0m" : s }
}
