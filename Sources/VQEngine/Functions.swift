import Foundation
import VQJSON
import VQLanguage
import VQModel
import VQStore
import VQSupport

/// What a scalar function is told besides its arguments.
struct FunctionContext {
    var today: Int
    var exchange: Exchange
    var range: SourceRange
    var argumentRanges: [SourceRange]
}

/// The functions of SPEC §3: aggregates over rows or lists, and scalars.
public enum Functions {
    /// A call's arguments, each evaluated only when the function asks for it
    /// (`if` and `coalesce` skip the ones they do not need).
    struct Arguments {
        let evals: [Compiler.Eval]
        let row: Row
        var count: Int { evals.count }
        subscript(_ i: Int) -> Compiler.Eval { evals[i] }
        func value(_ i: Int) throws -> Value { try evals[i](row) }
    }

    public struct Scalar: Sendable {
        var arity: ClosedRange<Int>
        var usage: String
        var summary: String
        var body: @Sendable (Arguments, FunctionContext) throws -> Value
    }

    public struct Aggregate: Sendable {
        var arity: ClosedRange<Int>
        var usage: String
        var summary: String
        /// The values (nulls included), the extra arguments (`p` of percentile),
        /// and how amounts in several currencies are brought together.
        var compute: @Sendable ([Value], [Value], SourceRange, Exchange) throws -> Value
    }

    static func describe(_ arity: ClosedRange<Int>) -> String {
        let n = arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" :
            arity.upperBound == Int.max ? "\(arity.lowerBound) or more" : "\(arity.lowerBound) to \(arity.upperBound)"
        return n + (arity == 1...1 ? " argument" : " arguments")
    }

    /// Function names with their usage and summary, for `.help`.
    public static var catalogue: [(usage: String, summary: String)] {
        (aggregates.values.map { ($0.usage, $0.summary) } + scalars.values.map { ($0.usage, $0.summary) })
            .sorted { $0.0 < $1.0 }
    }


    /// `x` to `decimals` places, halves away from zero, as the decimal figure
    /// reads: 2.675 is 2.67499999… in binary, but a person means 2.675 and
    /// expects 2.68. Values that are that close to a half are rounded in decimal.
    static func round(_ x: Double, decimals: Int) -> Double {
        // From 2^52 up every Double is whole.
        guard x.isFinite, decimals < 16, decimals < 0 || abs(x) < 0x1p52 else { return x }
        let scale = pow(10, Double(decimals))
        let scaled = x * scale
        let fraction = abs(scaled - scaled.rounded(.towardZero))
        guard abs(fraction - 0.5) < 1e-6, var exact = Decimal(string: String(format: "%.15g", x)) else {
            return scaled.rounded(.toNearestOrAwayFromZero) / scale
        }
        var rounded = Decimal()
        NSDecimalRound(&rounded, &exact, decimals, .plain)
        return NSDecimalNumber(decimal: rounded).doubleValue
    }

    /// Linear interpolation between the two nearest ranks (DuckDB's quantile_cont, numpy's default).
    static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        let h = Double(sorted.count - 1) * p
        let lo = Int(h.rounded(.down))
        let hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    public static let aggregates: [String: Aggregate] = [
        "count": Aggregate(arity: 0...1, usage: "count() | count(x)", summary: "number of rows, or of non-null x") { values, _, _, _ in
            .number(Double(values.filter { !$0.isNull }.count))
        },
        "sum": Aggregate(arity: 1...1, usage: "sum(x)", summary: "sum of x (0 over nothing)") { values, _, range, exchange throws in
            let (xs, currency) = try exchange.amounts(values, "sum", at: range)
            return Exchange.value(xs.compensatedSum, currency)
        },
        "avg": Aggregate(arity: 1...1, usage: "avg(x)", summary: "mean of x") { values, _, range, exchange throws in
            let (xs, currency) = try exchange.amounts(values, "avg", at: range)
            return xs.isEmpty ? .null : Exchange.value(xs.compensatedSum / Double(xs.count), currency)
        },
        "min": Aggregate(arity: 1...1, usage: "min(x)", summary: "smallest x (numbers, money, dates, strings)") { values, _, range, exchange throws in
            try extreme(values, "min", range, exchange) { $0 < 0 }
        },
        "max": Aggregate(arity: 1...1, usage: "max(x)", summary: "largest x (numbers, money, dates, strings)") { values, _, range, exchange throws in
            try extreme(values, "max", range, exchange) { $0 > 0 }
        },
        "median": Aggregate(arity: 1...1, usage: "median(x)", summary: "median of x, interpolated") { values, _, range, exchange throws in
            let (xs, currency) = try exchange.amounts(values, "median", at: range)
            return xs.isEmpty ? .null : Exchange.value(quantile(xs.sorted(), 0.5), currency)
        },
        "stddev": Aggregate(arity: 1...1, usage: "stddev(x)", summary: "sample standard deviation of x (n − 1)") { values, _, range, exchange throws in
            let (xs, currency) = try exchange.amounts(values, "stddev", at: range)
            guard xs.count > 1 else { return .null }
            let mean = xs.compensatedSum / Double(xs.count)
            return Exchange.value((xs.lazy.map { ($0 - mean) * ($0 - mean) }.compensatedSum / Double(xs.count - 1)).squareRoot(), currency)
        },
        "percentile": Aggregate(arity: 2...2, usage: "percentile(x, p)", summary: "p-th quantile of x, p from 0 to 1 (90% or 0.9), interpolated") { values, extra, range, exchange throws in
            guard case .number(let p) = extra[0], (0...1).contains(p) else {
                throw Diagnostic("percentile's p must be a number from 0 to 1 (write 90% or 0.9)", at: range)
            }
            let (xs, currency) = try exchange.amounts(values, "percentile", at: range)
            return xs.isEmpty ? .null : Exchange.value(quantile(xs.sorted(), p), currency)
        },
    ]

