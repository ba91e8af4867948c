import Foundation
import Testing
@testable import VQJSON
@testable import VQModel
@testable import VQSession
@testable import VQStore
@testable import VQSupport

/// The column cache is correctness first: answers, records and warnings from
/// it equal those from the JSON; a changed file is read again however it was
/// changed; a damaged entry is never trusted; the store directory is never touched.
@Suite struct ColumnCacheTests {
    /// A cache of its own that keeps every file, however small.
    static func cache(racyWindow: Int64 = 2_000_000_000) -> ColumnCache {
        ColumnCache(directory: Fixture.temporaryDirectory(), smallestFile: 0, racyWindow: racyWindow)
    }

    /// A copy of the test store that a test may change.
    static func storeCopy() throws -> String {
        let path = Fixture.temporaryDirectory() + "/store"
        try FileManager.default.copyItem(atPath: Fixture.storePath, toPath: path)
        return path
    }

    static func entries(_ cache: ColumnCache) -> [String] {
        let root = cache.directory + "/columns"
        return (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".vqc") }
            .map { root + "/" + $0 }.sorted()
    }

    /// Those of `collections` that have an entry (a file whose entry would be larger than itself has none).
    static func withEntries(_ collections: [CollectionName], _ cache: ColumnCache) -> Set<CollectionName> {
        let names = Set(entries(cache).map { ((($0 as NSString).lastPathComponent) as NSString).deletingPathExtension })
        return Set(collections.filter { names.contains($0.rawValue) })
    }

    /// Every collection's records, ids and links, and every problem, as a store reads them.
    static func contents(_ store: Store) throws -> String {
        var out = ""
        for c in CollectionName.allCases {
            let t = try store.table(c)
            out += "\(c.rawValue) \(t.count)\n"
            for row in 0..<t.count { out += JSONWriter.string(.object(t.record(row))) + "\n" }
            for (field, links) in t.references.sorted(by: { $0.key < $1.key }) { out += "\(field): \(links)\n" }
            if let id = t.id(max(0, t.count - 1)) { out += "row of \(id): \(String(describing: t.row(id: id)))\n" }
        }
        return out + store.problems.map(\.description).joined(separator: "\n")
    }

    @Test(arguments: GoldenTests.scripts)
    func goldenTranscriptsAreTheSameFromTheCache(_ name: String) throws {
        let cache = Self.cache()
        let script = try String(contentsOf: GoldenTests.directory.appendingPathComponent(name), encoding: .utf8)
        let expected = try String(contentsOf: GoldenTests.directory.appendingPathComponent(name).deletingPathExtension()
            .appendingPathExtension("out"), encoding: .utf8)
        let filling = try Fixture.transcript(script, origin: name, cache: cache)
        let store = try Fixture.store(cache: cache)
        let output = Output()
        Session(store: store, write: output.append, writeError: output.append).run(script, origin: name, keepGoing: true)
        #expect(filling == expected)
        #expect(output.text == expected)
        #expect(!store.cached.isEmpty, "the second run read its files from the cache")
        #expect(store.cached == Self.withEntries(store.loaded, cache), "every file read that has an entry came from it")
    }

    @Test func everyRecordLinkAndProblemIsTheSameFromTheCache() throws {
        let path = try Self.storeCopy()
        // Odd records: unknown fields, number text, nesting, nulls, a missing and a repeated key,
        // an element that is not an object, code points that are only canonically equivalent,
        // a bad reference and a duplicate id.
        try """
        [
          {"id": "V-1", "name": "Caf\\u00e9", "category": "it", "country": "DE", "status": "active", "rating": 4.50, "headcount": 1e2, "certifications": ["ISO"], "since": "2020-01-01", "extra": {"a": [1, null, true]}},
          {"id": "V-2", "name": "Cafe\\u0301", "category": "it", "country": "DE", "status": "active", "rating": 4, "headcount": 10, "certifications": [], "since": "2020-01-01", "name": "again"},
          17,
          {"id": "V-2", "category": "nonsense", "rating": "high", "headcount": null, "since": "2020-13-01"},
          {"name": "no id", "id": "V-3", "country": "FR", "status": "active", "rating": 3, "headcount": 5, "certifications": [], "since": "2021-02-03", "category": "it"}
        ]
        """.write(toFile: path + "/vendors.json", atomically: true, encoding: .utf8)
        let cache = Self.cache()
        let fresh = try Self.contents(try Fixture.store(path))
        let filling = try Fixture.store(path, cache: cache)
        #expect(try Self.contents(filling) == fresh)
        #expect(filling.cached.isEmpty)
        let served = try Fixture.store(path, cache: cache)
        #expect(try Self.contents(served) == fresh)
        #expect(served.cached == Self.withEntries(CollectionName.allCases, cache))
        #expect(served.cached.count >= 6)
        #expect(fresh.contains("no contracts record has id") || fresh.contains("duplicate id"))
    }

    @Test func entriesAreNoLargerThanTheirFilesAndTheStoreIsUntouched() throws {
        let path = try Self.storeCopy()
        let before = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        let cache = Self.cache()
        _ = try Self.contents(try Fixture.store(path, cache: cache))
        #expect(try FileManager.default.contentsOfDirectory(atPath: path).sorted() == before)
        let entries = Self.entries(cache)
        #expect(entries.count >= 8)
        for entry in entries {
            let file = path + "/" + ((entry as NSString).lastPathComponent as NSString).deletingPathExtension + ".json"
            let size = { (p: String) in (try? FileManager.default.attributesOfItem(atPath: p)[.size] as? Int) ?? nil }
            #expect(try #require(size(entry)) <= (try #require(size(file))), "\(entry)")
        }
    }

    /// The file is changed in place to the same size and its modification time set back:
    /// its status-change time (or, within the racy window, its content hash) gives it away.
    @Test(arguments: [0, 2_000_000_000] as [Int64])
    func aFileChangedWithItsSizeAndTimeRestoredIsReadAgain(racyWindow: Int64) throws {
        let path = try Self.storeCopy()
        let file = path + "/contracts.json"
        let cache = Self.cache(racyWindow: racyWindow)
        _ = try Fixture.store(path, cache: cache).table(.contracts)
        #expect(try Fixture.store(path, cache: cache).table(.contracts).count > 0)
        let before = try #require(FileIdentity.of(file))
        var info = stat()
        stat(file, &info)
        usleep(20_000)  // past the file system's clock tick
        var text = try String(contentsOfFile: file, encoding: .utf8)
        let id = try #require(text.range(of: "\"C-00001\""))
        text.replaceSubrange(id, with: "\"C-99999\"")
        let handle = try #require(FileHandle(forWritingAtPath: file))
        handle.write(Data(text.utf8))  // in place: same inode, same size
        try handle.close()
        var times = [info.st_atim, info.st_mtim]
        #expect(utimensat(AT_FDCWD, file, &times, 0) == 0)
        let after = try #require(FileIdentity.of(file))
        #expect(after.inode == before.inode && after.size == before.size && after.modified == before.modified)
        let store = try Fixture.store(path, cache: cache)
        let contracts = try store.table(.contracts)
        #expect(!store.cached.contains(.contracts))
        #expect(contracts.row(id: "C-99999") != nil)
        #expect(contracts.row(id: "C-00001") == nil)
    }

    /// Within the racy window only the content hash tells an entry from its file: an
    /// entry whose hash does not match is not used, while a settled one is not hashed.
    @Test func aRacyEntryIsUsedOnlyWhenTheContentMatches() throws {
        let path = try Self.storeCopy()
        let file = path + "/contracts.json"
        let table = try Fixture.store(path).table(.contracts)
        let identity = try #require(FileIdentity.of(file))
        let checks = CachedChecks(loadProblems: [], found: [], idsAscend: false)
        let fd = open(file, O_RDONLY)
        defer { close(fd) }
        for racy in [true, false] {
            let cache = Self.cache()
            cache.save(table, file: file, stamp: SourceStamp(identity: identity, contentHash: 12345, racy: racy), checks: checks, references: [])
            #expect((cache.entry(.contracts, file: file, json: fd, identity: identity) != nil) == !racy)
        }
    }

    enum Damage: String, CaseIterable { case header, meta, column, truncated, empty, foreign, otherCollection, otherVersion }

    @Test(arguments: Damage.allCases)
    func aDamagedEntryIsIgnoredAndRebuilt(_ damage: Damage) throws {
        let path = try Self.storeCopy()
        let cache = Self.cache()
        let fresh = try Self.contents(try Fixture.store(path))
        _ = try Self.contents(try Fixture.store(path, cache: cache))
        let entries = Self.entries(cache)
        let entry = try #require(entries.first { $0.hasSuffix("/measurements.vqc") })
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: entry)))
        switch damage {
        case .header: bytes[20] ^= 0xFF
        case .meta: bytes[bytes.count - 5] ^= 0x01
        case .column: bytes[CacheFile.headerSize + (bytes.count - CacheFile.headerSize) / 2] ^= 0x10
        case .truncated: bytes = Array(bytes[0..<(bytes.count / 2)])
        case .empty: bytes = []
        case .foreign: bytes = Array("not a cache file at all, just text".utf8) + [UInt8](repeating: 7, count: 500)
        case .otherCollection: bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try #require(entries.first { $0.hasSuffix("/kpis.vqc") }))))
        case .otherVersion: bytes[7] = UInt8(ascii: "0")
        }
        try Data(bytes).write(to: URL(fileURLWithPath: entry))
        let store = try Fixture.store(path, cache: cache)
        #expect(try Self.contents(store) == fresh)
        // A damaged column is found when it is first used, and taken from the JSON file.
        #expect(store.cached.contains(.measurements) == (damage == .column))
        // Rebuilt whole: the next store reads it from the cache.
        if damage != .column {
            let again = try Fixture.store(path, cache: cache)
            #expect(try Self.contents(again) == fresh)
            #expect(again.cached.contains(.measurements))
        }
    }

    /// A partial entry a killed vq left is removed by a later write; one being written is not.
    @Test func abandonedPartialEntriesAreRemoved() throws {
        let path = try Self.storeCopy()
        let cache = Self.cache()
        _ = try Fixture.store(path, cache: cache).table(.kpis)
        let folder = try (#require(Self.entries(cache).first) as NSString).deletingLastPathComponent
        let abandoned = folder + "/kpis.vqc.partial-1-1", current = folder + "/kpis.vqc.partial-2-2"
        for file in [abandoned, current] { try Data("half".utf8).write(to: URL(fileURLWithPath: file)) }
        var anHourAgo = [timespec(tv_sec: time(nil) - 3600, tv_nsec: 0), timespec(tv_sec: time(nil) - 3600, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, abandoned, &anHourAgo, 0) == 0)
        _ = try Fixture.store(path, cache: cache).table(.measurements)
        #expect(!FileManager.default.fileExists(atPath: abandoned))
        #expect(FileManager.default.fileExists(atPath: current))
    }

    @Test func writesFromACachedTableGiveTheSameFile() throws {
        let plain = try Self.storeCopy(), cachedPath = try Self.storeCopy()
        let cache = Self.cache()
        _ = try Self.contents(try Fixture.store(cachedPath, cache: cache))
        let statement = "update measurements set actual = actual + 1 where period = \"2025-01\""
        for (path, cache) in [(plain, nil), (cachedPath, cache)] as [(String, ColumnCache?)] {
            let output = Output()
            let store = try Fixture.store(path, cache: cache)
            Session(store: store, write: output.append, writeError: output.append).run(statement, origin: "t", keepGoing: false)
            #expect(output.text.contains("updated"), "\(output.text)")
            #expect(store.cached.contains(.measurements) == (cache != nil))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: plain + "/measurements.json"))
            == Data(contentsOf: URL(fileURLWithPath: cachedPath + "/measurements.json")))
        // And the changed file is read again, not served from its old entry.
        let after = try Fixture.store(cachedPath, cache: cache)
        #expect(try Self.contents(after) == Self.contents(try Fixture.store(plain)))
        #expect(!after.cached.contains(.measurements))
    }

    /// A read-only store is cached all the same (the cache is elsewhere), and
    /// several vq processes filling one cache at once leave whole entries.
    @Test func racingProcessesOnAReadOnlyStoreLeaveWholeEntries() throws {
        let path = try Self.storeCopy()
        let directory = Fixture.temporaryDirectory()
        let before = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }
        let statement = "vendors where on_time < 95% | order by on_time | select id, on_time"
        let expected = try Fixture.vq(["--no-cache", "--store", path, "-c", statement]).stdout
        let runs = ResultSlots<String>(count: 4)
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            runs.set(i, (try? Fixture.vq(["--store", path, "-c", statement], environment: ["VQ_CACHE_DIR": directory]).stdout) ?? "failed")
        }
        #expect(runs.take() == Array(repeating: expected, count: 4))
        let cache = ColumnCache(directory: directory)
        #expect(!Self.entries(cache).isEmpty)
        #expect(!(FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).contains { $0.contains(".partial-") })
        let served = try Fixture.vq(["--store", path, "-c", statement], environment: ["VQ_CACHE_DIR": directory])
        #expect(served.stdout == expected)
        #expect(try FileManager.default.contentsOfDirectory(atPath: path).sorted() == before)
        // --no-cache neither reads nor writes it.
        let untouched = Fixture.temporaryDirectory()
        _ = try Fixture.vq(["--no-cache", "--store", path, "-c", statement], environment: ["VQ_CACHE_DIR": untouched])
        #expect(try FileManager.default.contentsOfDirectory(atPath: untouched).isEmpty)
    }
}
