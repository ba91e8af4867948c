import Testing
@testable import VQLanguage
@testable import VQSimulation
@testable import VQSupport

/// Lexer and parser, table-driven, including where errors point.
@Suite struct LexerTests {
    static let numbers: [(String, Double)] = [
        ("1200", 1200), ("1_200", 1200), ("12.5", 12.5), ("95%", 0.95), ("50k", 50_000), ("1.2m", 1_200_000),
        ("2K", 2000), ("1e3", 1000), ("0.5%", 0.005),
    ]

    @Test(arguments: numbers)
    func numberLiterals(_ text: String, _ value: Double) {
        let tokens = Lexer(text).tokens()
        guard case .number(let v, let t) = tokens[0].kind else {
            Issue.record("\(text) lexed as \(tokens[0].kind)")
            return
        }
        #expect(abs(v - value) < 1e-9 * max(1, value))
        #expect(t == text)
    }

    @Test func tokensAndRanges() {
        let tokens = Lexer("vendors where name = '顺丰' | limit 5 # comment").tokens()
        let kinds = tokens.map(\.kind)
        #expect(kinds == [.identifier("vendors"), .identifier("where"), .identifier("name"), .symbol("="),
                          .string("顺丰"), .symbol("|"), .identifier("limit"), .number(5, "5"), .end])
        #expect(tokens[4].range == SourceRange(21, 29))
    }

    @Test func operatorsAndComments() {
        let kinds = Lexer("a <> b != c <= d >= e -- note\n.mode csv").tokens().map(\.kind)
        #expect(kinds.contains(.symbol("!=")))
        #expect(kinds.filter { $0 == .symbol("!=") }.count == 2)
        #expect(kinds.contains(.meta(name: "mode", arguments: "csv")))
        #expect(!kinds.contains(.identifier("note")))
    }

    @Test(arguments: [
        ("\"open", "unterminated string"), ("12abc", "malformed number"), ("a @ b", "unexpected character '@'"), ("$", "'$' must be followed"),
    ])
    func invalidTokens(_ text: String, _ message: String) {
        let invalid = Lexer(text).tokens().compactMap { t -> String? in
            if case .invalid(let why) = t.kind { return why }
            return nil
        }
        #expect(invalid.first?.hasPrefix(message) == true, "\(invalid)")
    }

    @Test(arguments: [
        ("vendors\nvendors | count", 2),
        ("vendors |\n where rating > 3", 1),
        ("vendors\n| where rating > 3\n| count", 1),
        ("vendors where category in (\n'a',\n'b')", 1),
        ("vendors; contracts; kpis", 3),
        ("vendors where name = 'a\nb'", 1),
        ("vendors | select id,\n name", 1),
        (".mode csv\nvendors\n\n.mode table", 3),
    ])
    func statementSplitting(_ text: String, _ count: Int) {
        #expect(Lexer(text).statements().count == count)
    }

    @Test(arguments: [
        ("vendors |", true), ("vendors where x in (1,", true), ("vendors where name = 'abc", true),
        ("vendors | count", false), ("(vendors", true), (".mode csv", false), ("select a,", true),
    ])
    func needsMoreInput(_ text: String, _ more: Bool) {
        #expect(Lexer(text).needsMoreInput() == more)
    }
}

@Suite struct ParserTests {
    @Test(arguments: [
        "vendors", "vendors where rating < 3 | count", "vendors | where a = 1 | select a, b as c | order by c desc, a | limit 3",
        "vendors sort by x asc take 5", "contracts | group by vendor.category as c | select c, count()",
        "vendors | distinct", "(vendors where a = 1) | count", "let x = vendors where a > 1", "let t = 0.9",
        "param t = 95%", "1 + 2 * 3", "vendors where a not in (1, 2) and b not between 1 and 2 or c is not null",
        "vendors where name not like '%x' and not (a contains 'y')", "vendors | select count(*)", "$p * 2", "_ | count",
        "simulate cost of \"C-0042\" with discount = 5%, change_requests = 3 trials 1000 seed 7",
        "simulate risk of (vendors where category = 'logistics')", "let s = simulate cost with fx = 1.1",
    ])
    func parses(_ source: String) throws {
        _ = try Parser.parse(source)
    }

