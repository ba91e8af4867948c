import VQJSON
import VQModel
import VQSupport

/// The `rates` collection as conversions (SPEC §5): from A to B on day d, the
/// latest rate dated on or before d, A→B, else 1 / (B→A), else through one
/// intermediate currency C, the same C for the pair every time.
public final class Rates {
    /// A pair's rates by day, ascending.
    private struct Series {
        var days: [Int] = []
        var rates: [Double] = []

        /// The rate in force on `day`: the latest dated on or before it.
        func rate(on day: Int) -> Double? {
            var lo = 0, hi = days.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if days[mid] <= day { lo = mid + 1 } else { hi = mid }
            }
            return lo == 0 ? nil : rates[lo - 1]
        }
    }

    private var series: [UInt32: Series] = [:]
    /// The currencies each one has a rate with, in either direction.
    private var linked: [Currency: Set<Currency>] = [:]
    private var via: [UInt32: Currency?] = [:]
    /// Rates already worked out, by pair and day: a million costs fall on a few
    /// hundred months. A small direct-mapped table in front of the dictionary
    /// answers most lookups without hashing.
    private var memo: [UInt64: Double] = [:]
    private var recentKeys = [UInt64](repeating: .max, count: 1024)
    private var recentRates = [Double](repeating: 0, count: 1024)

    /// Every currency that has a rate, in code order.
    public var currencies: [Currency] { linked.keys.sorted() }

    init(_ table: Table) {
        let from = table.values(RateField.from), to = table.values(RateField.to)
        let date = table.values(RateField.date), rate = table.values(RateField.rate)
        var seen = Set<UInt64>()
        for row in 0..<table.count {
            // Records that failed validation (reported when read) take no part.
            guard case .string(let f) = from[row], let a = Currency(f), case .string(let t) = to[row], let b = Currency(t),
                  let day = date[row].date, let r = rate[row].number, r > 0, r.isFinite else { continue }
            let key = Rates.key(a, b)
            guard seen.insert(UInt64(key) << 32 | UInt64(UInt32(truncatingIfNeeded: day))).inserted else { continue }
            series[key, default: Series()].days.append(day)
            series[key]!.rates.append(r)
            linked[a, default: []].insert(b)
            linked[b, default: []].insert(a)
        }
        for (key, s) in series {
            let order = s.days.indices.sorted { s.days[$0] < s.days[$1] }
            series[key] = Series(days: order.map { s.days[$0] }, rates: order.map { s.rates[$0] })
        }
    }

    private static func key(_ a: Currency, _ b: Currency) -> UInt32 { UInt32(a.index) << 16 | UInt32(b.index) }

    /// Direct or inverse, nil when neither has a rate on or before `day`.
    private func pairRate(_ a: Currency, _ b: Currency, on day: Int) -> Double? {
        if let r = series[Rates.key(a, b)]?.rate(on: day) { return r }
        if let r = series[Rates.key(b, a)]?.rate(on: day) { return 1 / r }
        return nil
    }

    /// The intermediate currency of a pair with no rate of its own: the first,
    /// in code order, that has rates with both.
    private func intermediate(_ a: Currency, _ b: Currency) -> Currency? {
        let key = Rates.key(a, b)
        if let known = via[key] { return known }
        let found = (linked[a] ?? []).intersection(linked[b] ?? []).subtracting([a, b]).min()
        via[key] = found
        return found
    }

    /// What 1 `a` is worth in `b` on `day`.
    public func rate(_ a: Currency, to b: Currency, on day: Int) throws(StoreError) -> Double {
        if a == b { return 1 }
        let memoKey = UInt64(Rates.key(a, b)) << 32 | UInt64(UInt32(truncatingIfNeeded: day))
        let slot = Int(truncatingIfNeeded: (memoKey ^ (memoKey >> 29)) & 1023)
        if recentKeys[slot] == memoKey { return recentRates[slot] }
        if let r = memo[memoKey] {
            recentKeys[slot] = memoKey
            recentRates[slot] = r
            return r
        }
        var found = pairRate(a, b, on: day)
        if found == nil, let c = intermediate(a, b), let first = pairRate(a, c, on: day), let second = pairRate(c, b, on: day) {
            found = first * second
        }
        guard let r = found else {
            throw StoreError("no exchange rate from \(a) to \(b) on or before \(Dates.format(day: day))"
                             + (linked[a] == nil && linked[b] == nil ? " (rates.json has none for either)" : ""))
        }
        memo[memoKey] = r
        recentKeys[slot] = memoKey
        recentRates[slot] = r
        return r
    }

    /// The amount in `currency`, at the money's own day (today for forward-looking money).
    public func convert(_ money: Money, to currency: Currency, today: Int) throws(StoreError) -> Money {
        if money.currency == currency { return money }
        let day = money.day ?? today
        return Money(money.amount * (try rate(money.currency, to: currency, on: day)), currency, day: money.day)
    }
}

/// Each record's currency for one money field, and the day it is valued at.
public struct MoneyColumn: Sendable {
    /// nil where the record's currency is unknown (the field then reads as a plain number).
    public var currency: [Currency?]
    public var day: [Int?]?

    public func money(_ amount: Double, row: Int) -> Value {
        guard let c = currency[row] else { return .number(amount) }
        return .money(Money(amount, c, day: day?[row] ?? nil))
    }
}

extension Store {
    /// The store's exchange rates, read on first use.
    public func rates() throws(StoreError) -> Rates {
        if let r = ratesCache { return r }
        let r = Rates(try table(.rates))
        ratesCache = r
        return r
    }

    /// The currency and valuation day of `field` for every record of `collection`.
    public func moneyColumn(_ collection: CollectionName, _ field: FieldSpec) throws(StoreError) -> MoneyColumn? {
        guard let spec = field.money else { return nil }
        let key = collection.rawValue + "." + field.name
        if let cached = moneyCache[key] { return cached }
        let table = try self.table(collection)
        var currency = [Currency?](repeating: nil, count: table.count)
        for source in spec.currency.reversed() {
            // Later sources are fallbacks: each earlier one overrides where it knows.
            switch source {
            case .reporting:
                if let r = reportingCurrency { currency = currency.map { $0 ?? r } }
            case .field(let name):
                guard let c = table.column(name) else { continue }
                for (row, v) in table.columns[c].enumerated() {
                    if case .string(let s) = v, let code = Currency(s) { currency[row] = code }
                }
            case .contract(let via):
                let contracts = try self.table(.contracts)
                let codes = contracts.values(ContractField.currency).map { v -> Currency? in
                    if case .string(let s) = v { Currency(s) } else { nil }
                }
                for (row, target) in (table.references[via] ?? []).enumerated() where target >= 0 {
                    if let code = codes[Int(target)] { currency[row] = code }
                }
            }
        }
        var day: [Int?]?
        if let name = spec.valuedAt, let c = table.column(name) {
            day = table.columns[c].map { v in
                guard case .string(let s) = v else { return nil }
                return Dates.parseDate(s) ?? Dates.parseMonth(s).map(Dates.firstDay(ofMonth:))
            }
        }
        let column = MoneyColumn(currency: currency, day: day)
        moneyCache[key] = column
        return column
    }
}
