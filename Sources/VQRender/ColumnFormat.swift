import VQEngine
import VQJSON
import VQModel
import VQSupport

/// How a column of a result is shown in a table: numbers are right-aligned,
/// either all or none of them have thousands separators, and all have as many
/// decimals as the one that needs most, so that the digits line up.
struct ColumnFormat {
    let numeric: Bool
    let grouped: Bool
    let decimals: Int

    init(_ c: Int, of rows: some Collection<[Value]>) {
        var any = false, allNumbers = true, large = false, decimals = 0
        for row in rows {
            switch row[c] {
            case .null: continue
            case .number(let d):
                any = true
                large = large || ValueText.needsGrouping(d)
                decimals = max(decimals, ValueText.decimals(d))
            default: any = true; allNumbers = false
            }
        }
        numeric = any && allNumbers
        grouped = large
        self.decimals = decimals
    }

    func text(_ v: Value) -> String { ValueText.display(v, grouped: grouped, decimals: decimals) }
}