    /// `trials` and `seed` may come in either order, each once.
    @Test(arguments: ["simulate cost trials 1000 seed 7", "simulate cost seed 7 trials 1000"])
    func trialsAndSeedInEitherOrder(_ source: String) throws {
        guard case .simulate(let s) = try Parser.parse(source)[0],
              case .literal(.number(1000))? = s.trials?.kind, case .literal(.number(7))? = s.seed?.kind else {
            Issue.record("trials and seed not both read from \(source)")
            return
        }
    }

    @Test func precedence() throws {
        guard case .expression(let e) = try Parser.parse("1 + 2 * 3 = 7 and not false or true")[0],
              case .binary(.or, let left, _) = e.kind, case .binary(.and, let cmp, _) = left.kind,
              case .binary(.equal, let sum, _) = cmp.kind, case .binary(.add, _, let product) = sum.kind,
              case .binary(.multiply, _, _) = product.kind else {
            Issue.record("wrong tree")
            return
        }
    }

    /// Each source marks with `^` the column its error must point at.
    static let errors: [(String, String, String)] = [
        ("vendors where", "             ^", "expected a value"),
        ("vendors wher rating > 3", "        ^", "did you mean 'where'?"),
        ("vendors | selct a", "          ^", "did you mean 'select'?"),
        ("vendors where a = (1 + 2", "                        ^", "expected ')'"),
        ("vendors where a in 1", "                   ^", "expected '(' to start the list"),
        ("vendors order x", "              ^", "expected 'by'"),
        ("vendors where a is 3", "                   ^", "expected 'null'"),
        ("vendors | count(", "          ^", "expected a stage"),
        ("vendors where a = 'x", "                  ^", "unterminated string"),
        ("vendors where a between 1", "                         ^", "expected 'and'"),
        ("vendors | select a as", "                     ^", "expected a column name"),
        ("insert vendors {}", "       ^", "expected 'into'"),
        ("update vendors set rating 3", "                          ^", "expected '=' after the field name"),
        ("simulate cost with discont = 5%", "                   ^", "did you mean 'discount'?"),
        ("simulate costs", "         ^", "expected 'cost' or 'risk'"),
        ("simulate cost seed 1 seed 2", "                     ^", "expected the end of the statement"),
    ]

    @Test(arguments: errors)
    func errorPositions(_ source: String, _ caret: String, _ message: String) {
        do {
            _ = try Parser.parse(source, levers: Lever.names)
            Issue.record("\(source) parsed")
        } catch {
            #expect(error.range?.start == caret.count - 1, "\(error.message) at \(String(describing: error.range))")
            let text = error.message + (error.hint.map { " " + $0 } ?? "")
            #expect(text.contains(message), "\(text)")
        }
    }

    /// Statements nested past the limit, however they nest, are refused with an
    /// error rather than overflowing the stack; 100 levels are fine. Each case is
    /// the text before, a part repeated n times, the middle, a part repeated n times.
    @Test(arguments: [
        ("vendors | select ", "(", "1", ")"),
        ("vendors | select 1", " + 1", "", ""),
        ("vendors where true", " or false", "", ""),
        ("vendors where ", "not ", "true", ""),
        ("vendors | select ", "- ", "1", ""),
        ("", "(", "vendors", ")"),
        ("insert into vendors {id: ", "[", "", "]"),
    ])
    func deepNestingIsRefused(_ head: String, _ open: String, _ middle: String, _ close: String) throws {
        func nested(_ n: Int) -> String {
            head + String(repeating: open, count: n) + middle + String(repeating: close, count: n) + (head.hasPrefix("insert") ? "}" : "")
        }
        _ = try Parser.parse(nested(100))
        do {
            _ = try Parser.parse(nested(30_000))
            Issue.record("30 000 levels parsed")
        } catch {
            #expect(error.message.contains("nested too deeply"))
            // The echo of such a line shows the place, not the whole line.
            #expect(error.render(source: nested(30_000)).count < 400)
        }
    }