    /// The smallest or largest value: amounts of several currencies compared
    /// once converted (and given in the reporting currency), others as they order.
    private static func extreme(_ values: [Value], _ name: String, _ range: SourceRange, _ exchange: Exchange,
                                _ better: (Int) -> Bool) throws -> Value {
        let present = values.filter { !$0.isNull }
        if present.contains(where: { if case .money = $0 { true } else { false } }) {
            let (xs, currency) = try exchange.amounts(present, name, at: range)
            guard let best = xs.indices.min(by: { better(xs[$0] < xs[$1] ? -1 : (xs[$0] > xs[$1] ? 1 : 0)) }) else { return .null }
            return Exchange.value(xs[best], currency)
        }
        var best: Value?
        for v in present where best == nil || better(ValueOrder.sortCompare(v, best!) ?? 0) { best = v }
        return best ?? .null
    }

    private static func temporal(_ v: Value, _ name: String, _ range: SourceRange) throws -> Value? {
        switch v {
        case .null: return nil
        case .date, .month: return v
        case .string(let s):
            if let t = ValueOrder.parseTemporal(s) { return t }
        default: break
        }
        throw Diagnostic("\(name) needs a date, found \(v.typeName == "string" ? "a string that is not YYYY-MM-DD" : "a " + v.typeName)", at: range)
    }

    private static func number(_ v: Value, _ name: String, _ range: SourceRange) throws -> Double? {
        switch v {
        case .null: return nil
        case .number(let d): return d
        default: throw Diagnostic("\(name) needs a number, found a \(v.typeName)", at: range)
        }
    }

    /// A number or an amount, and a way back to the same kind (round and abs keep the currency).
    private static func numeric(_ v: Value, _ name: String, _ range: SourceRange) throws -> (Double, (Double) -> Value)? {
        if case .money(let m) = v { return (m.amount, { .money(m.with(amount: $0)) }) }
        return try number(v, name, range).map { ($0, Value.number) }
    }

    private static func string(_ v: Value, _ name: String, _ range: SourceRange) throws -> String? {
        switch v {
        case .null: return nil
        case .string(let s): return s
        default: throw Diagnostic("\(name) needs a string, found a \(v.typeName)", at: range)
        }
    }

    /// Whole months, or days, between two dates or months (b − a).
    private static func between(_ args: Arguments, _ c: FunctionContext, _ name: String, days: Bool) throws -> Value {
        guard let a = try temporal(try args.value(0), name, c.argumentRanges[0]),
              let b = try temporal(try args.value(1), name, c.argumentRanges[1]) else { return .null }
        func day(_ v: Value) -> Int {
            switch v {
            case .date(let d): d
            case .month(let m): Dates.days(year: m / 12, month: m % 12 + 1, day: 1)
            default: 0
            }
        }
        return .number(Double(days ? day(b) - day(a) : Dates.wholeMonths(from: day(a), to: day(b))))
    }

