import Foundation
import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQStore
import VQSupport

/// What a simulation found: shown as text with a histogram and a tornado,
/// written as the JSON of SPEC §3, or kept as a table (`let s = simulate …`).
public enum SimulationResult: Sendable {
    case cost(CostResult)
    case risk(RiskResult)
    case sweep(SweepResult)
    case solve(SolveResult)
    case each(EachResult)

    /// Rows for csv, markdown and `let`: one per case (cost) or per risk (risk).
    public var table: ResultTable {
        switch self {
        case .cost(let r): r.table
        case .risk(let r): r.table
        case .sweep(let r): r.table
        case .solve(let r): r.table
        case .each(let r): r.table
        }
    }

    /// The result as one JSON object, its figures to 15 significant digits as every json output writes them.
    public var json: JSONValue {
        switch self {
        case .cost(let r): ValueText.resultNumbers(r.json)
        case .risk(let r): ValueText.resultNumbers(r.json)
        case .sweep(let r): ValueText.resultNumbers(r.json)
        case .solve(let r): ValueText.resultNumbers(r.json)
        case .each(let r): ValueText.resultNumbers(r.json)
        }
    }

    public func text(style: TextStyle = .plain) -> String {
        switch self {
        case .cost(let r): r.text(style: style)
        case .risk(let r): r.text(style: style)
        case .sweep(let r): r.text(style: style)
        case .solve(let r): r.text(style: style)
        case .each(let r): r.text(style: style)
        }
    }
}

public struct CostResult: Sendable {
    public struct Case: Sendable {
        public var name: String
        /// The exact expectation in its parts.
        var breakdown: Breakdown
        public var distribution: Distribution
        public var overBudget: Double
        public var budgetCap: Double
        public var value: Double
        public var expected: Double { breakdown.total }
        /// What to hold back to be 80 % sure: P80 less what is recorded and the price still to bill.
        public var contingencyP80: Double { distribution.p80 - breakdown.toDate - breakdown.base }
        public var p80OverCap: Double { distribution.p80 - budgetCap }
    }

    public var target: String
    /// What the figures rest on: "active: 14 of 36 months elapsed, 1.2m spent, forecasting 22".
    public var basis: String
    /// The currency of every amount (SPEC §5).
    public var currency: Currency
    public var trials: Int
    public var seed: UInt64
    public var levers: [(Lever, Double)]
    /// Baseline, scenario, then each lever alone (when more than one is given).
    public var cases: [Case]
    /// Each lever alone against the baseline: the change in P50, largest first.
    public var tornado: [(Lever, Double)]
    var histogram: Histogram

    static let figures = ["mean", "half_width", "std", "p10", "p50", "p80", "p80_low", "p80_high", "p90", "p_over_budget", "budget_cap", "contingency_p80"]

    func numbers(_ c: Case) -> [Double] {
        let d = c.distribution
        return [d.mean, d.halfWidth, d.std, d.p10, d.p50, d.p80, d.p80Low, d.p80High, d.p90, c.overBudget, c.budgetCap, c.contingencyP80]
    }

    /// A row per case, with what the figures assume (seed, trials, levers, basis), so a table pasted into a memo still says it.
    var table: ResultTable {
        let levers = self.levers.map { "\($0.0.rawValue) = \($0.0.text($0.1))" }.joined(separator: ", ")
        return ResultTable(columns: ["case", "expected"] + Breakdown.names + CostResult.figures + ["p80_minus_budget_cap", "currency", "seed", "trials", "levers", "basis"],
                           rows: cases.map { c in
                               [.string(c.name), .number(c.expected)] + (c.breakdown.parts + numbers(c) + [c.p80OverCap]).map(Value.number)
                                   + [.string(currency.code), .number(Double(seed)), .number(Double(trials)), .string(levers), .string(basis)]
                           })
    }

    var json: JSONValue {
        func figures(_ c: Case) -> JSONValue {
            .object(JSONObject([("expected", .number(c.expected)),
                                ("breakdown", .object(JSONObject(zip(Breakdown.names, c.breakdown.parts.map(JSONValue.number)).map { ($0, $1) })))]
                               + zip(CostResult.figures, numbers(c).map(JSONValue.number)).map { ($0, $1) }))
        }
        return .object(JSONObject([
            ("kind", .string("cost")), ("target", .string(target)), ("basis", .string(basis)), ("currency", .string(currency.code)),
            ("trials", .number(Double(trials))),
            ("seed", .number(Double(seed))),
            ("levers", .object(JSONObject(levers.map { ($0.0.rawValue, .number($0.1)) }))),
            ("baseline", figures(cases[0])), ("scenario", figures(cases[1])),
            ("tornado", .array(tornado.map { .object(JSONObject([("lever", .string($0.0.rawValue)), ("p50_delta", .number($0.1))])) })),
        ]))
    }

