import Foundation
import Testing
@testable import VQStore

/// The JSONTestSuite corpus of parsing cases (read from ../shared, MIT): every
/// `y_` document is accepted, every `n_` one refused with a place, and no `i_`
/// one crashes or hangs, bare and as a field's value inside a store record.
@Suite struct JSONConformanceTests {
    static let corpus = Fixture.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/jsontestsuite/test_parsing")

    static func documents(_ prefix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []).filter { $0.hasPrefix(prefix) }.sorted()
    }

    static func bytes(_ name: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: corpus.appendingPathComponent(name).path)!)
    }

    /// The document as the value of an unknown field of a measurement, in a store of its own.
    static func storeRecord(_ document: [UInt8]) throws -> Result<Table, StoreError> {
        let dir = Fixture.temporaryDirectory()
        let file = Array(#"[{"kpi": "K-1", "period": "2024-01", "actual": 1, "extra": "#.utf8) + document + Array("}]\n".utf8)
        _ = FileManager.default.createFile(atPath: dir + "/measurements.json", contents: Data(file))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: dir, today: Fixture.today)
        return Result { () throws(StoreError) in try store.table(.measurements) }
    }

    @Test func theCorpusIsThere() {
        #expect(Self.documents("y_").count == 95 && Self.documents("n_").count == 188 && Self.documents("i_").count == 35,
                "../shared/jsontestsuite/test_parsing should hold the corpus")
    }

    @Test(arguments: documents("y_"))
    func acceptsWhatTheStandardAllows(_ name: String) throws {
        #expect(throws: Never.self) { try JSONReader.parse(bytes: Self.bytes(name)) }
        if case .failure(let e) = try Self.storeRecord(Self.bytes(name)) { Issue.record("\(name) in a record: \(e.message)") }
    }

    @Test(arguments: documents("n_"))
    func refusesWhatTheStandardForbids(_ name: String) throws {
        do {
            _ = try JSONReader.parse(bytes: Self.bytes(name))
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.line >= 1 && error.column >= 1)
        }
        switch try Self.storeRecord(Self.bytes(name)) {
        case .success: Issue.record("\(name) was accepted inside a record")
        case .failure(let e): #expect(e.message.contains("measurements.json: line ") && e.message.contains(", column "), "\(e.message)")
        }
    }

    @Test(arguments: documents("i_"))
    func implementationDefinedCasesNeitherCrashNorHang(_ name: String) throws {
        _ = try? JSONReader.parse(bytes: Self.bytes(name))
        _ = try Self.storeRecord(Self.bytes(name))
    }

    @Test(arguments: ["012", "-01", "00", "[01]", "{\"a\": -00.5}"])
    func leadingZerosAreMalformed(_ text: String) throws {
        #expect(throws: JSONSyntaxError.self) { try JSONReader.parse(text) }
        guard case .failure(let e) = try Self.storeRecord(Array(text.utf8)) else { Issue.record("accepted in a record"); return }
        #expect(e.message.contains("measurements.json: line 1, column ") && e.message.contains("leading zero"), "\(e.message)")
    }
}