    public static let scalars: [String: Scalar] = [
        "round": Scalar(arity: 1...2, usage: "round(x[, n])", summary: "x rounded to n decimals (0), halves away from zero") { args, c throws in
            guard let (x, same) = try numeric(try args.value(0), "round", c.range) else { return .null }
            let n = args.count > 1 ? try number(try args.value(1), "round", c.range) ?? 0 : 0
            guard n == n.rounded() else {
                throw Diagnostic("round's number of decimals must be a whole number", at: c.argumentRanges[1])
            }
            return same(round(x, decimals: Int(max(-22, min(n, 16)))))
        },
        "abs": Scalar(arity: 1...1, usage: "abs(x)", summary: "absolute value") { args, c throws in
            try numeric(try args.value(0), "abs", c.range).map { $0.1(abs($0.0)) } ?? .null
        },
        "convert": Scalar(arity: 2...3, usage: "convert(x, \"USD\"[, date])",
                          summary: "money x in another currency, at its own day (a cost's period) or the date given") { args, c throws in
            let x = try args.value(0)
            guard let code = try string(try args.value(1), "convert", c.argumentRanges[1]) else { return .null }
            guard let target = Currency(code) else {
                throw Diagnostic("\"\(code)\" is not an ISO 4217 currency code", at: c.argumentRanges[1],
                                 hint: Suggest.closest(to: code.uppercased(), in: Currency.codes).map { "did you mean \"\($0)\"?" })
            }
            var money: Money
            switch x {
            case .null: return .null
            case .money(let m): money = m
            default: throw Diagnostic("convert needs money (an amount with a currency), found a \(x.typeName)", at: c.argumentRanges[0])
            }
            if args.count > 2 {
                guard let day = try temporal(try args.value(2), "convert", c.argumentRanges[2]) else { return .null }
                switch day {
                case .date(let d): money = Money(money.amount, money.currency, day: d)
                case .month(let m): money = Money(money.amount, money.currency, day: Dates.firstDay(ofMonth: m))
                default: break
                }
            }
            return .money(try c.exchange.convert(money, to: target, at: c.range))
        },
        "lower": Scalar(arity: 1...1, usage: "lower(s)", summary: "s in lower case") { args, c throws in
            try string(try args.value(0), "lower", c.range).map { .string($0.lowercased()) } ?? .null
        },
        "upper": Scalar(arity: 1...1, usage: "upper(s)", summary: "s in upper case") { args, c throws in
            try string(try args.value(0), "upper", c.range).map { .string($0.uppercased()) } ?? .null
        },
        "len": Scalar(arity: 1...1, usage: "len(x)", summary: "characters in a string, items in a list") { args, c throws in
            switch try args.value(0) {
            case .null: return .null
            case .string(let s): return .number(Double(s.count))
            case .list(let items): return .number(Double(items.count))
            case let v: throw Diagnostic("len needs a string or a list, found a \(v.typeName)", at: c.range)
            }
        },
        "coalesce": Scalar(arity: 1...Int.max, usage: "coalesce(a, b, …)", summary: "the first argument that is not null") { args, _ throws in
            for i in 0..<args.count {
                let v = try args.value(i)
                if !v.isNull { return v }
            }
            return .null
        },
        "if": Scalar(arity: 3...3, usage: "if(c, a, b)", summary: "a when c is true, else b") { args, c throws in
            try Operators.truth(try args.value(0), at: c.argumentRanges[0]) == true ? try args.value(1) : try args.value(2)
        },
        "today": Scalar(arity: 0...0, usage: "today()", summary: "today's date (VQ_TODAY pins it)") { _, c in
            .date(c.today)
        },
        "year": Scalar(arity: 1...1, usage: "year(d)", summary: "the year of a date or month") { args, c throws in
            switch try temporal(try args.value(0), "year", c.range) {
            case .date(let d)?: return .number(Double(Dates.civil(d).year))
            case .month(let m)?: return .number(Double(m / 12))
            default: return .null
            }
        },
        "month": Scalar(arity: 1...1, usage: "month(d)", summary: "the month (1–12) of a date or month") { args, c throws in
            switch try temporal(try args.value(0), "month", c.range) {
            case .date(let d)?: return .number(Double(Dates.civil(d).month))
            case .month(let m)?: return .number(Double(m % 12 + 1))
            default: return .null
            }
        },
        "months_between": Scalar(arity: 2...2, usage: "months_between(a, b)", summary: "whole months from date a to date b") { args, c throws in
            try between(args, c, "months_between", days: false)
        },
        "days_between": Scalar(arity: 2...2, usage: "days_between(a, b)", summary: "days from date a to date b") { args, c throws in
            try between(args, c, "days_between", days: true)
        },
        "add_months": Scalar(arity: 2...2, usage: "add_months(d, n)", summary: "the date n months after d (the day kept, or the month's last)") { args, c throws in
            guard let n = try number(try args.value(1), "add_months", c.argumentRanges[1]) else { return .null }
            guard n == n.rounded(), abs(n) < 1e6 else {
                throw Diagnostic("add_months needs a whole number of months, found \(ValueText.raw(n))", at: c.argumentRanges[1])
            }
            switch try temporal(try args.value(0), "add_months", c.argumentRanges[0]) {
            case .date(let d)?: return .date(Dates.addMonths(Int(n), to: d))
            case .month(let m)?: return .month(m + Int(n))
            default: return .null
            }
        },
    ]
}
