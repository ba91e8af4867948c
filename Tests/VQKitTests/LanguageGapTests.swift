import Foundation
import Testing
@testable import VQEngine
@testable import VQLanguage
@testable import VQModel
@testable import VQSupport

/// Gaps an outside test found in the language (issue 9, items 8–13).
@Suite struct LanguageGapTests {
    @Test func anExpressionMayStartWithAVariableOrTheLastResult() throws {
        let out = try Fixture.transcript("""
            let t = 0.9
            t + 1
            t * 2 > 1
            vendors | count
            _ + 1
            vendors
            _ + 1
            """)
        let lines = out.split(separator: "\n")
        #expect(Array(lines.prefix(4)) == ["1.9", "true", "30", "31"], "\(out)")
        #expect(out.contains("error: _ is the previous result's rows, not a single value"))
    }

    @Test func aCommentMayFollowAMetaCommand() throws {
        let out = try Fixture.transcript(".describe vendors -- the fields\n.mode csv -- for the memo\nvendors | count # how many\n.mode table # back\n")
        #expect(!out.contains("error"), "\(out)")
        #expect(out.hasPrefix("vendors — 30 records"))
        #expect(out.hasSuffix("30\r\n"), "csv mode was set")
        #expect(Lexer.strippingComment("read scripts/a#b.vq") == "read scripts/a#b.vq", "a # inside a word is not a comment")
    }

    @Test func aScriptsDefaultsHoldOnlyWhileItRuns() throws {
        let dir = Fixture.temporaryDirectory()
        try "param top = 25\n$top\n".write(toFile: dir + "/a.vq", atomically: true, encoding: .utf8)
        try "param top = 20\n$top\n".write(toFile: dir + "/b.vq", atomically: true, encoding: .utf8)
        let out = try Fixture.transcript(".read \(dir)/a.vq\n.read \(dir)/b.vq\n$top\n")
        #expect(out.hasPrefix("25\n20\n"), "\(out)")
        #expect(out.contains("unknown parameter '$top'"), "no default is left behind")
        let set = try Fixture.transcript(".read \(dir)/a.vq\n.read \(dir)/b.vq\n", settings: ["top": .number(3)])
        #expect(set == "3\n3\n", "--set still wins")
    }

    @Test func updateSetsAList() throws {
        let path = try MutationTests.copyOfStore()
        let out = try Fixture.transcript("""
            update vendors set certifications = ["ISO 9001", upper("soc 2")] where id = "V-0001"
            vendors where id = "V-0001" | select certifications
            """, store: path)
        #expect(out.contains("updated 1 record of vendors") && out.contains("ISO 9001, SOC 2"), "\(out)")
        let refused = try Fixture.transcript(#"update vendors set certifications = [1, 2] where id = "V-0001""#, store: path)
        #expect(refused.contains("error") && refused.contains("certifications"), "\(refused)")
    }

    @Test func datesHaveArithmetic() throws {
        let out = try Fixture.transcript("""
            today() + 30
            today() - 30
            30 + today()
            today() - "2025-01-01"
            add_months("2024-01-31", 1)
            add_months("2024-03-31", -1)
            add_months(today(), 12) - today()
            today() + 1.5
            """)
        let lines = out.split(separator: "\n")
        #expect(Array(lines.prefix(7)) == ["2025-07-30", "2025-05-31", "2025-07-30", "180", "2024-02-29", "2024-02-29", "365"], "\(out)")
        #expect(out.contains("a date moves by whole days, found 1.5"))
    }

    /// Date arithmetic agrees with days_between and months_between for any day and count.
    @Test func dateArithmeticAgreesWithTheBetweenFunctions() throws {
        var rng = Xoshiro256(seed: 5)
        for _ in 0..<2000 {
            let day = Dates.days(year: 1990, month: 1, day: 1) + Int(rng.next() % 20_000)
            let n = Int(rng.next() % 400) - 200
            let d = Value.date(day)
            #expect(Dates.wholeMonths(from: day, to: Dates.addMonths(n, to: day)) == n, "\(Dates.format(day: day)) + \(n) months")
            let later = try Operators.calendar(.add, d, .number(Double(n)), at: SourceRange(0, 0))
            guard case .date(let e)? = later else { Issue.record("no date"); continue }
            #expect(try Operators.calendar(.subtract, .date(e), d, at: SourceRange(0, 0)) == .number(Double(n)))
        }
    }

    @Test(arguments: [
        ("select name from vendors", "vq starts with the collection: vendors | select name"),
        ("SELECT * FROM vendors", "vq starts with the collection: vendors"),
        ("select name, rating from vendors where rating > 4", "vq starts with the collection: vendors | where rating > 4 | select name, rating"),
        (#"vendors where status == "active""#, #"status = "active""#),
        (#"vendors where rating > 3 && status = "active""#, #"rating > 3 and status = "active""#),
        (#"vendors where rating > 3 || status = "active""#, #"rating > 3 or status = "active""#),
    ])
    func sqlHabitsGetTheVqForm(_ statement: String, _ hint: String) throws {
        let out = try Fixture.transcript(statement)
        #expect(out.contains("error: ") && out.contains("hint: " + hint), "\(out)")
    }
}
