import Foundation
import Testing
@testable import VQGenerator
@testable import VQModel
@testable import VQSession
@testable import VQStore
@testable import VQSupport

/// Shared fixtures: a store generated from a fixed seed, today pinned, and
/// ways to run statements and the built `vq` binary.
enum Fixture {
    static let today = Dates.parseDate("2025-06-30")!
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A 30-vendor store from seed 7, current on `today`, made once per test run.
    static let storePath: String = {
        let path = NSTemporaryDirectory() + "vq-test-store-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: path)
        try! StoreGenerator(vendors: 30, seed: 7, today: today).write(to: path)
        return path
    }()

    /// Where the `vq` the tests run keeps its demo store and column cache (not the user's cache).
    static let cacheDirectory = NSTemporaryDirectory() + "vq-test-cache-\(ProcessInfo.processInfo.processIdentifier)"

    /// The environment the tests run `vq` in: today pinned, the tests' own cache.
    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["VQ_TODAY"] = "2025-06-30"
        environment["XDG_CACHE_HOME"] = cacheDirectory
        environment["VQ_CACHE_DIR"] = nil
        return environment
    }

    static func store(_ path: String = storePath, cache: ColumnCache? = nil) throws -> Store {
        try Store(path: path, today: today, cache: cache)
    }

    /// Runs `source` in a fresh session and returns everything it wrote, errors included, in order.
    static func transcript(_ source: String, origin: String = "test.vq", store path: String = storePath,
                           keepGoing: Bool = true, settings: [String: Value] = [:], cache: ColumnCache? = nil) throws -> String {
        let output = Output()
        let session = Session(store: try store(path, cache: cache), write: output.append, writeError: output.append)
        session.environment.parameters = settings
        session.run(source, origin: origin, keepGoing: keepGoing)
        return output.text
    }

    /// A new empty directory for a test's own store.
    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "vq-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The `vq` the end-to-end, crash and shell tests run, built by the tests
    /// themselves (once a run) in a build folder of their own: `swift test`
    /// does not build an executable it does not link, and the package's own
    /// `.build` is locked while the tests run.
    static var binary: String {
        if let failure = built.failure { Issue.record(Comment(rawValue: failure)) }
        return built.path
    }

    private static let built: (path: String, failure: String?) = {
        let scratch = packageRoot.appendingPathComponent(".build-tests").path
        let log = NSTemporaryDirectory() + "vq-test-build-\(ProcessInfo.processInfo.processIdentifier).log"
        let status = spawnAndWait(["swift", "build", "--product", "vq", "--package-path", packageRoot.path, "--scratch-path", scratch],
                                  outputFile: log)
        let path = scratch + "/debug/vq"
        guard status == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return (path, "building vq for the tests failed:\n" + output.split(separator: "\n").suffix(30).joined(separator: "\n"))
        }
        return (path, nil)
    }()

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the built `vq` with arguments and standard input; VQ_TODAY is pinned.
    /// `user`: run it as that user (through runuser; the tests may run as root).
    static func vq(_ arguments: [String], stdin: String? = nil, directory: String? = nil, user: String? = nil,
                   binary: String = binary, environment extra: [String: String] = [:],
                   stdoutPath: String? = nil) throws -> Run {
        let process = Process()
        if let user {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", user, "--", binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        }
        process.environment = environment.merging(extra) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = stdoutPath.map { FileHandle(forWritingAtPath: $0)! as Any } ?? out
        process.standardError = err
        process.standardInput = input
        try process.run()
        // A hung vq must fail its test, not hold CI until its time runs out.
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 120) { kill(pid, SIGKILL) }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        if stdoutPath != nil { try out.fileHandleForWriting.close() }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                   stderr: String(decoding: stderrData, as: UTF8.self))
    }

    /// Runs a program to its end with standard output to `outputFile`, inheriting
    /// no other descriptor. Foundation's Process leaves the socket it watches for
    /// the child's exit open in the child, so a daemon started that way (the tmux
    /// server) would keep `waitUntilExit` waiting for ever.
    @discardableResult
    static func spawnAndWait(_ argv: [String], outputFile: String) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // glibc's closefrom action is not visible from Swift; close each open one.
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap({ Int32($0) }) where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        // Signals blocked on this test thread must not stay blocked in the child.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid = pid_t()
        guard posix_spawnp(&pid, argv[0], &actions, &attributes, cArguments, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return status
    }

    /// Reads a store file as Foundation objects: an independent reader for checking vq's.
    static func rawRecords(_ collection: String, in path: String = storePath) -> [[String: Any]] {
        let data = FileManager.default.contents(atPath: path + "/" + collection + ".json")!
        return try! JSONSerialization.jsonObject(with: data) as! [[String: Any]]
    }
}

final class Output: @unchecked Sendable {
    private(set) var text = ""
    func append(_ s: String) { text += s }
    func clear() { text = "" }
}
