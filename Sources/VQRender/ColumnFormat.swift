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
    /// The one currency of a column of money: shown in its header, not in each cell.
    let currency: Currency?

    init(_ c: Int, of rows: some Collection<[Value]>) {
        var any = false, allNumbers = true, large = false, decimals = 0
        var currencies = Set<Currency>(), plain = false
        for row in rows {
            switch row[c] {
            case .null: continue
            case .number(let d):
                any = true
                plain = true
                large = large || ValueText.needsGrouping(d)
                decimals = max(decimals, ValueText.decimals(d))
            case .money(let m):
                any = true
                currencies.insert(m.currency)
                large = large || ValueText.needsGrouping(m.amount)
                decimals = max(decimals, ValueText.decimals(m.amount))
            default: any = true; allNumbers = false
            }
        }
        numeric = any && allNumbers
        grouped = large
        self.decimals = decimals
        currency = currencies.count == 1 && !plain ? currencies.first : nil
    }

    /// The column's name, with its currency when it has one.
    func header(_ name: String) -> String { currency.map { "\(name) (\($0))" } ?? name }

    func text(_ v: Value) -> String {
        if currency != nil, case .money(let m) = v { return ValueText.display(m.amount, grouped: grouped, decimals: decimals) }
        return ValueText.display(v, grouped: grouped, decimals: decimals)
    }
}
