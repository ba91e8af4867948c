import Foundation
import Testing
@testable import VQLanguage
@testable import VQSession
@testable import VQSupport

/// Mangled statements never crash vq: statements from the golden transcripts
/// and the README, with characters and tokens deleted, inserted, repeated and
/// swapped, either parse or fail with a diagnostic that points inside the text,
/// and those that parse run (read-only) to a result or an error.
/// `VQ_FUZZ_RUNS` sets the number of cases (default 5000; the README gives a long run).
@Suite struct FuzzTests {
    static let runs = ProcessInfo.processInfo.environment["VQ_FUZZ_RUNS"].flatMap(Int.init) ?? 5000

    /// Statement lines to start from: queries, lets, expressions and mutations.
    static func corpus() throws -> [String] {
        let golden = Fixture.packageRoot.appendingPathComponent("Tests/VQKitTests/Golden")
        var lines: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: golden.path) where file.hasSuffix(".vq") {
            let text = try String(contentsOf: golden.appendingPathComponent(file), encoding: .utf8)
            lines += text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.hasPrefix(".") }
        }
        return lines
    }

    static let pieces = ["|", ",", "(", ")", "[", "]", "{", "}", ".", "\"", "'", "-", "--", "#", "%", "$", "_", "*", "/",
                         "+", "=", "!=", "<", ">=", " ", "\n", ";", "0", "1e308", "95%", "1.2m", "顺丰", "😀", "\\",
                         "where", "select", "order by", "group by", "limit", "count", "distinct", "not", "and", "or", "in",
                         "between", "like", "contains", "is null", "as", "desc", "let", "param", "insert into", "update",
                         "set", "delete from", "cascade", "undo", "simulate", "cost", "risk", "of", "with", "trials",
                         "seed", "vendors", "contracts", "kpis", "measurements", "on_time", "vendor.contracts", "_",
                         "avg(", "round(", "percentile(", "coalesce(", "today()", "null", "true"]

    static func mangle(_ text: String, _ rng: inout Xoshiro256) -> String {
        var chars = Array(text)
        for _ in 0..<rng.int(1...3) {
            let i = chars.isEmpty ? 0 : rng.int(0...chars.count)
            switch rng.int(0...4) {
            case 0 where !chars.isEmpty:
                let end = min(chars.count, i + rng.int(1...6))
                if i < end { chars.removeSubrange(i..<end) }
            case 1 where i + 1 < chars.count:
                chars.swapAt(i, i + 1)
            case 2 where !chars.isEmpty:
                let start = rng.int(0...(chars.count - 1))
                let piece = chars[start..<min(chars.count, start + rng.int(1...8))]
                chars.insert(contentsOf: piece, at: i)
            default:
                chars.insert(contentsOf: " " + rng.pick(pieces) + " ", at: i)
            }
        }
        return String(chars)
    }

    @Test func mangledStatementsNeverCrash() throws {
        let corpus = try Self.corpus()
        #expect(corpus.count > 100)
        let output = Output()
        let session = Session(store: try Fixture.store(), write: output.append, writeError: output.append)
        session.readOnly = "the fuzz test's store is read-only"
        var rng = Xoshiro256(seed: 21)
        var parsed = 0, failed = 0
        for _ in 0..<Self.runs {
            let text = Self.mangle(rng.pick(corpus), &rng)
            do {
                let statements = try Parser.parse(text)
                parsed += 1
                // Meta-commands could write files, and a simulation's trials could be huge: parsed only.
                let runnable = statements.allSatisfy {
                    switch $0 {
                    case .meta, .simulate, .binding(_, _, .simulation): false
                    default: true
                    }
                }
                output.clear()
                if runnable, !session.run(text) {
                    #expect(output.text.contains("error:"), "\(text)")
                }
            } catch {
                failed += 1
                if let range = error.range {
                    #expect(range.start >= 0 && range.start <= range.end && range.end <= text.utf8.count, "\(text): \(range)")
                }
                #expect(!error.render(source: text).isEmpty)
            }
        }
        // Both kinds must be well represented for the test to mean anything.
        #expect(parsed > Self.runs / 10 && failed > Self.runs / 10, "\(parsed) parsed, \(failed) refused")
    }

    /// Mangled store files (as a careless hand edit or a broken export leaves
    /// them) are reported, never a crash: each query answers or names the file.
    @Test func mangledStoreFilesNeverCrash() throws {
        let source = Fixture.storePath
        let vendors = try String(contentsOfFile: source + "/vendors.json", encoding: .utf8)
        let contracts = try String(contentsOfFile: source + "/contracts.json", encoding: .utf8)
        var rng = Xoshiro256(seed: 22)
        var answered = 0, refused = 0
        for _ in 0..<max(1, Self.runs / 20) {
            let dir = Fixture.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            // Byte-level damage, and JSON-level: brackets, quotes, commas, values of the wrong type.
            var damaged = [vendors, contracts]
            let which = rng.int(0...1)
            for _ in 0..<rng.int(1...4) {
                var chars = Array(damaged[which])
                let i = rng.int(0...(chars.count - 1))
                let junk = rng.pick(["", "[", "]", "{", "}", "\"", ",", ":", "null", "\"x\"", "-1e999", "\\u12", "顺", "\n"])
                chars.replaceSubrange(i..<min(chars.count, i + rng.int(0...3)), with: Array(junk))
                damaged[which] = String(chars)
            }
            try damaged[0].write(toFile: dir + "/vendors.json", atomically: false, encoding: .utf8)
            try damaged[1].write(toFile: dir + "/contracts.json", atomically: false, encoding: .utf8)
            let out = try Fixture.transcript("vendors | count\ncontracts | select id, vendor.name, value | order by value | limit 3",
                                             store: dir, keepGoing: true)
            if out.contains("error: cannot read") {
                refused += 1
                #expect(out.contains("vendors.json") || out.contains("contracts.json"), "\(out.prefix(400))")
            } else {
                answered += 1
            }
        }
        #expect(answered > 0 && refused > 0, "\(answered) answered, \(refused) refused")
    }
}
