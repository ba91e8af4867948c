import Foundation
import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQStore
import VQSupport

/// What every cost study echoes: the target, its basis and currency, the draws.
struct StudyHeader: Sendable {
    var target: String, basis: String, currency: Currency, trials: Int, seed: UInt64

    var json: [(String, JSONValue)] {
        [("target", .string(target)), ("basis", .string(basis)), ("currency", .string(currency.code)),
         ("trials", .number(Double(trials))), ("seed", .number(Double(seed)))]
    }

    func line(_ kind: String, style: TextStyle) -> String {
        style.bold("\(kind) \(TerminalText.visible(target))") + " — \(ValueText.count(trials)) trials, seed \(seed), in \(currency)\n"
            + "basis: \(basis)\n"
    }
}

/// The figures of one case a row shows (SPEC §3: sweeps and `each`).
enum RowFigures {
    static let names = ["expected", "p50", "p80", "p90", "p_over_budget"]

    static func values(_ c: CostResult.Case) -> [Double] {
        [c.expected, c.distribution.p50, c.distribution.p80, c.distribution.p90, c.overBudget]
    }

    static func text(_ c: CostResult.Case) -> [String] {
        values(c).dropLast().map { ValueText.grouped($0.rounded()) } + [String(format: "%.1f%%", c.overBudget * 100)]
    }
}

/// A sweep: one simulation per value (per pair) of one or two levers, on the same draws.
public struct SweepResult: Sendable {
    struct Row: Sendable {
        var values: [Double]
        var scenario: CostResult.Case
    }
    var header: StudyHeader
    var fixed: [(Lever, Double)]
    var swept: [Lever]
    var rows: [Row]

    init(target: String, basis: String, currency: Currency, trials: Int, seed: UInt64, fixed: [(Lever, Double)], swept: [Lever], rows: [Row]) {
        header = StudyHeader(target: target, basis: basis, currency: currency, trials: trials, seed: seed)
        self.fixed = fixed
        self.swept = swept
        self.rows = rows
    }

    var table: ResultTable {
        ResultTable(columns: swept.map(\.rawValue) + RowFigures.names + ["currency", "seed", "trials", "levers", "basis"],
                    rows: rows.map { r in
                        r.values.map(Value.number) + RowFigures.values(r.scenario).map(Value.number)
                            + [.string(header.currency.code), .number(Double(header.seed)), .number(Double(header.trials)),
                               .string(Lever.describe(fixed)), .string(header.basis)]
                    })
    }

    var json: JSONValue {
        .object(JSONObject([("kind", .string("sweep"))] + header.json + [
            ("levers", .object(JSONObject(fixed.map { ($0.0.rawValue, .number($0.1)) }))),
            ("rows", .array(rows.map { r in
                .object(JSONObject(zip(swept, r.values).map { ($0.rawValue, JSONValue.number($1)) }
                                   + zip(RowFigures.names, RowFigures.values(r.scenario)).map { ($0, JSONValue.number($1)) }))
            })),
        ]))
    }

    func text(style: TextStyle) -> String {
        var out = header.line("sweep of", style: style)
        out += "levers: " + swept.map(\.rawValue).joined(separator: " × ") + (fixed.isEmpty ? "" : "; with " + Lever.describe(fixed)) + "\n\n"
        let table = [swept.map(\.rawValue) + ["expected", "P50", "P80", "P90", "P(over budget)"]]
            + rows.map { r in zip(swept, r.values).map { $0.text($1) } + RowFigures.text(r.scenario) }
        out += Columns.render(table, style: style)
        if swept.count == 1, rows.count > 1 {
            out += "\n" + LineChart(x: rows.map { $0.values[0] }, series: [("P50", "•", rows.map(\.scenario.distribution.p50)),
                                                                            ("P80", "×", rows.map(\.scenario.distribution.p80))],
                                    xLabel: { swept[0].text($0) }).text(style: style)
        }
        return out
    }
}

/// A goal seek: the lever value found (or the best reached), and the result there.
public struct SolveResult: Sendable {
    var lever: Lever
    var value: Double
    var met: Bool
    /// How many simulations the search took.
    var runs: Int
    var statistic: String
    var op: BinaryOperator
    var target: Double
    var result: CostResult

    init(lever: Lever, value: Double, met: Bool, runs: Int, solve: Simulation.Solve, target: Double, result: CostResult) {
        self.lever = lever
        self.value = value
        self.met = met
        self.runs = runs
        statistic = solve.statistic
        op = solve.op
        self.target = target
        self.result = result
    }

