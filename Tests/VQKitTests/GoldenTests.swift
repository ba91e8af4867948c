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
        guard let expected = try? String(contentsOf: expectedURL, encoding: .utf8),
              ProcessInfo.processInfo.environment["VQ_RECORD"] == nil else {
            try actual.write(to: expectedURL, atomically: true, encoding: .utf8)
            Issue.record("recorded \(expectedURL.lastPathComponent); review it and run again")
            return
        }
        #expect(actual == expected, "\(name) differs from \(expectedURL.lastPathComponent)")
        if actual != expected {
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            if let i = zip(a, e).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                Issue.record("first difference at line \(i + 1):\n  got:      \(a[i])\n  expected: \(e[i])")
            }
        }
    }

    @Test func everyScriptHasATranscript() {
        #expect(GoldenTests.scripts.count >= 7)
    }
}
