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

    /// Rows for csv, markdown and `let`: one per case (cost) or per risk (risk).
    public var table: ResultTable {
        switch self {
        case .cost(let r): r.table
        case .risk(let r): r.table
        }
    }

    /// The result as one JSON object, its figures to 15 significant digits as every json output writes them.
    public var json: JSONValue {
        switch self {
        case .cost(let r): ValueText.resultNumbers(r.json)
        case .risk(let r): ValueText.resultNumbers(r.json)
        }
    }

    public func text(style: TextStyle = .plain) -> String {
        switch self {
        case .cost(let r): r.text(style: style)
        case .risk(let r): r.text(style: style)
        }
    }
}

public struct CostResult: Sendable {
    public struct Case: Sendable {
        public var name: String
        public var expected: Double
        public var distribution: Distribution
        public var overBudget: Double
        public var budgetCap: Double
        public var value: Double
        public var contingencyP80: Double { distribution.p80 - value }
    }

    public var target: String
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

    static let figures = ["expected", "mean", "half_width", "std", "p10", "p50", "p80", "p90", "p_over_budget", "budget_cap", "contingency_p80"]

    func numbers(_ c: Case) -> [Double] {
        let d = c.distribution
        return [c.expected, d.mean, d.halfWidth, d.std, d.p10, d.p50, d.p80, d.p90, c.overBudget, c.budgetCap, c.contingencyP80]
    }

    var table: ResultTable {
        ResultTable(columns: ["case"] + CostResult.figures + ["currency"],
                    rows: cases.map { c in [.string(c.name)] + numbers(c).map(Value.number) + [.string(currency.code)] })
    }

    var json: JSONValue {
        func figures(_ c: Case) -> JSONValue { .object(JSONObject(zip(CostResult.figures, numbers(c).map(JSONValue.number)).map { ($0, $1) })) }
        return .object(JSONObject([
            ("kind", .string("cost")), ("target", .string(target)), ("currency", .string(currency.code)), ("trials", .number(Double(trials))),
            ("seed", .number(Double(seed))),
            ("levers", .object(JSONObject(levers.map { ($0.0.rawValue, .number($0.1)) }))),
            ("baseline", figures(cases[0])), ("scenario", figures(cases[1])),
            ("tornado", .array(tornado.map { .object(JSONObject([("lever", .string($0.0.rawValue)), ("p50_delta", .number($0.1))])) })),
        ]))
    }

    func text(style: TextStyle) -> String {
        let baseline = cases[0], scenario = cases[1]
        var out = style.bold("simulate cost of \(TerminalText.visible(target))") + " — \(ValueText.count(trials)) trials, seed \(seed), in \(currency)\n"
        out += "levers: " + (levers.isEmpty ? "none (the scenario is the baseline)" : levers.map { "\($0.0.rawValue) = \($0.0.text($0.1))" }.joined(separator: ", ")) + "\n\n"
        let money = { (x: Double) in ValueText.grouped(x.rounded()) }
        var rows: [[String]] = [["", "baseline", "scenario", "change"]]
        func row(_ name: String, _ f: (Case) -> Double, _ show: (Double) -> String = money) {
            rows.append([name, show(f(baseline)), show(f(scenario)), show(f(scenario) - f(baseline))])
        }
        row("expected (exact)", \.expected)
        rows.append(["Monte Carlo mean", money(baseline.distribution.mean) + " ± " + money(baseline.distribution.halfWidth),
                     money(scenario.distribution.mean) + " ± " + money(scenario.distribution.halfWidth),
                     money(scenario.distribution.mean - baseline.distribution.mean)])
        row("std", \.distribution.std)
        row("P10", \.distribution.p10)
        row("P50", \.distribution.p50)
        row("P80", \.distribution.p80)
        row("P90", \.distribution.p90)
        row("P(cost > budget cap)", \.overBudget) { String(format: "%.1f%%", $0 * 100) }
        row("contingency at P80", \.contingencyP80)
        out += Columns.render(rows, style: style)
        out += "budget cap \(money(baseline.budgetCap)) \(currency), value \(money(baseline.value)) \(currency); ± is the 95% confidence half-width\n\n"
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