    var reached: Double { Simulator.statistic(statistic, of: result.cases[1]) }

    var table: ResultTable {
        var t = result.table
        t.columns = ["solved", "value", "met"] + t.columns
        t.rows = t.rows.map { [.string(lever.rawValue), .number(value), .bool(met)] + $0 }
        return t
    }

    var json: JSONValue {
        guard case .object(var o) = result.json else { return .null }
        o.keys[0] = "kind"
        o.values[0] = .string("solve")
        o.keys.insert(contentsOf: ["lever", "value", "met", "simulations"], at: 1)
        o.values.insert(contentsOf: [.string(lever.rawValue), .number(value), .bool(met), .number(Double(runs))], at: 1)
        return .object(o)
    }

    func text(style: TextStyle) -> String {
        let shown = { (x: Double) in statistic == "p_over_budget" ? String(format: "%.1f%%", x * 100) : ValueText.grouped(x.rounded()) }
        let goal = "\(statistic) \(op.rawValue) \(shown(target))"
        var out: String
        if met {
            out = style.bold("\(lever.rawValue) = \(lever.text(value))") + " meets \(goal): \(statistic) is \(shown(reached))"
        } else {
            let verb = op == .less || op == .lessEqual ? ">" : "<"
            out = style.bold("cannot be met") + ": at \(lever.rawValue) = \(lever.text(value)), \(statistic) is \(shown(reached)) \(verb) \(shown(target))"
        }
        out += " (\(ValueText.count(runs)) simulations, to \(lever.rawValue)'s resolution)\n\n"
        return out + result.text(style: style)
    }
}

/// `each`: a row per contract, ranked by P80, then the portfolio.
public struct EachResult: Sendable {
    var header: StudyHeader
    var levers: [(Lever, Double)]
    var rows: [(String, CostResult.Case)]
    var portfolio: CostResult.Case

    init(target: String, basis: String, currency: Currency, trials: Int, seed: UInt64, levers: [(Lever, Double)],
         rows: [(String, CostResult.Case)], portfolio: CostResult.Case) {
        header = StudyHeader(target: target, basis: basis, currency: currency, trials: trials, seed: seed)
        self.levers = levers
        self.rows = rows
        self.portfolio = portfolio
    }

    static let names = RowFigures.names + ["contingency_p80"]

    func values(_ c: CostResult.Case) -> [Double] { RowFigures.values(c) + [c.contingencyP80] }

    var table: ResultTable {
        ResultTable(columns: ["contract"] + EachResult.names + ["currency", "seed", "trials", "levers", "basis"],
                    rows: (rows + [("portfolio", portfolio)]).map { id, c in
                        [.string(id)] + values(c).map(Value.number)
                            + [.string(header.currency.code), .number(Double(header.seed)), .number(Double(header.trials)),
                               .string(Lever.describe(levers)), .string(header.basis)]
                    })
    }

    var json: JSONValue {
        func figures(_ c: CostResult.Case) -> [(String, JSONValue)] { zip(EachResult.names, values(c)).map { ($0, .number($1)) } }
        return .object(JSONObject([("kind", .string("each"))] + header.json + [
            ("levers", .object(JSONObject(levers.map { ($0.0.rawValue, .number($0.1)) }))),
            ("rows", .array(rows.map { .object(JSONObject([("contract", .string($0.0))] + figures($0.1))) })),
            ("portfolio", .object(JSONObject(figures(portfolio)))),
        ]))
    }

    func text(style: TextStyle) -> String {
        var out = header.line("simulate cost of each of", style: style)
        out += "levers: " + (levers.isEmpty ? "none" : Lever.describe(levers)) + "; lowest P80 first\n\n"
        let money = { (x: Double) in ValueText.grouped(x.rounded()) }
        let table = [["contract", "expected", "P50", "P80", "P90", "P(over budget)", "contingency at P80"]]
            + (rows + [("portfolio", portfolio)]).map { id, c in [TerminalText.visible(id)] + RowFigures.text(c) + [money(c.contingencyP80)] }
        return out + Columns.render(table, style: style)
    }
}

extension Lever {
    /// Levers as a statement writes them: "discount = 5%, change_requests = 3".
    static func describe(_ levers: [(Lever, Double)]) -> String {
        levers.map { "\($0.0.rawValue) = \($0.0.text($0.1))" }.joined(separator: ", ")
    }
}
