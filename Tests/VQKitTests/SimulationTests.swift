import Foundation
import Testing
@testable import VQEngine
@testable import VQGenerator
@testable import VQJSON
@testable import VQLanguage
import VQModel
@testable import VQSimulation
@testable import VQStore
@testable import VQSupport

/// The what-if simulations: the closed form against the Monte Carlo run, the
/// levers against the formula, reproducibility, and the result's shapes.
struct SimulationTests {
    static func simulate(_ statement: String, store path: String = Fixture.storePath) throws -> SimulationResult {
        let store = try Store(path: path, today: Fixture.today)
        guard case .simulate(let s) = try Parser.parse(statement)[0] else { throw Diagnostic("not a simulation") }
        let evaluator = Evaluator(store: store, environment: Environment(), source: SourceText(statement), isCancelled: { false })
        return try Simulator(store: store, evaluator: evaluator, isCancelled: { false }, progress: nil).run(s)
    }

    static func cost(_ statement: String, store path: String = Fixture.storePath) throws -> CostResult {
        guard case .cost(let r) = try simulate(statement, store: path) else { throw Diagnostic("not a cost simulation") }
        return r
    }

    /// A store of one vendor and one contract (value 120,000 over 12 months of 2025,
    /// cap 130,000, 5 months elapsed on the tests' 2025-06-30), with the given
    /// risks and kpis (each kpi: penalty, and misses out of 10 measured months),
    /// costs (period, category, amount) and change requests (their statuses).
    static func oneContract(status: String = "active", risks: [(likelihood: Double, impact: Double)] = [],
                            kpis: [(penalty: Double, misses: Int)] = [], changeRequests: Int = 2,
                            costs: [(period: String, category: String, amount: Double)] = [], requests: [String] = [],
                            start: String = "2025-01-01", end: String = "2025-12-31") throws -> String {
        let path = Fixture.temporaryDirectory()
        func write(_ name: String, _ records: [String]) throws {
            try ("[\n" + records.map { "  " + $0 }.joined(separator: ",\n") + "\n]\n").write(toFile: path + "/" + name + ".json", atomically: true, encoding: .utf8)
        }
        try write("vendors", [#"{"id": "V-1", "name": "Acme", "category": "other", "country": "DE", "status": "active", "rating": 4, "headcount": 10, "certifications": [], "since": "2020-01-01"}"#])
        try write("costs", costs.enumerated().map { n, c in
            #"{"id": "X-\#(n)", "contract": "C-1", "period": "\#(c.period)", "category": "\#(c.category)", "amount": \#(c.amount)}"#
        })
        try write("change_requests", requests.enumerated().map { n, s in
            #"{"id": "CR-\#(n)", "contract": "C-1", "date": "2025-02-01", "title": "More", "cost": 5000, "status": "\#(s)"}"#
        })
        try write("contracts", [#"{"id": "C-1", "vendor": "V-1", "title": "Ops", "start": "\#(start)", "end": "\#(end)", "value": 120000, "currency": "EUR", "budget_cap": 130000, "payment_terms_days": 30, "change_request_cost": 5000, "expected_change_requests": \#(changeRequests), "penalty_cap": 0.1, "confidentiality": false, "status": "\#(status)"}"#])
        try write("risks", risks.enumerated().map { n, r in
            #"{"id": "R-\#(n)", "vendor": "V-1", "contract": "C-1", "title": "Risk \#(n)", "category": "delivery", "likelihood": \#(r.likelihood), "impact": \#(r.impact), "status": "open"}"#
        })
        try write("kpis", kpis.indices.map { n in
            #"{"id": "K-\#(n)", "contract": "C-1", "metric": "on_time", "target": 0.95, "direction": "higher", "weight": 1, "penalty": \#(kpis[n].penalty)}"#
        })
        // Ten measured months (January to October): the remaining periods are November and December.
        try write("measurements", kpis.indices.flatMap { n in
            (1...10).map { m in #"{"kpi": "K-\#(n)", "period": "2025-\#(m < 10 ? "0" : "")\#(m)", "actual": \#(m <= kpis[n].misses ? 0.5 : 1)}"# }
        })
        return path
    }

    @Test func sameSeedSameNumbersAndTheSeedMatters() throws {
        let statement = "simulate cost with discount = 5%, change_requests = 3 trials 3000 seed 7"
        let a = try Self.simulate(statement), b = try Self.simulate(statement)
        #expect(a.text() == b.text())
        #expect(JSONWriter.string(a.json) == JSONWriter.string(b.json))
        let c = try Self.simulate("simulate cost with discount = 5%, change_requests = 3 trials 3000 seed 8")
        #expect(a.text() != c.text())
    }

    @Test func resultsDoNotDependOnTheThreadCount() throws {
        let trial: @Sendable (inout Xoshiro256, inout [Double]) -> Void = { rng, out in out[0] = rng.unit() }
        let one = try MonteCarlo.run(trials: 10_000, seed: 3, outputs: 1, threads: 1, isCancelled: { false }, trial: trial)
        let two = try MonteCarlo.run(trials: 10_000, seed: 3, outputs: 1, threads: 2, isCancelled: { false }, trial: trial)
        #expect(one == two)
    }

    /// The cost kernel goes through lanes of trials on both cores; its totals are the
    /// same on one thread, with foreign money moving (contract by contract) or not.
    @Test(arguments: [0, 1])
    func costTotalsDoNotDependOnTheThreadCount(fx: Int) throws {
        let store = try Store(path: Fixture.storePath, today: Fixture.today)
        let contracts = try store.table(.contracts)
        let rows = (0..<contracts.count).filter { contracts.text(ContractField.status, $0) == "active" }
        let model = try SimulationModel.contracts(rows, from: store, target: "active")
        let levers: [(Lever, Double)] = fx == 1 ? [(.fx, 1.1), (.fx_volatility, 0.1), (.risk_multiplier, 2)]
            : [(.discount, 0.05), (.change_requests, 3), (.penalty, 2)]
        let simulator = CostSimulator(model: model, variants: [Variant(name: "baseline", levers: []), Variant(name: "scenario", levers: levers)])
        let one = try simulator.run(trials: 700, seed: 5, threads: 1, isCancelled: { false }, progress: nil)
        let two = try simulator.run(trials: 700, seed: 5, threads: 2, isCancelled: { false }, progress: nil)
        #expect(one == two)
        #expect(one[0] != one[1])
    }

    /// The Monte Carlo mean agrees with the closed form: within the stated 95% half-width
    /// about 95% of the time, and never far outside it.
    @Test func monteCarloMeanMatchesTheClosedForm() throws {
        let store = try Fixture.store()
        let contracts = try store.table(.contracts)
        let status = contracts.columns[contracts.column("status")!]
        // Active, expired and draft (no measurements) contracts, and the whole portfolio.
        var targets = ["", "of (contracts where status = \"expired\")"]
        for wanted in ["active", "expired", "draft"] {
            if let row = (0..<contracts.count).first(where: { status[$0] == .string(wanted) }) { targets.append("of \"\(contracts.id(row)!)\"") }
        }
        #expect(targets.count == 5)
        var within = 0, checks = 0
        for target in targets {
            for seed in 1...8 {
                let r = try Self.cost("simulate cost \(target) with penalty = 1.5, risk_multiplier = 2 trials 4000 seed \(seed)")
                for c in r.cases {
                    let gap = abs(c.distribution.mean - c.expected)
                    checks += 1
                    if gap <= c.distribution.halfWidth + 1e-6 * abs(c.expected) { within += 1 }
                    #expect(gap <= 4 * c.distribution.halfWidth + 1e-6 * abs(c.expected), "\(target) seed \(seed) \(c.name)")
                }
            }
        }
        #expect(Double(within) / Double(checks) >= 0.85, "\(within) of \(checks) within the 95% half-width")
    }

    /// A risk's likelihood is per term: with 7 of 12 months left it happens with 1 − 0.7^(7/12).
    @Test func aLargeRiskGivesItsChanceOverTheTermLeftAsTheChanceOfOverrunning() throws {
        let path = try Self.oneContract(risks: [(0.3, 1_000_000)], changeRequests: 0)
        let r = try Self.cost("simulate cost of \"C-1\" trials 20000", store: path)
        let q = 1 - pow(0.7, 7.0 / 12)
        let p = r.cases[0].overBudget
        #expect(abs(p - q) < 4 * (q * (1 - q) / 20_000).squareRoot(), "P(over budget) \(p)")
        #expect(abs(r.cases[0].expected - (70_000 + q * 1_000_000)) < 1e-6)
        #expect(r.basis == "active: 5 of 12 months elapsed, 0 spent, forecasting 7")
    }

    /// Each lever moves the expectation by what the formula says.
    @Test func leversMoveTheExpectationByTheFormula() throws {
        let path = try Self.oneContract(risks: [(0.2, 10_000)], kpis: [(1000, 3), (500, 5)])
        func expected(_ levers: String) throws -> Double {
            try Self.cost("simulate cost of \"C-1\"" + (levers.isEmpty ? "" : " with " + levers) + " trials 10", store: path).cases[1].expected
        }
        let base = try expected("")
        // Value 120,000 over 12 months, 7 still to bill (70,000); 2 requests of 5,000; risk 0.2 × 10,000
        // over 7/12 of the term; 2 periods left of each kpi (credits well under the 12,000 cap).
        let q = { (l: Double) in 1 - pow(1 - l, 7.0 / 12) }
        let credits = 2 * 0.3 * 1000 + 2 * 0.5 * 500
        #expect(abs(base - (70_000 + 10_000 + q(0.2) * 10_000 - credits)) < 1e-6, "\(base)")
        #expect(abs(try expected("discount = 10%") - (base - 7_000)) < 1e-6, "of what is still to bill")
        #expect(abs(try expected("delay_months = 3") - (base + 30_000)) < 1e-6)
        #expect(abs(try expected("change_requests = 5") - (base + 15_000)) < 1e-6)
        #expect(abs(try expected("change_request_cost = 8000") - (base + 6000)) < 1e-6)
        // The contract is in the simulation's own currency: fx moves only foreign money (MoneyTests).
        #expect(abs(try expected("fx = 1.1") - base) < 1e-6)
        #expect(abs(try expected("inflation = 10%") - base) < 1e-6, "the months left are all in its first year")
        #expect(abs(try expected("risk_multiplier = 3") - (base + (q(0.6) - q(0.2)) * 10_000)) < 1e-6)
        #expect(abs(try expected("penalty = 2") - (base - credits)) < 1e-6)
    }

    /// The cap binds: E[min(cap, credits)] from the distribution, not min(cap, E[credits]).
    @Test func cappedCreditsUseTheirDistribution() throws {
        // Cap 12,000; two periods left, each missed with p = 0.5, penalty 10,000: credits 0, 10k or 20k.
        let path = try Self.oneContract(kpis: [(10_000, 5)], changeRequests: 0)
        let r = try Self.cost("simulate cost of \"C-1\" trials 40000", store: path)
        let credit = 0.25 * 0 + 0.5 * 10_000 + 0.25 * 12_000
        #expect(abs(r.cases[0].expected - (70_000 - credit)) < 1e-6)
        #expect(abs(r.cases[0].distribution.mean - r.cases[0].expected) < 4 * r.cases[0].distribution.halfWidth)
    }

    /// For a few kpis the measurements are looked for in the file, not all read: the same stats either way.
    @Test func targetedMeasurementReadingAgreesWithTheFullRead() throws {
        let targeted = try Fixture.store()
        let rows = [0, 1, 5, 17, 40]
        let few = try targeted.kpiStats(of: rows)
        #expect(!targeted.loaded.contains(.measurements), "the file was searched, not read")
        let full = try Fixture.store()
        _ = try full.table(.measurements)
        let all = try full.kpiStats(of: rows)
        for k in rows {
            #expect(few[k]!.count == all[k]!.count && few[k]!.misses == all[k]!.misses && few[k]!.latestPeriod == all[k]!.latestPeriod)
            #expect(few[k]!.count > 0)
        }
        // A record the search cannot be sure of (a nested object before the field) means: read it all.
        let path = Fixture.temporaryDirectory() + "/m.json"
        try "[\n  {\"x\": {\"a\": 1}, \"kpi\": \"K-1\", \"period\": \"2025-01\", \"actual\": 1}\n]\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(TableLoader.records(in: path, field: "kpi", values: [ExactString("K-1")]) == nil)
        try "[\n  {\"kpi\": \"K-1\", \"period\": \"2025-01\", \"actual\": 1},\n  {\"kpi\": \"K-10\", \"actual\": 2}\n]\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(TableLoader.records(in: path, field: "kpi", values: [ExactString("K-1")])?.count == 1)
    }

    /// The search cut in parts finds what one pass finds, hits across a cut included.
    @Test func searchInPartsFindsEveryHitOnce() {
        var rng = Xoshiro256(seed: 8)
        for _ in 0..<100 {
            var bytes = (0..<rng.int(20...400)).map { _ in rng.pick(Array("K-01\"x".utf8)) }
            let patterns = [Array("\"K-01\"".utf8), Array("\"K-00\"".utf8)]
            for _ in 0..<rng.int(0...6) {
                let p = rng.pick(patterns), at = rng.int(0...(bytes.count - p.count))
                bytes.replaceSubrange(at..<(at + p.count), with: p)
            }
            bytes.withUnsafeBufferPointer { b in
                let one = Search.any(patterns, in: b).map { "\($0.pattern)@\($0.offset)" }
                for threads in [2, 3] {
                    #expect(Search.any(patterns, in: b, threads: threads).map { "\($0.pattern)@\($0.offset)" }.sorted() == one.sorted())
                }
            }
        }
    }

    /// An expired contract costs what it recorded: nothing is left to bill, risk or credit.
    @Test func expiredContractsCostWhatTheyRecorded() throws {
        let path = try Self.oneContract(status: "expired", risks: [(0.5, 9000)], kpis: [(1000, 10)], changeRequests: 0,
                                        costs: [("2025-01", "labor", 60_000), ("2025-02", "labor", 61_000)])
        let r = try Self.cost("simulate cost of \"C-1\" trials 100", store: path)
        #expect(r.cases[0].expected == 121_000 && r.cases[0].distribution.std == 0)
        #expect(r.cases[0].breakdown == Breakdown(toDate: 121_000))
        #expect(r.basis == "expired: all 12 months elapsed, 121k spent")
    }

    /// The estimate at completion of SPEC §3, part by part, against figures worked out here.
    @Test func estimateAtCompletionPartByPart() throws {
        // Active: 5 of 12 months elapsed. Recorded: 23,500 (two bills, an approved change request's
        // 4,000 and a credit of 500 received); one of the 2 expected requests approved, one proposed.
        let active = try Self.oneContract(risks: [(0.4, 6000)], kpis: [(2000, 4)], changeRequests: 2,
                                          costs: [("2025-01", "labor", 10_000), ("2025-02", "labor", 10_000),
                                                  ("2025-03", "change_request", 4000), ("2025-03", "penalty", -500)],
                                          requests: ["approved", "proposed"])
        let r = try Self.cost("simulate cost of \"C-1\" trials 20000", store: active)
        let b = r.cases[0].breakdown
        #expect(b.toDate == 23_500)
        #expect(abs(b.base - 70_000) < 1e-9)
        #expect(b.delay == 0)
        #expect(b.changes == 5000, "2 expected, 1 recorded: 1 more at 5,000")
        #expect(abs(b.risks - (1 - pow(0.6, 7.0 / 12)) * 6000) < 1e-9)
        // 2 periods left, each missed with 0.4, 2,000 each: well under the cap left (12,000 − 500).
        #expect(abs(b.credits - 2 * 0.4 * 2000) < 1e-9)
        #expect(abs(r.cases[0].expected - b.total) < 1e-9)
        #expect(abs(r.cases[0].distribution.mean - b.total) < 4 * r.cases[0].distribution.halfWidth)
        #expect(r.basis == "active: 5 of 12 months elapsed, 23.5k spent, forecasting 7")
        // change_requests counts the whole term: 3 means 2 more, not 3.
        let more = try Self.cost("simulate cost of \"C-1\" with change_requests = 3 trials 200", store: active)
        #expect(more.cases[1].breakdown.changes == 10_000)
        // A draft: the whole term to bill, nothing recorded, the risk over the whole term.
        let draft = try Self.oneContract(status: "draft", risks: [(0.4, 6000)], changeRequests: 1,
                                         costs: [("2025-01", "labor", 10_000)], requests: ["approved"])
        let d = try Self.cost("simulate cost of \"C-1\" trials 200", store: draft)
        #expect(d.cases[0].breakdown == Breakdown(toDate: 0, base: 120_000, delay: 0, changes: 5000, risks: 0.4 * 6000, credits: 0))
        #expect(d.basis == "draft: whole term, 12 months")
    }

    /// Indexation applies from each contract year on: a 36-month draft at 10% bills
    /// 12 months at 1, 12 at 1.1 and 12 at 1.21 (× 1.1033), not the whole at 1.1³.
    @Test func inflationIndexesEachContractYear() throws {
        let path = try Self.oneContract(status: "draft", changeRequests: 0, start: "2026-01-01", end: "2028-12-31")
        let r = try Self.cost("simulate cost of \"C-1\" with inflation = 10% trials 100", store: path)
        #expect(abs(r.cases[1].breakdown.base - 120_000.0 / 36 * (12 + 12 * 1.1 + 12 * 1.21)) < 1e-6)
        #expect(abs(r.cases[1].breakdown.base - r.cases[0].breakdown.base * 1.103_333_333_333_333) < 1e-6)
    }

    /// The P80 interval is the order statistic's 95% interval: over many seeds of a case whose
    /// P80 is known (one risk of 0.7 per term on a draft: P80 is base + impact), it covers it about 95% of the time.
    @Test func theP80IntervalCoversTheTrueP80() throws {
        // Continuous instead: changes drawn from Triangular; the true P80 is found from a very long run.
        let path = try Self.oneContract(status: "draft", changeRequests: 6)
        let truth = try Self.cost("simulate cost of \"C-1\" trials 2000000 seed 99", store: path).cases[0].distribution.p80
        var covered = 0
        let seeds = 1...60
        for seed in seeds {
            let d = try Self.cost("simulate cost of \"C-1\" trials 2000 seed \(seed)", store: path).cases[0].distribution
            #expect(d.p80Low <= d.p80 && d.p80 <= d.p80High)
            if d.p80Low <= truth && truth <= d.p80High { covered += 1 }
        }
        #expect(covered >= 51 && covered <= 60, "\(covered) of \(seeds.count)")
    }

    @Test func riskSimulation() throws {
        let path = try Self.oneContract(risks: [(0.5, 1000), (0.1, 50_000), (0.9, 100)])
        guard case .risk(let r) = try Self.simulate("simulate risk of \"C-1\" with risk_multiplier = 2 trials 20000", store: path) else {
            Issue.record("not a risk result")
            return
        }
        #expect(r.contributions.map(\.id) == ["R-1", "R-0", "R-2"])
        #expect(abs(r.expected - (10_000 + 1000 + 100)) < 1e-9)
        #expect(abs(r.distribution.mean - r.expected) < 4 * r.distribution.halfWidth)
        #expect(r.distribution.p50 <= r.distribution.p90 && r.distribution.p90 <= r.distribution.p99)
        let json = JSONWriter.string(r.json)
        for key in ["\"kind\": \"risk\"", "\"expected\"", "\"mean\"", "\"p50\"", "\"p90\"", "\"p99\"", "\"risks\": [{\"id\": \"R-1\""] {
            #expect(json.contains(key), "\(key) in \(json)")
        }
    }

    @Test func jsonHasTheSpecShape() throws {
        let r = try Self.simulate("simulate cost of (contracts where status = \"active\") with discount = 5%, fx = 1.2 trials 500")
        guard case .object(let top) = r.json else { Issue.record("not an object"); return }
        #expect(top.keys == ["kind", "target", "basis", "currency", "trials", "seed", "levers", "baseline", "scenario", "tornado"])
        guard case .object(let baseline)? = top.values[top.keys.firstIndex(of: "baseline")!] as JSONValue? else { return }
        #expect(baseline.keys == ["expected", "breakdown", "mean", "half_width", "std", "p10", "p50", "p80", "p80_low", "p80_high", "p90",
                                  "p_over_budget", "budget_cap", "contingency_p80"])
        guard case .object(let parts)? = baseline["breakdown"] else { Issue.record("no breakdown"); return }
        #expect(parts.keys == ["to_date", "base", "delay", "changes", "risks", "credits"])
        #expect(JSONWriter.string(r.json).contains("\"tornado\": [{\"lever\": "))
    }

    @Test func variablesKeepResultsForQueries() throws {
        let out = try Fixture.transcript("let s = simulate cost with fx = 1.1 trials 1000\ns | where case = 'scenario' | select case, trials_are_echoed = 1")
        #expect(out.contains("error"), "a column that does not exist is an error: \(out)")
        let ok = try Fixture.transcript("let s = simulate cost with fx = 1.1 trials 1000\ns | select case, p50 > 0 as positive")
        #expect(ok.contains("│ baseline │ true     │") && ok.contains("│ scenario │ true     │"), "\(ok)")
    }

    static let refusals: [(String, String)] = [
        ("simulate cost with discount = 150%", "lever discount must be from 0 to 1, not 1.5"),
        ("simulate cost with change_requests = 2.5", "change_requests is a whole number"),
        ("simulate cost trials 0", "trials must be a whole number from 1"),
        ("simulate cost of \"C-99999\"", "no contract has id \"C-99999\""),
        ("simulate cost of (vendors where rating > 4)", "simulate cost needs contracts; this gives vendors"),
        ("simulate risk with discount = 5%", "simulate risk takes only the lever risk_multiplier"),
        ("simulate cost with discont = 5%", "did you mean 'discount'?"),
    ]

    @Test(arguments: refusals)
    func badSimulationsAreClearErrors(_ statement: String, _ message: String) throws {
        let out = try Fixture.transcript(statement)
        #expect(out.contains("error: ") && out.contains(message), "\(out)")
    }
}

/// Invariants over random contracts: ordered percentiles, and a scenario without levers is the baseline.
struct SimulationPropertyTests {
    /// Percentiles are exact order statistics, with ties and spikes too.
    @Test func selectionEqualsSorting() {
        var rng = Xoshiro256(seed: 12)
        for _ in 0..<300 {
            let n = rng.int(1...3000)
            let spike = rng.uniform(-5, 5)
            let values = (0..<n).map { _ in rng.chance(0.3) ? spike : (rng.chance(0.5) ? rng.normal(0, 1000) : Double(rng.int(-3...3))) }
            let ranks = [0.1, 0.5, 0.8, 0.9, 0.99].map { Int((Double(n - 1) * $0).rounded()) }
            let sorted = values.sorted()
            #expect(Distribution.select(values, ranks, low: sorted.first!, high: sorted.last!) == ranks.map { sorted[$0] })
        }
    }

    @Test func percentilesAreOrderedAndNoLeversIsTheBaseline() throws {
        var rng = Xoshiro256(seed: 5)
        let path = Fixture.temporaryDirectory() + "/store"
        try StoreGenerator(vendors: 12, seed: 99).write(to: path)
        let store = try Store(path: path, today: Fixture.today)
        let ids = (0..<(try store.table(.contracts).count)).compactMap { try? store.table(.contracts).id($0) }
        for _ in 0..<20 {
            let id = rng.pick(ids)
            let seed = rng.int(0...1000)
            let plain = try SimulationTests.cost("simulate cost of \"\(id)\" trials 800 seed \(seed)", store: path)
            #expect(plain.cases[0].expected == plain.cases[1].expected)
            #expect(plain.cases[0].distribution.p50 == plain.cases[1].distribution.p50)
            #expect(plain.tornado.isEmpty)
            let levers = "discount = \(rng.int(0...20))%, risk_multiplier = \(rng.int(1...3)), change_requests = \(rng.int(0...6))"
            let r = try SimulationTests.cost("simulate cost of \"\(id)\" with \(levers) trials 800 seed \(seed)", store: path)
            for c in r.cases {
                let d = c.distribution
                #expect(d.minimum <= d.p10 && d.p10 <= d.p50 && d.p50 <= d.p80 && d.p80 <= d.p90 && d.p90 <= d.maximum, "\(id) \(levers)")
                #expect(c.overBudget >= 0 && c.overBudget <= 1)
            }
            // Common random numbers: the baseline does not move when levers are given.
            #expect(r.cases[0].expected == plain.cases[0].expected)
            #expect(r.cases[0].distribution.p50 == plain.cases[0].distribution.p50 && r.cases[0].distribution.mean == plain.cases[0].distribution.mean)
            #expect(r.tornado.count == 3)
        }
    }
}
