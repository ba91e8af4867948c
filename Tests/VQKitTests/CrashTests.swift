import Foundation
import Testing
@testable import VQModel
@testable import VQStore
@testable import VQSupport

/// Kills writing `vq` processes with SIGKILL at random moments; each time the
/// store must open, validate, and equal exactly the state before the change or
/// after it. VQ_CRASH_RUNS sets the number of kills (a short run by default;
/// the README gives the long one).
struct CrashTests {
    /// One change rewrites a single file; the other, a cascade, eight (through the journal).
    static let changes = [
        "update vendors set rating = 1.5, notes = \"crash test\" where rating > 3",
        "delete from vendors where id = \"V-0002\" cascade",
    ]

    @Test func killedWritersLeaveTheStoreBeforeOrAfter() throws {
        let runs = Int(ProcessInfo.processInfo.environment["VQ_CRASH_RUNS"] ?? "") ?? 40
        let base = try MutationTests.copyOfStore()
        let before = MutationTests.snapshot(base)
        // Built before anything is timed: a build (or waiting for another test's) is not a run.
        let binary = Fixture.binary
        // Each change run to its end once: the after state, and how long a run takes.
        var after: [[String: Data]] = []
        var longest = 0.0
        for change in Self.changes {
            let copy = try Self.copy(base)
            let started = Date()
            let run = try Fixture.vq(["--store", copy, "-c", change])
            longest = max(longest, Date().timeIntervalSince(started))
            #expect(run.status == 0, "\(run.stderr)")
            after.append(MutationTests.snapshot(copy))
            #expect(after.last != before)
        }
        var rng = Xoshiro256(seed: 2026)
        var outcomes = [0, 0]
        var interrupted = 0
        for _ in 0..<runs {
            let which = rng.int(0...1)
            let copy = try Self.copy(base)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["--store", copy, "-c", Self.changes[which]]
            process.environment = Fixture.environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: rng.uniform(0, longest * 1.2))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()

            if Commit.needsRecovery(copy) { interrupted += 1 }
            // Opening the store finishes or undoes what the kill interrupted.
            let store = try Store(path: copy, today: Fixture.today)
            for c in CollectionName.allCases { _ = try store.table(c) }
            #expect(store.problems.isEmpty, "\(store.problems.prefix(3))")
            let state = MutationTests.snapshot(copy)
            if state == before {
                outcomes[0] += 1
            } else if state == after[which] {
                outcomes[1] += 1
            } else {
                Issue.record("after a kill, \(copy) is neither the state before nor after '\(Self.changes[which])': \(state.keys.sorted())")
                return
            }
        }
        print("crash test: \(runs) kills, \(outcomes[0]) left the state before, \(outcomes[1]) the state after; \(interrupted) were caught in the middle of a commit and recovered on open")
    }

    static func copy(_ store: String) throws -> String {
        let path = Fixture.temporaryDirectory() + "/store"
        try FileManager.default.copyItem(atPath: store, toPath: path)
        return path
    }
}