    @Test func renderedCaretCountsWideCharacters() {
        let d = Diagnostic("unknown field 'x'", at: SourceRange(30, 31))
        let text = d.render(source: "vendors where name = '顺丰' x", origin: "a.vq")
        #expect(text == "a.vq:1:27: error: unknown field 'x'\n  vendors where name = '顺丰' x\n  " + String(repeating: " ", count: 28) + "^")
    }
}

@Suite struct SuggestTests {
    @Test(arguments: [
        ("ontime", ["on_time", "spend"], "on_time"), ("vendor", ["vendors", "contracts"], "vendors"),
        ("slect", ["select", "where"], "select"), ("avgg", ["avg", "sum"], "avg"), ("xyz", ["vendors"], nil),
    ])
    func closest(_ word: String, _ candidates: [String], _ expected: String?) {
        #expect(Suggest.closest(to: word, in: candidates) == expected)
    }
}

/// The README's language reference and `grammar/vq.ebnf` describe the language
/// the parser implements: every keyword of the grammar is in the reference, and
/// every example statement of the reference parses.
@Suite struct ReferenceTests {
    static func read(_ path: String) throws -> String {
        try String(contentsOf: Fixture.packageRoot.appendingPathComponent(path), encoding: .utf8)
    }

    static func languageReference() throws -> String {
        let readme = try read("README.md")
        let start = try #require(readme.range(of: "## Language reference"))
        let end = try #require(readme.range(of: "\n## The model"))
        return String(readme[start.lowerBound..<end.lowerBound])
    }

    @Test func everyKeywordOfTheGrammarIsInTheReference() throws {
        let grammar = try Self.read("grammar/vq.ebnf")
        let reference = try Self.languageReference()
        let keywords = Set(grammar.split(separator: "\"").enumerated()
            .filter { $0.offset % 2 == 1 && $0.element.allSatisfy { $0.isLetter || $0 == "_" } && !$0.element.isEmpty }
            .map { String($0.element) })
        #expect(keywords.count > 40)
        for word in keywords.sorted() {
            #expect(reference.contains(word), "grammar keyword '\(word)' is not in the README's language reference")
        }
    }

    /// Example statements: the lines of the reference's code blocks, less the
    /// syntax summaries (which use placeholders such as TARGET and `…`), and
    /// the statements of the README's tour.
    @Test func everyExampleInTheReferenceParses() throws {
        var examples: [String] = []
        var fenced = false
        for line in try Self.languageReference().split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { fenced.toggle(); continue }
            guard fenced || line.hasPrefix("    ") else { continue }
            let text = line.trimmingCharacters(in: .whitespaces)
            let placeholder = text.contains("…") || text.contains(":=") || text.contains("TARGET") || text.hasPrefix("|")
            if text.isEmpty || placeholder { continue }
            // An insert's record may go on over the following lines.
            if let last = examples.last, Lexer(last).needsMoreInput() {
                examples[examples.count - 1] += "\n" + text
            } else {
                examples.append(text)
            }
        }
        // And every statement typed at a `vq>` prompt anywhere in the README.
        let readme = try Self.read("README.md")
        for line in readme.split(separator: "\n") where line.hasPrefix("vq> ") {
            examples.append(String(line.dropFirst(4)))
        }
        #expect(examples.count >= 25)
        for example in examples {
            #expect(throws: Never.self, "\(example)") { try Parser.parse(example) }
        }
    }
}
