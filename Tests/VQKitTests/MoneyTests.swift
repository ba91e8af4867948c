import Foundation
import Testing
@testable import VQEngine
@testable import VQGenerator
@testable import VQJSON
@testable import VQLanguage
@testable import VQModel
@testable import VQRender
@testable import VQSession
@testable import VQSimulation
@testable import VQStore
@testable import VQSupport

/// Money that knows its currency (SPEC §5), on a small store whose every
/// figure is worked out by hand here.
@Suite struct MoneyTests {
    /// Rates: EUR→USD 1.10 from January 2024 and 1.20 from June; USD→CNY 7 (so
    /// CNY→USD only inversely); GBP→EUR 1.15 (so GBP→USD only through EUR).
    /// Contracts: C-EUR 100,000 EUR (budget 90,000 USD), C-CNY 700,000 CNY,
    /// C-USD 50,000 USD, C-GBP 20,000 GBP, all drafts (so a simulation bills each whole
    /// value). Costs of C-EUR: 1,000 in March, 2,000 in July.
    static func store(settings: String? = nil, rates: [String]? = nil, status: String = "draft") throws -> String {
        let path = Fixture.temporaryDirectory()
        func write(_ name: String, _ records: [String]) throws {
            try ("[\n" + records.map { "  " + $0 }.joined(separator: ",\n") + "\n]\n").write(toFile: path + "/" + name + ".json", atomically: true, encoding: .utf8)
        }
        try write("vendors", [
            #"{"id": "V-1", "name": "Acme", "category": "other", "country": "DE", "status": "active", "rating": 4, "headcount": 10, "certifications": [], "since": "2020-01-01"}"#,
            #"{"id": "V-2", "name": "顺丰物流", "category": "logistics", "country": "CN", "status": "active", "rating": 4, "headcount": 10, "certifications": [], "since": "2020-01-01"}"#,
        ])
        func contract(_ id: String, _ vendor: String, _ value: Int, _ currency: String, cap: Int, budget: String? = nil) -> String {
            #"{"id": "\#(id)", "vendor": "\#(vendor)", "title": "Ops", "start": "2024-01-01", "end": "2025-12-31", "value": \#(value), "currency": "\#(currency)", "budget_cap": \#(cap), "payment_terms_days": 30, "change_request_cost": 1000, "expected_change_requests": 0, "penalty_cap": 0.1, "confidentiality": false, "status": "\#(status)""#
                + (budget.map { #", "budget_currency": "\#($0)""# } ?? "") + "}"
        }
        try write("contracts", [
            contract("C-EUR", "V-1", 100_000, "EUR", cap: 90_000, budget: "USD"), contract("C-CNY", "V-2", 700_000, "CNY", cap: 800_000),
            contract("C-USD", "V-1", 50_000, "USD", cap: 60_000), contract("C-GBP", "V-1", 20_000, "GBP", cap: 25_000),
        ])
        try write("costs", [
            #"{"id": "X-1", "contract": "C-EUR", "period": "2024-03", "category": "labor", "amount": 1000}"#,
            #"{"id": "X-2", "contract": "C-EUR", "period": "2024-07", "category": "labor", "amount": 2000}"#,
            #"{"id": "X-3", "contract": "C-USD", "period": "2024-07", "category": "labor", "amount": 500}"#,
        ])
        try write("risks", [
            #"{"id": "R-1", "vendor": "V-1", "title": "Strike", "category": "delivery", "likelihood": 0.5, "impact": 1000, "status": "open", "currency": "EUR"}"#,
            #"{"id": "R-2", "vendor": "V-1", "contract": "C-USD", "title": "Churn", "category": "delivery", "likelihood": 0.1, "impact": 2000, "status": "open"}"#,
        ])
        try write("rates", rates ?? [
            #"{"from": "EUR", "to": "USD", "date": "2024-01-01", "rate": 1.1}"#,
            #"{"from": "EUR", "to": "USD", "date": "2024-06-01", "rate": 1.2}"#,
            #"{"from": "USD", "to": "CNY", "date": "2024-01-01", "rate": 7}"#,
            #"{"from": "GBP", "to": "EUR", "date": "2024-01-01", "rate": 1.15}"#,
        ])
        if let settings { try settings.write(toFile: path + "/settings.json", atomically: true, encoding: .utf8) }
        return path
    }

    static let today = Dates.parseDate("2024-08-15")!

    /// Everything `source` writes, errors included, on the store at `today`.
    static func run(_ source: String, store path: String, format: OutputFormat = .table) throws -> String {
        let output = Output()
        let session = Session(store: try Store(path: path, today: today), format: format, write: output.append, writeError: output.append)
        session.run(source, keepGoing: true)
        return output.text
    }

    /// The amount a statement's one-row result ends with, as csv writes it.
    static func number(_ source: String, store path: String) throws -> Double? {
        let last = try run(source, store: path, format: .csv).split(separator: "\r\n").last ?? ""
        return Double(last.split(separator: ",").first.map(String.init) ?? "")
    }

    @Test func conversionsDirectInverseTriangulatedAndDated() throws {
        let path = try Self.store()
        let store = try Store(path: path, today: Self.today)
        let rates = try store.rates()
        let eur = Currency("EUR")!, usd = Currency("USD")!, cny = Currency("CNY")!, gbp = Currency("GBP")!
        let march = Dates.parseDate("2024-03-01")!, july = Dates.parseDate("2024-07-01")!
        #expect(try rates.rate(eur, to: usd, on: march) == 1.1, "direct, the rate in force in March")
        #expect(try rates.rate(eur, to: usd, on: july) == 1.2, "direct, the later rate from June on")
        #expect(try rates.rate(eur, to: usd, on: Dates.parseDate("2024-05-31")!) == 1.1, "the day before a new rate")
        #expect(abs(try rates.rate(cny, to: usd, on: july) - 1 / 7) < 1e-15, "inverse")
        #expect(abs(try rates.rate(gbp, to: usd, on: july) - 1.15 * 1.2) < 1e-12, "through EUR")
        #expect(abs(try rates.rate(usd, to: gbp, on: march) - 1 / (1.15 * 1.1)) < 1e-12, "through EUR, the other way")
        #expect(throws: StoreError("no exchange rate from EUR to USD on or before 2023-12-31")) {
            try rates.rate(eur, to: usd, on: Dates.parseDate("2023-12-31")!)
        }
        // In the language: forward-looking money at today's rate, a cost at its period, or on a day given.
        let out = try Self.run("""
            contracts where id = "C-EUR" | select convert(value, "USD") as usd, convert(value, "CNY") as cny
            costs where contract = "C-EUR" | select id, convert(amount, "USD") as usd
            contracts where id = "C-EUR" | select convert(value, "USD", "2024-02-10") as usd
            contracts where id = "C-EUR" | select convert(value, "USD", "2023-06-01")
            contracts | select convert(value, "XYZ") | limit 1
            """, store: path, format: .csv)
        #expect(out.contains("usd,usd_currency,cny,cny_currency\r\n120000,USD,840000,CNY\r\n"), "\(out)")
        #expect(out.contains("X-1,1100,USD\r\nX-2,2400,USD\r\n"), "\(out)")
        #expect(out.contains("usd,usd_currency\r\n110000,USD\r\n"), "\(out)")
        #expect(out.contains("error: no exchange rate from EUR to USD on or before 2023-06-01"), "\(out)")
        #expect(out.contains("error: \"XYZ\" is not an ISO 4217 currency code"), "\(out)")
    }

    @Test func mixedCurrenciesAreRefusedWithoutAReportingCurrencyAndConvertedWithOne() throws {
        let path = try Self.store()
        let refused = try Self.run("contracts | select sum(value)", store: path)
        #expect(refused.contains("error: sum mixes CNY, EUR, GBP and USD, and no reporting currency is set"), "\(refused)")
        #expect(refused.contains("hint: set one (.currency CNY), or group by currency"), "\(refused)")
        // One currency at a time needs no conversion.
        let grouped = try Self.run("contracts | group by currency | select currency, sum(value) | order by currency", store: path, format: .csv)
        #expect(grouped == "currency,sum(value),sum(value)_currency\r\nCNY,700000,CNY\r\nEUR,100000,EUR\r\nGBP,20000,GBP\r\nUSD,50000,USD\r\n", "\(grouped)")
        // 100,000 EUR × 1.2 + 700,000 / 7 + 50,000 + 20,000 × 1.15 × 1.2 = 297,600 USD.
        #expect(try Self.number(".currency USD\ncontracts | select sum(value)", store: path) == 297_600)
        let settings = try Self.store(settings: #"{"currency": "USD"}"#)
        #expect(try Self.number("contracts | select sum(value)", store: settings) == 297_600, "settings.json names it too")
        #expect(try Self.number(".currency EUR\ncontracts | select max(value)", store: settings) == 100_000, "max converts")
        #expect(try Self.number(".currency EUR\ncontracts | select min(value)", store: settings) == 23_000, "min converts (20,000 GBP × 1.15)")
        // A vendor's spend and risk exposure cross its contracts: V-1 has EUR and USD costs and risks.
        let crossing = try Self.run("vendors where id = \"V-1\" | select spend, risk_exposure", store: path)
        #expect(crossing.contains("error: vendor.spend of V-1 mixes EUR, USD, and no reporting currency is set"), "\(crossing)")
        // Spend: 1,000 EUR at 1.1 (March) + 2,000 EUR at 1.2 (July) + 500 USD; exposure: 0.5 × 1,000 EUR at today's 1.2 + 0.1 × 2,000 USD.
        let converted = try Self.run(".currency USD\nvendors where id = \"V-1\" | select spend, risk_exposure", store: path, format: .csv)
        #expect(converted == "spend,spend_currency,risk_exposure,risk_exposure_currency\r\n4000,USD,800,USD\r\n", "\(converted)")
        // A contract's spend, summed across currencies, converts each cost at its period too: the same 4,000,
        // summed over vendors as over contracts (V-2 has no costs and no risks: nothing, in no currency, adds).
        #expect(try Self.number(".currency USD\ncontracts | select sum(spend)", store: path) == 4000)
        #expect(try Self.number(".currency USD\nvendors | select sum(spend)", store: path) == 4000)
        #expect(try Self.number(".currency USD\nvendors | select sum(risk_exposure)", store: path) == 800)
        let caps: Double = 90_000 + 800_000.0 / 7 + 60_000 + 25_000 * 1.38
        let remaining = try #require(try Self.number(".currency USD\ncontracts | select sum(remaining)", store: path))
        #expect(abs(remaining - (caps - 3500 - 500)) < 1e-6, "caps at today's rate, costs at their periods: \(remaining)")
        // A budget in another currency: remaining is in the budget's, each cost converted at its period.
        let eur = try Self.run("contracts where id = \"C-EUR\" | select spend, budget_cap, remaining", store: path, format: .csv)
        #expect(eur == "spend,spend_currency,budget_cap,budget_cap_currency,remaining,remaining_currency\r\n3000,EUR,90000,USD,86500,USD\r\n", "\(eur)")
    }

    @Test func moneyLiteralsArithmeticAndComparison() throws {
        let path = try Self.store()
        let out = try Self.run("""
            contracts where currency = "EUR" and value > 90k EUR | count
            contracts where value > 60k | count
            contracts where id = "C-USD" | select value + 1000, value * 2, value / 4, value / budget_cap, -value, round(value / 3, 2)
            contracts where id = "C-USD" | select value * value
            contracts where id = "C-EUR" | select value - budget_cap
            contracts where value > 101k USD | count
            .currency USD
            contracts where value > 101k USD | select id
            contracts where id = "C-EUR" | select value - budget_cap
            """, store: path, format: .csv)
        let lines = out.components(separatedBy: "\r\n")
        #expect(lines[0] == "1", "a literal in the same currency: \(out)")
        #expect(lines[1] == "2", "a bare number compares with the amounts as stored (700,000 CNY and 100,000 EUR): \(out)")
        #expect(out.contains("51000,USD,100000,USD,12500,USD,0.833333333333333,-50000,USD,16666.67,USD\r\n"), "\(out)")
        #expect(out.contains("error: cannot multiply money by money"), "\(out)")
        #expect(out.contains("error: '-' mixes EUR and USD, and no reporting currency is set"), "\(out)")
        #expect(out.contains("error: the comparison mixes EUR and USD, and no reporting currency is set"), "the first record's: \(out)")
        // With USD reporting, converted to the literal's currency: C-EUR is 120,000 USD today, C-CNY 100,000, the others less.
        #expect(out.contains("id\r\nC-EUR\r\n"), "\(out)")
        #expect(out.contains("30000,USD\r\n"), "100,000 EUR is 120,000 USD, less the 90,000 USD cap: \(out)")
        // Sorting amounts of several currencies: by what they are in the reporting currency when one is set
        // (C-EUR 120,000, C-CNY 100,000, C-USD 50,000, C-GBP 27,600 USD), else by currency, then amount.
        #expect(try Self.run(".currency USD\ncontracts | order by value desc | select id", store: path, format: .csv)
                == "id\r\nC-EUR\r\nC-CNY\r\nC-USD\r\nC-GBP\r\n")
        #expect(try Self.run("contracts | order by value | select id", store: path, format: .csv)
                == "id\r\nC-CNY\r\nC-EUR\r\nC-GBP\r\nC-USD\r\n")
        // The literal is parsed as an amount with its code, and printed back as one.
        guard case .query(let q) = try Parser.parse("contracts where value > 1.2m USD")[0], case .filter(let e) = q.stages[0].kind,
              case .binary(_, _, let r) = e.kind, case .literal(let literal) = r.kind else { Issue.record("no filter"); return }
        #expect(literal == .money(Money(1_200_000, Currency("USD")!)))
        // The code is written as ISO 4217 writes it: a lower-case word is not one.
        #expect(throws: Diagnostic.self) { try Parser.parse("contracts where value > 5 usd") }
    }

