import Foundation
import Testing
@testable import VQGenerator
@testable import VQModel
@testable import VQSession
@testable import VQStore
@testable import VQSupport

/// The smaller things an outside test found (issue 9, item 18).
@Suite(.serialized) struct SmallFixesTests {
    /// scripts/run, with `swift` replaced by a stand-in (a release build takes
    /// minutes): its build output stays hidden, and it puts `vq` on the PATH
    /// so the README's `vq …` commands work as written.
    @Test func runIsQuietAndPutsVqOnThePath() throws {
        let root = Fixture.temporaryDirectory()
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/scripts", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/.build/release", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/fake", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/home/.local/bin", withIntermediateDirectories: true)
        for script in ["run", "setup", "build-release"] {
            try fm.copyItem(atPath: Fixture.packageRoot.path + "/scripts/" + script, toPath: root + "/scripts/" + script)
        }
        try fm.copyItem(atPath: Fixture.binary, toPath: root + "/.build/release/vq")
        try "#!/bin/sh\necho 'Building for production...'\necho '[1/1] Compiling'\n".write(toFile: root + "/fake/swift", atomically: true, encoding: .utf8)
        chmod(root + "/fake/swift", 0o755)
        let path = "\(root)/fake:\(root)/home/.local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        let run = try Fixture.vq(["-c", "scripts/run --store \(Fixture.storePath) -c 'vendors | count'"], directory: root, binary: "/bin/bash",
                                 environment: ["PATH": path, "HOME": root + "/home"])
        #expect(run.stdout == "30\n", "\(run.stdout)\(run.stderr)")
        #expect(!run.stderr.contains("Compiling") && !run.stdout.contains("Building"), "build output is hidden: \(run.stderr)")
        #expect(run.stderr.contains("vq is on your PATH now: \(root)/home/.local/bin/vq"), "\(run.stderr)")
        let byName = try Fixture.vq(["-c", "vq --store \(Fixture.storePath) -c 'kpis | count'"], binary: "/bin/bash",
                                    environment: ["PATH": path, "HOME": root + "/home"])
        #expect(byName.status == 0 && !byName.stdout.isEmpty, "\(byName.stderr)")
        let again = try Fixture.vq(["-c", "scripts/run --store \(Fixture.storePath) -c 'vendors | count'"], directory: root, binary: "/bin/bash",
                                   environment: ["PATH": path, "HOME": root + "/home"])
        #expect(again.stderr.isEmpty, "a second start says nothing: \(again.stderr)")
    }

    @Test func generateSaysWhatItWrote() throws {
        let dir = Fixture.temporaryDirectory() + "/new"
        let run = try Fixture.vq(["generate", "--vendors", "3", "--seed", "4", dir])
        #expect(run.status == 0)
        #expect(run.stdout == "wrote a store of 3 vendors (seed 4) to \(dir); open it with: vq --store \(dir)\n", "\(run.stdout)")
    }

    @Test func letAndOpenSayWhatTheyDidInTheShell() throws {
        let out = Output()
        let session = Session(store: try Fixture.store(), write: out.append, writeError: out.append)
        session.confirms = true
        session.run("let late = vendors where rating < 3\nlet t = 0.9\n.open \(Fixture.storePath)")
        #expect(out.text.hasPrefix("late: ") && out.text.contains(" rows\nt = 0.9\nopened \(Fixture.storePath) (30 vendors, "), "\(out.text)")
        #expect(try Fixture.transcript("let t = 0.9").isEmpty, "a script's output stays its results")
    }

    @Test func modeListsTheModesAndHelpNamesRealThings() throws {
        #expect(try Fixture.transcript(".mode xml").contains("hint: one of: table, csv, json, jsonl, markdown, line"))
        // Every script a help example reads exists, and every id it names is in the demo store.
        let help = MetaCommand.all.map(\.example).joined(separator: "\n") + Help.topics.map { Help.text(topic: $0) }.joined()
        for script in help.split(separator: " ").filter({ $0.hasSuffix(".vq") }) {
            #expect(FileManager.default.fileExists(atPath: Fixture.packageRoot.path + "/" + script), "\(script)")
        }
        let demo = try Store(path: try DemoStore.path(today: Fixture.today, in: Fixture.temporaryDirectory()), today: Fixture.today)
        let ids = Set(try CollectionName.allCases.filter(\.spec.hasID).flatMap { c in
            let t = try demo.table(c)
            return (0..<t.count).compactMap { t.id($0) }
        })
        let named = help.split(whereSeparator: { $0 == "\"" }).filter { $0.range(of: #"^[A-Z]-\d+$"#, options: .regularExpression) != nil }
        #expect(!named.isEmpty)
        for id in named { #expect(ids.contains(String(id)), "\(id) is not in the demo store") }
    }

    @Test func helpAndDescribeBreakLinesBetweenWords() throws {
        let out = Output()
        let session = Session(store: try Fixture.store(), write: out.append, writeError: out.append)
        session.terminalWidth = { 50 }
        session.run(".describe vendors\n.help\n.help functions")
        for line in out.text.split(separator: "\n") { #expect(TextWidth.of(String(line)) <= 50, "\(line)") }
        let words = { (s: String) in Set(s.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)) }
        let unwrapped = try Fixture.transcript(".describe vendors\n.help\n.help functions")
        #expect(words(out.text) == words(unwrapped), "no word is split")
    }
}
