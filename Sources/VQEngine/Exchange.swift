import VQLanguage
import VQModel
import VQStore
import VQSupport

/// How the engine brings amounts in different currencies together (SPEC §5):
/// converted to the reporting currency when one is set, each at its own day;
/// otherwise refused, with the currencies named.
public struct Exchange {
    let store: Store

    public init(store: Store) { self.store = store }

    var reporting: Currency? { store.reportingCurrency }

    /// `money` in `currency`, at its valuation day (today for forward-looking money).
    func convert(_ money: Money, to currency: Currency, at range: SourceRange?) throws -> Money {
        if money.currency == currency { return money }
        if currency == reporting, let reported = money.reported { return Money(reported, currency) }
        do { return try store.rates().convert(money, to: currency, today: store.today) } catch {
            throw Diagnostic(error.message, at: range, hint: "add the rate to rates.json")
        }
    }

    /// The error for amounts of several currencies with no reporting currency to convert them to.
    static func mixed(_ currencies: Set<Currency>, _ what: String, at range: SourceRange?) -> Diagnostic {
        let names = currencies.sorted().map(\.code)
        let listed = names.dropLast().joined(separator: ", ") + " and " + names.last!
        return Diagnostic("\(what) mixes \(listed), and no reporting currency is set", at: range,
                          hint: "set one (.currency \(names[0])), or group by currency")
    }

    /// Two amounts in one currency: theirs when they share it, else the reporting currency
    /// (for a comparison with a money literal, the literal's).
    func align(_ a: Money, _ b: Money, _ what: String, literal: Currency? = nil, at range: SourceRange?) throws -> (Double, Double, Currency) {
        if a.currency == b.currency { return (a.amount, b.amount, a.currency) }
        guard let reporting else { throw Exchange.mixed([a.currency, b.currency], what, at: range) }
        let target = literal ?? reporting
        return (try convert(a, to: target, at: range).amount, try convert(b, to: target, at: range).amount, target)
    }

    /// The numbers of an aggregate's values, nulls left out: amounts of one
    /// currency as they are, of several converted to the reporting currency;
    /// and the currency of the result (nil: plain numbers).
    func amounts(_ values: [Value], _ name: String, at range: SourceRange) throws -> ([Double], Currency?) {
        var numbers: [Double] = []
        numbers.reserveCapacity(values.count)
        var currency: Currency?, mixed = false, plain = false
        for v in values {
            switch v {
            case .null: continue
            case .number(let d):
                // Nothing is nothing in any currency: a 0 with none (a derived sum over no records) mixes with money.
                numbers.append(d)
                if d != 0 { plain = true }
            case .money(let m):
                numbers.append(m.amount)
                if currency == nil { currency = m.currency } else if m.currency != currency { mixed = true }
            default: throw Diagnostic("\(name) needs numbers, found a \(v.typeName)", at: range)
            }
        }
        if let currency, plain {
            throw Diagnostic("\(name) mixes money in \(currency) with numbers that have no currency", at: range,
                             hint: "give those records a currency, or set a reporting currency (.currency)")
        }
        guard mixed else { return (numbers, currency) }
        guard let reporting else {
            throw Exchange.mixed(Set(values.compactMap { if case .money(let m) = $0 { m.currency } else { nil } }), name, at: range)
        }
        var converted: [Double] = []
        converted.reserveCapacity(numbers.count)
        for v in values { if case .number(let d) = v, d == 0 { converted.append(0) } }
        let rates: Rates
        do { rates = try store.rates() } catch { throw Diagnostic(error.message, at: range) }
        for v in values {
            guard case .money(let m) = v else { continue }
            if m.currency == reporting {
                converted.append(m.amount)
            } else if let reported = m.reported {
                converted.append(reported)
            } else {
                do { converted.append(m.amount * (try rates.rate(m.currency, to: reporting, on: m.day ?? store.today))) } catch {
                    throw Diagnostic(error.message, at: range, hint: "add the rate to rates.json")
                }
            }
        }
        return (converted, reporting)
    }

    /// A result number in the aggregate's currency.
    static func value(_ d: Double, _ currency: Currency?) -> Value {
        currency.map { .money(Money(d, $0)) } ?? .number(d)
    }
}