    @Test func everyOutputModeSaysTheCurrency() throws {
        let path = try Self.store()
        let one = "contracts where currency = \"EUR\" | select id, value"
        let mixed = "contracts | order by id | select id, value | limit 2"
        #expect(try Self.run(one, store: path).contains("│ id    │ value (EUR) │\n"))
        let table = try Self.run(mixed, store: path)
        #expect(table.contains("│ C-CNY │ 700,000 CNY │\n│ C-EUR │ 100,000 EUR │\n"), "each amount with its code: \(table)")
        #expect(try Self.run(mixed, store: path, format: .csv) == "id,value,value_currency\r\nC-CNY,700000,CNY\r\nC-EUR,100000,EUR\r\n")
        #expect(try Self.run(mixed, store: path, format: .json)
                == "[\n  {\"id\": \"C-CNY\", \"value\": 700000, \"value_currency\": \"CNY\"},\n  {\"id\": \"C-EUR\", \"value\": 100000, \"value_currency\": \"EUR\"}\n]\n")
        #expect(try Self.run(mixed, store: path, format: .jsonl)
                == "{\"id\": \"C-CNY\", \"value\": 700000, \"value_currency\": \"CNY\"}\n{\"id\": \"C-EUR\", \"value\": 100000, \"value_currency\": \"EUR\"}\n")
        #expect(try Self.run(one, store: path, format: .markdown).hasPrefix("| id | value (EUR) |\n"))
        #expect(try Self.run(mixed, store: path, format: .line).contains("value = 700,000 CNY\n"))
        let describe = try Self.run(".describe contracts\n.describe risks", store: path)
        #expect(describe.contains("budget_cap                number, money in its budget_currency, else its currency\n"), "\(describe)")
        #expect(describe.contains("impact                    number, money in its contract's currency, else its currency, else the reporting currency\n"), "\(describe)")
        #expect(describe.contains("remaining                 money   budget_cap − spend"), "\(describe)")
    }

    @Test func badRatesAndCodesAreReportedWithFileRecordAndField() throws {
        let path = try Self.store(settings: #"{"currency": "DOLLARS"}"#, rates: [
            #"{"from": "EUR", "to": "USD", "date": "2024-01-01", "rate": 1.1}"#,
            #"{"from": "EUR", "to": "USD", "date": "2024-01-01", "rate": 1.3}"#,
            #"{"from": "EUR", "to": "USD", "date": "2024-02-01", "rate": 0}"#,
            #"{"from": "EUR", "to": "USD", "date": "2024-03-01", "rate": -2}"#,
            #"{"from": "EURO", "to": "USD", "date": "2024-01-01", "rate": 1}"#,
        ])
        try #"[{"id": "R-1", "vendor": "V-1", "title": "x", "category": "delivery", "likelihood": 0.1, "impact": 5, "status": "open", "currency": "usd"}]"#
            .write(toFile: path + "/risks.json", atomically: true, encoding: .utf8)
        let out = try Self.run("rates | count\nrisks | count\n.problems", store: path)
        #expect(out.contains("settings.json: field 'currency': expected an ISO 4217 currency code, found \"DOLLARS\"; no reporting currency is set"), "\(out)")
        #expect(out.contains("rates.json: record 2: field 'date': a second record with from \"EUR\", to \"USD\", date \"2024-01-01\" (the first is record 1); the first is used"), "\(out)")
        #expect(out.contains("rates.json: record 3: field 'rate': expected a number above 0, found 0"), "\(out)")
        #expect(out.contains("rates.json: record 4: field 'rate': expected a number above 0, found -2"), "\(out)")
        #expect(out.contains("rates.json: record 5: field 'from': expected an ISO 4217 currency code, found \"EURO\" (did you mean \"EUR\"?)"), "\(out)")
        #expect(out.contains("risks.json: record 1 (id R-1): field 'currency': expected an ISO 4217 currency code, found \"usd\" (did you mean \"USD\"?)"), "\(out)")
        // The duplicate's first rate is the one used; the bad ones take no part.
        let store = try Store(path: path, today: Self.today)
        #expect(try store.rates().rate(Currency("EUR")!, to: Currency("USD")!, on: Self.today) == 1.1)
        // A missing rate is an error naming both currencies and the day, never a null.
        let missing = try Self.run(".currency USD\ncontracts | select sum(value)", store: path)
        #expect(missing.contains("error: no exchange rate from CNY to USD on or before 2024-08-15"), "\(missing)")
        let dashC = try Fixture.vq(["--store", path, "--currency", "usdx", "-c", "vendors | count"])
        #expect(dashC.status == 2 && dashC.stderr.contains("--currency needs an ISO 4217 code"), "\(dashC.stderr)")
    }

    /// A stored amount is a plain number in the record's currency: money in
    /// another is refused, never written as if it were; rates keep one a pair a day.
    @Test func changesKeepAmountsInTheirRecordsCurrency() throws {
        let path = try Self.store()
        let out = try Self.run("""
            insert into costs {id: "X-9", contract: "C-EUR", period: "2024-08", category: "travel", amount: 100 USD}
            insert into costs {id: "X-9", contract: "C-EUR", period: "2024-08", category: "travel", amount: 100 EUR}
            update contracts set value = 5m CNY where id = "C-USD"
            update contracts set value = value * 1.1, budget_cap = convert(budget_cap, "USD") where id = "C-USD"
            update contracts set budget_cap = 100k EUR where id = "C-EUR"
            insert into rates {from: "EUR", to: "USD", date: "2024-06-01", rate: 1.25}
            insert into rates {from: "EUR", to: "USD", date: "2024-09-01", rate: 1.25}
            costs where id = "X-9" | select amount
            contracts where id = "C-USD" | select value
            """, store: path)
        for expected in [
            "error: costs.json, new record 1, field amount: an amount in USD, but the field is in EUR (money in its contract's currency, valued at its period)",
            "inserted 1 record into costs",
            "error: contracts.json, record 3 (id C-USD), field value: an amount in CNY, but the field is in USD",
            "updated 1 record of contracts",
            "error: contracts.json, record 1 (id C-EUR), field budget_cap: an amount in EUR, but the field is in USD (money in its budget_currency, else its currency)",
            "error: rates.json, new record 1: record 2 already has from \"EUR\", to \"USD\", date \"2024-06-01\"",
            "inserted 1 record into rates",
            "│          100 │",
            "│      55,000 │",
        ] {
            #expect(out.contains(expected), "\(expected) in \(out)")
        }
    }

    @Test func currencyCommandShowsTheReportingCurrencyAndTodaysRates() throws {
        let path = try Self.store()
        let none = try Self.run(".currency", store: path)
        #expect(none.hasPrefix("no reporting currency"), "\(none)")
        let shown = try Self.run(".currency usd\n.currency", store: path)
        #expect(shown.contains("reporting currency: USD (set in this session)\n"), "\(shown)")
        for line in ["│ CNY      │", "0.1429 │", "│ EUR      │", "1.2000 │", "│ GBP      │", "1.3800 │", "1 unit in USD on 2024-08-15"] {
            #expect(shown.contains(line), "\(line) in \(shown)")
        }
        let wrong = try Self.run(".currency usdd", store: path)
        #expect(wrong.contains("error: 'usdd' is not an ISO 4217 currency code"), "\(wrong)")
    }

    // MARK: Simulations in the reporting currency

    static func cost(_ statement: String, store path: String, currency: String? = nil) throws -> CostResult {
        let store = try Store(path: path, today: Self.today)
        if let currency { store.reportingCurrency = Currency(currency) }
        guard case .simulate(let s) = try Parser.parse(statement)[0] else { throw Diagnostic("not a simulation") }
        let evaluator = Evaluator(store: store, environment: Environment(), source: SourceText(statement), isCancelled: { false })
        guard case .cost(let r) = try Simulator(store: store, evaluator: evaluator, isCancelled: { false }, progress: nil).run(s) else {
            throw Diagnostic("not a cost simulation")
        }
        return r
    }

    @Test func aPortfolioIsTheSumOfItsContractsConverted() throws {
        let path = try Self.store()
        // Alone, a contract is simulated in its own currency (C-EUR's USD budget converted into it);
        // C-USD comes with its vendor's euro risk, so it needs a reporting currency.
        #expect(try Self.cost("simulate cost of \"C-EUR\" trials 100", store: path).currency.code == "EUR")
        #expect(try Self.cost("simulate cost of \"C-CNY\" trials 100", store: path).currency.code == "CNY")
        #expect(throws: Diagnostic.self) { try Self.cost("simulate cost of \"C-USD\" trials 100", store: path) }
        let ids = ["C-EUR", "C-CNY", "C-USD", "C-GBP"]
        let each = try ids.map { try Self.cost("simulate cost of \"\($0)\" trials 100", store: path, currency: "USD") }
        let refused = #expect(throws: Diagnostic.self) { try Self.cost("simulate cost of (contracts where status = \"draft\") trials 100", store: path) }
        #expect(refused?.message.contains("the money simulated is in CNY, EUR, GBP, USD, and no reporting currency is set") == true, "\(String(describing: refused))")
        let portfolio = try Self.cost("simulate cost of (contracts where status = \"draft\") trials 100", store: path, currency: "USD")
        #expect(portfolio.currency.code == "USD")
        // Each contract's own figures at today's rate: EUR 1.2, CNY 1/7, USD 1, GBP 1.15 × 1.2; C-USD's risk 0.1 × 2,000 USD.
        #expect(abs(each[0].cases[0].expected - (100_000 * 1.2 + 600)) < 1e-6, "\(each[0].cases[0].expected)")
        #expect(abs(each[1].cases[0].expected - 100_000) < 1e-6, "\(each[1].cases[0].expected)")
        #expect(abs(each[2].cases[0].expected - (50_000 + 200 + 600)) < 1e-6, "\(each[2].cases[0].expected)")
        #expect(abs(each[3].cases[0].expected - (20_000 * 1.38 + 600)) < 1e-6, "\(each[3].cases[0].expected)")
        // V-1's own risk (0.5 × 1,000 EUR = 600 USD) comes with each of its three contracts alone, and once in the portfolio.
        let converted = each.map(\.cases[0].expected).reduce(0, +) - 2 * 600
        #expect(abs(portfolio.cases[0].expected - converted) < 1e-6 * converted, "\(portfolio.cases[0].expected) vs \(converted)")
        // The budget caps too, each from its own currency (C-EUR's is already USD).
        #expect(abs(portfolio.cases[0].budgetCap - (90_000 + 800_000.0 / 7 + 60_000 + 25_000 * 1.38)) < 1e-6)
    }

    /// An active contract in the reporting currency: what it recorded converts at each
    /// cost's period, the forecast at today's rate, and only the forecast moves with fx.
    @Test func toDateConvertsAtEachPeriodAndTheForecastAtTodaysRate() throws {
        let path = try Self.store(status: "active")
        let r = try Self.cost("simulate cost of \"C-EUR\" with fx = 1.1 trials 200", store: path, currency: "USD")
        // 1,000 EUR in March at 1.1 and 2,000 in July at 1.2; 17 of 24 months left of 100,000 EUR at today's 1.2.
        #expect(r.cases[0].breakdown.toDate == 1000 * 1.1 + 2000 * 1.2)
        #expect(abs(r.cases[0].breakdown.base - 100_000.0 / 24 * 17 * 1.2) < 1e-6)
        #expect(r.cases[1].breakdown.toDate == r.cases[0].breakdown.toDate, "fx moves no recorded money")
        #expect(abs(r.cases[1].breakdown.base - r.cases[0].breakdown.base * 1.1) < 1e-6)
    }

    @Test func fxMovesOnlyForeignMoneyByExactlyTheFactor() throws {
        let path = try Self.store()
        func expected(_ id: String, _ levers: String, currency: String) throws -> Double {
            try Self.cost("simulate cost of \"\(id)\"" + (levers.isEmpty ? "" : " with " + levers) + " trials 200", store: path, currency: currency).cases[1].expected
        }
        for id in ["C-CNY", "C-GBP"] {
            let base = try expected(id, "", currency: "USD")
            #expect(abs(try expected(id, "fx = 1.08", currency: "USD") - base * 1.08) < 1e-6 * base, "\(id) is foreign")
        }
        // C-USD is already in USD: only its vendor's euro risk (600 USD expected) moves.
        #expect(abs(try expected("C-USD", "fx = 1.08", currency: "USD") - (try expected("C-USD", "", currency: "USD")) - 0.08 * 600) < 1e-6)
        #expect(try expected("C-CNY", "fx = 1.08", currency: "CNY") == (try expected("C-CNY", "", currency: "CNY")), "in CNY, reporting CNY")
        // A CNY contract with a CNY cap: the cost and the cap move together, so P(over budget) does not.
        let cny = try Self.cost("simulate cost of \"C-CNY\" with fx = 1.08 trials 2000", store: path, currency: "USD")
        #expect(cny.cases[0].overBudget == cny.cases[1].overBudget)
        #expect(abs(cny.cases[1].budgetCap - cny.cases[0].budgetCap * 1.08) < 1e-6)
    }

    @Test func fxVolatilityKeepsTheMeanAndWidensTheSpread() throws {
        let path = try Self.store()
        let r = try Self.cost("simulate cost of (contracts where status = \"draft\") with fx_volatility = 20% trials 40000 seed 5", store: path, currency: "USD")
        let base = r.cases[0], scenario = r.cases[1]
        #expect(abs(scenario.expected - base.expected) < 1e-9 * base.expected, "the factor has mean 1: the exact expectation does not move")
        #expect(abs(scenario.distribution.mean - base.expected) < 3 * scenario.distribution.halfWidth + 1e-9,
                "\(scenario.distribution.mean) ± \(scenario.distribution.halfWidth) vs \(base.expected)")
        #expect(scenario.distribution.p90 - scenario.distribution.p10 > 3 * (base.distribution.p90 - base.distribution.p10), "the spread grows")
        let again = try Self.cost("simulate cost of (contracts where status = \"draft\") with fx_volatility = 20% trials 40000 seed 5", store: path, currency: "USD")
        #expect(again.cases[1].distribution.p50 == scenario.distribution.p50, "same seed, same numbers")
    }

    /// C-EUR costs 100,000 EUR against a 90,000 USD cap: at today's 1.2 that is
    /// 120,000 USD, always over; in EUR terms the same. Judged in USD with USD
    /// reporting, or in CNY: the answer does not depend on the reporting currency.
    @Test func overBudgetIsJudgedInTheBudgetsCurrency() throws {
        let path = try Self.store()
        for currency in ["USD", "CNY", "EUR"] {
            let r = try Self.cost("simulate cost of \"C-EUR\" trials 500", store: path, currency: currency)
            #expect(r.cases[0].overBudget == 1, "\(currency)")
        }
        // Cheaper euros (fx = 0.7: 84,000 USD) bring it under the USD cap.
        let cheaper = try Self.cost("simulate cost of \"C-EUR\" with fx = 0.7 trials 500", store: path, currency: "USD")
        #expect(cheaper.cases[1].overBudget == 0)
        // Its own currency (EUR) reporting: the USD cap is the foreign money, so fx moves it the other way.
        let inEUR = try Self.cost("simulate cost of \"C-EUR\" with fx = 1.5 trials 500", store: path, currency: "EUR")
        #expect(inEUR.cases[1].overBudget == 0, "a dearer dollar makes the USD budget worth more euros")
    }
}