    func text(style: TextStyle) -> String {
        let baseline = cases[0], scenario = cases[1]
        let single = levers.isEmpty  // no levers: one column, not a copy
        var out = style.bold("simulate cost of \(TerminalText.visible(target))") + " — \(ValueText.count(trials)) trials, seed \(seed), in \(currency)\n"
        out += "basis: \(basis)\n"
        out += "levers: " + (single ? "none" : levers.map { "\($0.0.rawValue) = \($0.0.text($0.1))" }.joined(separator: ", ")) + "\n\n"
        let money = { (x: Double) in ValueText.grouped(x.rounded()) }
        var rows: [[String]] = [single ? ["", "estimate"] : ["", "baseline", "scenario", "change"]]
        func row(_ name: String, _ f: (Case) -> Double, _ show: (Double) -> String = money) {
            rows.append(single ? [name, show(f(baseline))] : [name, show(f(baseline)), show(f(scenario)), show(f(scenario) - f(baseline))])
        }
        func pair(_ name: String, _ f: (Case) -> String, change: (Case, Case) -> String) {
            rows.append(single ? [name, f(baseline)] : [name, f(baseline), f(scenario), change(baseline, scenario)])
        }
        row("expected (exact)", \.expected)
        row("  to date", \.breakdown.toDate)
        row("  + base", \.breakdown.base)
        row("  + delay", \.breakdown.delay)
        row("  + changes", \.breakdown.changes)
        row("  + risks", \.breakdown.risks)
        row("  − credits", \.breakdown.credits)
        pair("Monte Carlo mean", { money($0.distribution.mean) + " ± " + money($0.distribution.halfWidth) }) {
            money($1.distribution.mean - $0.distribution.mean)
        }
        row("std", \.distribution.std)
        row("P10", \.distribution.p10)
        row("P50", \.distribution.p50)
        row("P80", \.distribution.p80)
        pair("  95% interval of P80", { money($0.distribution.p80Low) + " – " + money($0.distribution.p80High) }) { _, _ in "" }
        row("P90", \.distribution.p90)
        row("P(cost > budget cap)", \.overBudget) { String(format: "%.1f%%", $0 * 100) }
        row("P80 − budget cap", \.p80OverCap)
        row("contingency at P80", \.contingencyP80)
        out += Columns.render(rows, style: style)
        out += "budget cap \(money(baseline.budgetCap)) \(currency), value \(money(baseline.value)) \(currency); ± is the 95% confidence half-width;\n"
            + "contingency at P80 = P80 − to date − base: what to hold back beyond the price to be 80% sure\n\n"
        out += histogram.text(style: style)
        if !tornado.isEmpty {
            out += "\n" + style.bold("tornado") + " — each lever alone, its effect on P50:\n"
            let largest = tornado.map { abs($0.1) }.max() ?? 0
            let nameWidth = tornado.map { $0.0.rawValue.count }.max() ?? 0
            for (lever, delta) in tornado {
                let bar = largest > 0 ? Int((abs(delta) / largest * 30).rounded()) : 0
                out += "  " + lever.rawValue.padding(nameWidth) + " " + String(repeating: delta < 0 ? "◀" : "▶", count: max(bar, delta == 0 ? 0 : 1))
                    + " " + (delta >= 0 ? "+" : "") + money(delta) + "\n"
            }
        }
        return out
    }
}

public struct RiskResult: Sendable {
    public struct Contribution: Sendable {
        public var id: String
        public var title: String
        public var expected: Double
    }
    public var target: String
    public var currency: Currency
    public var trials: Int
    public var seed: UInt64
    public var levers: [(Lever, Double)]
    public var expected: Double
    public var distribution: Distribution
    public var contributions: [Contribution]

    var table: ResultTable {
        ResultTable(columns: ["id", "title", "expected"],
                    rows: contributions.map { [.string($0.id), .string($0.title), .money(Money($0.expected, currency))] })
    }

    var json: JSONValue {
        .object(JSONObject([
            ("kind", .string("risk")), ("target", .string(target)), ("currency", .string(currency.code)), ("trials", .number(Double(trials))),
            ("seed", .number(Double(seed))), ("levers", .object(JSONObject(levers.map { ($0.0.rawValue, .number($0.1)) }))),
            ("expected", .number(expected)), ("mean", .number(distribution.mean)), ("half_width", .number(distribution.halfWidth)),
            ("p50", .number(distribution.p50)), ("p90", .number(distribution.p90)), ("p99", .number(distribution.p99)),
            ("risks", .array(contributions.map { .object(JSONObject([("id", .string($0.id)), ("title", .string($0.title)), ("expected", .number($0.expected))])) })),
        ]))
    }

    func text(style: TextStyle) -> String {
        let money = { (x: Double) in ValueText.grouped(x.rounded()) }
        var out = style.bold("simulate risk of \(TerminalText.visible(target))") + " — \(ValueText.count(trials)) trials, seed \(seed), in \(currency)"
        if let m = levers.first { out += ", risk_multiplier = \(m.0.text(m.1))" }
        out += "\n\n"
        out += Columns.render([
            ["total loss", ""],
            ["expected (exact)", money(expected)],
            ["Monte Carlo mean", money(distribution.mean) + " ± " + money(distribution.halfWidth)],
            ["P50", money(distribution.p50)], ["P90", money(distribution.p90)], ["P99", money(distribution.p99)],
        ], style: style)
        out += "\n" + style.bold("open risks by expected loss") + " (\(ValueText.count(contributions.count))):\n"
        let shown = contributions.prefix(15)
        let rows = [["id", "title", "expected", "share"]] + shown.map {
            [$0.id, TextWidth.truncate($0.title, to: 40), money($0.expected), expected > 0 ? String(format: "%.1f%%", $0.expected / expected * 100) : "–"]
        }
        out += Columns.render(rows, style: style, left: [0, 1])
        if contributions.count > shown.count { out += "… and \(ValueText.count(contributions.count - shown.count)) more (with --format csv or json: all)\n" }
        return out
    }
}
