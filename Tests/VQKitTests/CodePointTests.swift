import Foundation
import Testing
@testable import VQStore

/// Strings that differ only in Unicode normalization are different strings,
/// as in JSON and every database: keys, ids, values, distinct and group by
/// keep them apart, and an edit writes back each one as it was (issue 9, item 2).
@Suite struct CodePointTests {
    static let composed = "caf\u{E9}", decomposed = "cafe\u{301}"

    static func vendor(_ id: String, name: String, extra: String = "") -> String {
        #"{"id": "\#(id)", "name": "\#(name)", "category": "other", "country": "CN", "status": "active", "rating": 3, "headcount": 1, "certifications": [], "since": "2024-01-01"\#(extra)}"#
    }

    static func store() throws -> String {
        let dir = Fixture.temporaryDirectory()
        let text = "[\n" + [
            vendor("V-1", name: composed, extra: #", "caf\u00e9": 1, "cafe\u0301": 2, "nested": {"cafe\u0301": 3, "x": 4}"#),
            vendor("V-\(composed)", name: decomposed),
            vendor("V-\(decomposed)", name: composed),
        ].joined(separator: ",\n") + "\n]\n"
        try text.write(toFile: dir + "/vendors.json", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func keysAndIdsThatLookAlikeStayApart() throws {
        let dir = try Self.store()
        let store = try Store(path: dir, today: Fixture.today)
        let table = try store.table(.vendors)
        #expect(store.problems.isEmpty, "no duplicate key, no duplicate id: \(store.problems)")
        #expect(table.record(0).keys.filter { $0.hasPrefix("caf") }.map { Array($0.unicodeScalars) }
                == [Array(Self.composed.unicodeScalars), Array(Self.decomposed.unicodeScalars)])
        #expect(table.row(id: "V-\(Self.composed)") == 1 && table.row(id: "V-\(Self.decomposed)") == 2)
    }

    @Test func anEditWritesEveryKeyBackAsItWas() throws {
        let dir = try Self.store()
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/vendors.json"))
        let out = try Fixture.transcript(#"update vendors set headcount = 2 where id = "V-1""#, store: dir)
        #expect(out == "updated 1 record of vendors\n", "\(out)")
        let after = try String(contentsOfFile: dir + "/vendors.json", encoding: .utf8)
        #expect(after.utf8.contains(Array("\"caf\u{E9}\": 1".utf8)), "\(after)")
        #expect(after.utf8.contains(Array("\"cafe\u{301}\": 2".utf8)))
        #expect(after.utf8.contains(Array("{\"cafe\u{301}\": 3, \"x\": 4}".utf8)), "the nested key keeps its decomposed form")
        // Only the changed record differs.
        let lines = (String(decoding: before, as: UTF8.self).split(separator: "\n"), after.split(separator: "\n"))
        #expect(zip(lines.0, lines.1).filter { !$0.0.utf8.elementsEqual($0.1.utf8) }.count == 1)
    }

    @Test func comparisonsDistinctAndGroupsUseCodePoints() throws {
        let dir = try Self.store()
        let out = try Fixture.transcript("""
            vendors where name = "\(Self.composed)" | count
            vendors | select name | distinct | count
            vendors | group by name | count
            vendors where name contains "\(Self.decomposed)" | count
            vendors where name like "caf_" | count
            """, store: dir)
        let lines = out.split(separator: "\n")
        #expect(Array(lines.prefix(5)) == ["2", "2", "2", "1", "2"], "\(out)")
    }

    @Test func aNewIdThatOnlyLooksLikeAnOtherIsNotADuplicate() throws {
        let dir = try Self.store()
        let out = try Fixture.transcript(#"""
            insert into vendors {id: "V-\#(Self.decomposed)\#(Self.decomposed)", name: "n", category: "other", country: "CN", status: "active", rating: 1, headcount: 1, certifications: [], since: "2024-01-01"}
            insert into vendors {id: "V-\#(Self.composed)\#(Self.composed)", name: "n", category: "other", country: "CN", status: "active", rating: 1, headcount: 1, certifications: [], since: "2024-01-01"}
            insert into vendors {id: "V-\#(Self.composed)", name: "n", category: "other", country: "CN", status: "active", rating: 1, headcount: 1, certifications: [], since: "2024-01-01"}
            """#, store: dir)
        let lines = out.split(separator: "\n")
        #expect(lines.first == "inserted 1 record into vendors" && lines.dropFirst().first == "inserted 1 record into vendors", "\(out)")
        #expect(out.contains("duplicate id"), "the same code points are a duplicate: \(out)")
    }
}

extension CodePointTests {
    /// Consecutive references whose ids are canonically equivalent (K and the
    /// Kelvin sign, é composed and decomposed) resolve each to its own record.
    @Test func consecutiveReferencesResolveByCodePoints() throws {
        let dir = Fixture.temporaryDirectory()
        let kpi = { (id: String, metric: String) in
            #"{"id": "\#(id)", "contract": "C-1", "metric": "\#(metric)", "target": 1, "direction": "higher", "weight": 1, "penalty": 0}"#
        }
        try ("[" + [kpi("K-1", "plain"), kpi("\\u212a-1", "kelvin"), kpi("caf\\u00e9", "composed"), kpi("cafe\\u0301", "decomposed")]
            .joined(separator: ",\n") + "]").write(toFile: dir + "/kpis.json", atomically: true, encoding: .utf8)
        let m = { (id: String) in #"{"kpi": "\#(id)", "period": "2025-01", "actual": 1}"# }
        try ("[" + ["K-1", "\\u212a-1", "K-1", "caf\\u00e9", "cafe\\u0301"].map(m).joined(separator: ",\n") + "]")
            .write(toFile: dir + "/measurements.json", atomically: true, encoding: .utf8)
        let out = try Fixture.transcript(".mode csv\nmeasurements | select kpi.metric", store: dir)
        #expect(out.contains("kpi.metric\r\nplain\r\nkelvin\r\nplain\r\ncomposed\r\ndecomposed\r\n"), "\(out)")
    }
}
