import Foundation
import Testing
@testable import VQEngine
@testable import VQJSON
@testable import VQLanguage
@testable import VQSession
@testable import VQSimulation
@testable import VQStore
@testable import VQSupport

/// Sweeps, goal seeks and bid comparisons (SPEC §3), on common random numbers.
@Suite struct StudyTests {
    static func study(_ statement: String, store path: String = Fixture.storePath) throws -> SimulationResult {
        try SimulationTests.simulate(statement, store: path)
    }

    static func p80(_ statement: String, store path: String) throws -> Double {
        try SimulationTests.cost(statement, store: path).cases[1].distribution.p80
    }

    @Test func aGoalSeeksAnswerMeetsTheTargetAndOneStepLessDoesNot() throws {
        let path = try SimulationTests.oneContract(risks: [(0.3, 8000)], changeRequests: 3)
        guard case .solve(let s) = try Self.study("simulate cost of \"C-1\" solve discount for p80 <= 80k trials 4000 seed 3", store: path) else {
            Issue.record("not a goal seek")
            return
        }
        #expect(s.met && s.value > 0 && s.value < 1, "\(s.value)")
        #expect(s.reached <= 80_000)
        #expect(try Self.p80("simulate cost of \"C-1\" with discount = \(s.value) trials 4000 seed 3", store: path) <= 80_000)
        #expect(try Self.p80("simulate cost of \"C-1\" with discount = \(s.value - 0.0001) trials 4000 seed 3", store: path) > 80_000,
                "one resolution step less does not meet it")
        #expect(s.runs < 30, "bisection: \(s.runs) simulations")
        #expect(s.text(style: .plain).hasPrefix("discount = "))
        // Already met at the lever's default: the default is the answer.
        guard case .solve(let easy) = try Self.study("simulate cost of \"C-1\" solve discount for p80 <= 1m trials 500", store: path) else { return }
        #expect(easy.met && easy.value == 0 && easy.runs == 1)
        // Aimed at the budget cap, on a whole-number lever.
        guard case .solve(let cap) = try Self.study("simulate cost of \"C-1\" solve change_requests for p80 <= budget_cap trials 500", store: path) else { return }
        #expect(cap.met && cap.value == cap.value.rounded() && cap.target == 130_000)
    }

    @Test func anUnreachableTargetSaysSoWithTheBestReached() throws {
        let path = try SimulationTests.oneContract(changeRequests: 1)
        guard case .solve(let s) = try Self.study("simulate cost of \"C-1\" solve discount for p80 <= 1000 trials 500", store: path) else {
            Issue.record("not a goal seek")
            return
        }
        #expect(!s.met && s.value == 1)
        #expect(s.text(style: .plain).hasPrefix("cannot be met: at discount = 100%, p80 is "), "\(s.text(style: .plain))")
        let json = JSONWriter.string(s.json)
        #expect(json.hasPrefix("{\"kind\": \"solve\", \"lever\": \"discount\", \"value\": 1, \"met\": false, \"simulations\": "), "\(json)")
    }

    @Test func sweepRowsEqualSingleRunsWithTheSameSeed() throws {
        let path = try SimulationTests.oneContract(risks: [(0.2, 5000)], kpis: [(500, 3)], changeRequests: 2)
        guard case .sweep(let s) = try Self.study("simulate cost of \"C-1\" with discount = 0%..6% step 2%, penalty = 2 trials 3000 seed 9", store: path) else {
            Issue.record("not a sweep")
            return
        }
        #expect(s.rows.map(\.values) == [[0], [0.02], [0.04], [0.06]])
        for row in s.rows {
            let single = try SimulationTests.cost("simulate cost of \"C-1\" with penalty = 2, discount = \(row.values[0]) trials 3000 seed 9", store: path)
            #expect(single.cases[1].distribution.p80 == row.scenario.distribution.p80)
            #expect(single.cases[1].overBudget == row.scenario.overBudget)
        }
        #expect(s.text(style: .plain).contains("chart — • P50, × P80"))
        // Two levers: a grid, a row per pair.
        guard case .sweep(let grid) = try Self.study("simulate cost of \"C-1\" with discount = 0%..2% step 1%, delay_months = 0..2 step 1 trials 200", store: path) else { return }
        #expect(grid.rows.count == 9 && grid.rows[4].values == [0.01, 1])
        #expect(throws: Diagnostic.self) { try Self.study("simulate cost of \"C-1\" with discount = 0%..100% step 0.5% trials 10", store: path) }
    }

    @Test func eachRowEqualsThatContractsOwnRun() throws {
        guard case .each(let e) = try Self.study("simulate cost of (contracts where vendor = \"V-0003\") with discount = 5% each trials 800 seed 4") else {
            Issue.record("not each")
            return
        }
        #expect(e.rows.count >= 2)
        #expect(e.rows.map(\.1.distribution.p80) == e.rows.map(\.1.distribution.p80).sorted(), "lowest P80 first")
        for (id, row) in e.rows {
            let single = try SimulationTests.cost("simulate cost of \"\(id)\" with discount = 5% trials 800 seed 4")
            #expect(single.cases[1].distribution.p80 == row.distribution.p80, "\(id)")
            #expect(single.cases[1].expected == row.expected, "\(id)")
        }
        let all = try SimulationTests.cost("simulate cost of (contracts where vendor = \"V-0003\") with discount = 5% trials 800 seed 4")
        #expect(all.cases[1].distribution.p80 == e.portfolio.distribution.p80)
        #expect(e.table.rows.last?.first == .string("portfolio"))
    }

    @Test func targetsThatFindNothingOrTheWrongThingAreErrors() throws {
        let out = try Fixture.transcript("""
            simulate cost of (contracts where title contains "no such title")
            simulate cost of "V-0001"
            simulate cost of $c trials 100
            """, settings: ["c": .string("C-00002")])
        #expect(out.contains("error: the target matches no contract: there is nothing to simulate"), "\(out)")
        #expect(out.contains("hint: V-0001 is a vendor: simulate risk of \"V-0001\", or simulate cost of (contracts where vendor = \"V-0001\")"), "\(out)")
        #expect(out.contains("simulate cost of C-00002 — 100 trials"), "\(out)")
        #expect(try Fixture.transcript(".help simulate").contains("solve discount for p80 <= budget_cap"))
        #expect(try Fixture.transcript("simulate risk with risk_multiplier = 1..3 step 1").contains("error: a sweep is for simulate cost"))
    }

    /// On common random numbers each lever moves a statistic one way only: P80
    /// never falls as change requests, delay, indexation or risk grow, and never
    /// rises as the discount or the service credits grow.
    @Test(arguments: [("discount", [0.0, 0.03, 0.1, 0.4], false), ("change_requests", [0.0, 2, 5, 9], true),
                      ("delay_months", [0.0, 0.5, 3, 12], true), ("inflation", [0.0, 0.02, 0.1, 0.5], true),
                      ("risk_multiplier", [0.0, 0.5, 2, 10], true), ("penalty", [0.0, 1, 3, 20], false)])
    func theStatisticIsMonotoneInEachLever(_ lever: String, _ values: [Double], _ rising: Bool) throws {
        let path = try SimulationTests.oneContract(risks: [(0.3, 9000), (0.1, 30_000)], kpis: [(1500, 3), (800, 6)], changeRequests: 2,
                                                   start: "2025-01-01", end: "2027-12-31")
        for seed in 1...3 {
            let p80s = try values.map { try Self.p80("simulate cost of \"C-1\" with \(lever) = \($0) trials 1500 seed \(seed)", store: path) }
            let ordered = zip(p80s, p80s.dropFirst()).allSatisfy { rising ? $0 <= $1 : $0 >= $1 }
            #expect(ordered, "\(lever) seed \(seed): \(p80s)")
        }
    }
}
