import Foundation
import Testing

/// Golden transcripts: each `Golden/NAME.vq` runs against the seeded test store
/// and its whole output, errors included, must equal `Golden/NAME.out`. A
/// missing `.out` is written and the test fails, so it is reviewed once.
@Suite struct GoldenTests {
    static let directory = Fixture.packageRoot.appendingPathComponent("Tests/VQKitTests/Golden")

    static var scripts: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".vq") }.sorted()
    }

    @Test(arguments: scripts)
    func transcript(_ name: String) throws {
        let script = GoldenTests.directory.appendingPathComponent(name)
        let expectedURL = script.deletingPathExtension().appendingPathExtension("out")
        let actual = try Fixture.transcript(String(contentsOf: script, encoding: .utf8), origin: name)
        try GoldenTests.compare(actual, with: expectedURL)
    }

    /// `actual` must equal the file; a missing file (or any, with VQ_RECORD set)
    /// is written and the test fails, so that it is reviewed once.
    static func compare(_ actual: String, with expectedURL: URL) throws {
        guard let expected = try? String(contentsOf: expectedURL, encoding: .utf8),
              ProcessInfo.processInfo.environment["VQ_RECORD"] == nil else {
            try FileManager.default.createDirectory(at: expectedURL.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: expectedURL, atomically: true, encoding: .utf8)
            Issue.record("recorded \(expectedURL.lastPathComponent); review it and run again")
            return
        }
        #expect(actual == expected, "the output differs from \(expectedURL.lastPathComponent)")
        if actual != expected {
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            if let i = zip(a, e).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                Issue.record("first difference at line \(i + 1):\n  got:      \(a[i])\n  expected: \(e[i])")
            }
        }
    }

    /// Each script has its transcript, and each transcript its script.
    @Test func everyScriptHasATranscript() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: GoldenTests.directory.path)
        let scripts = Set(files.filter { $0.hasSuffix(".vq") }.map { String($0.dropLast(3)) })
        let transcripts = Set(files.filter { $0.hasSuffix(".out") }.map { String($0.dropLast(4)) })
        #expect(!scripts.isEmpty)
        #expect(scripts == transcripts, "scripts without a transcript: \(scripts.subtracting(transcripts)); transcripts without a script: \(transcripts.subtracting(scripts))")
    }
}
