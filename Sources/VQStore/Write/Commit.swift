import Foundation
import VQJSON
import VQModel
import VQSupport

/// Replaces store files so that a crash at any moment leaves either all the
/// old contents or all the new ones.
///
/// Each new file is written beside the old one as `.vq-tmp-…`, fsync'ed, and
/// renamed over it (a rename is atomic). When several files change, the
/// renames are first listed in a journal (`.vq-journal`, itself written to a
/// temporary name, fsync'ed and renamed into place): once the journal exists
/// the change is decided, and `recover` finishes its renames on the next
/// open; temporary files without a journal are an unfinished change and are
/// removed.
public enum Commit {
    static let journalName = ".vq-journal"
    static let temporaryPrefix = ".vq-tmp-"

    /// New contents for store files; nil removes the file (an undo of the file's creation).
    public static func write(_ files: [(name: String, contents: FileBytes?)], in directory: String) throws(StoreError) {
        guard !files.isEmpty else { return }
        var renames: [(from: String, to: String)] = []
        var removals: [String] = []
        do {
            for (n, file) in files.enumerated() {
                guard let contents = file.contents else { removals.append(file.name); continue }
                let temporary = "\(temporaryPrefix)\(getpid())-\(n)-\(file.name)"
                try writeDurably(contents, to: path(directory, temporary))
                renames.append((temporary, file.name))
            }
            if renames.count + removals.count == 1, removals.isEmpty {
                try rename(directory, renames[0].from, renames[0].to)
                try syncDirectory(directory)
                return
            }
            var journal = ""
            for r in renames { journal += "rename\t\(r.from)\t\(r.to)\n" }
            for r in removals { journal += "remove\t\(r)\n" }
            journal += "end\n"
            let pending = temporaryPrefix + "journal"
            try writeDurably(FileBytes(Data(journal.utf8)), to: path(directory, pending))
            try rename(directory, pending, journalName)
            try syncDirectory(directory)
        } catch {
            for r in renames { unlink(path(directory, r.from)) }
            unlink(path(directory, temporaryPrefix + "journal"))
            throw error
        }
        // The change is decided: from here a crash is finished by `recover`.
        try replay(directory)
    }

    /// Whether a crash left a journal or temporary files behind.
    public static func needsRecovery(_ directory: String) -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).contains {
            $0 == journalName || $0.hasPrefix(temporaryPrefix)
        }
    }

    /// Finishes a decided change and removes what an unfinished one left.
    public static func recover(_ directory: String) throws(StoreError) {
        guard needsRecovery(directory) else { return }
        if FileManager.default.fileExists(atPath: path(directory, journalName)) { try replay(directory) }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(temporaryPrefix) {
            unlink(path(directory, name))
        }
        try syncDirectory(directory)
    }

    /// Carries out the journal's renames and removals (again, after a crash: each step is idempotent).
    private static func replay(_ directory: String) throws(StoreError) {
        guard let data = FileManager.default.contents(atPath: path(directory, journalName)),
              let text = String(data: data, encoding: .utf8), text.hasSuffix("end\n") else {
            throw StoreError("the store's journal \(journalName) is damaged; nothing was changed by it")
        }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t").map(String.init)
            if parts.first == "rename", parts.count == 3, access(path(directory, parts[1]), F_OK) == 0 {
                try rename(directory, parts[1], parts[2])
            } else if parts.first == "remove", parts.count == 2 {
                unlink(path(directory, parts[1]))
            }
        }
        try syncDirectory(directory)
        unlink(path(directory, journalName))
        try syncDirectory(directory)
    }

    public static func path(_ directory: String, _ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }

    private static func writeDurably(_ contents: FileBytes, to file: String) throws(StoreError) {
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError("cannot write \(file): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var failure = contents.write(to: fd)
        if failure == 0, fsync(fd) != 0 { failure = errno }
        if failure != 0 {
            unlink(file)
            throw StoreError("cannot write \(file): \(String(cString: strerror(failure)))")
        }
    }

    private static func rename(_ directory: String, _ from: String, _ to: String) throws(StoreError) {
        if Foundation.rename(path(directory, from), path(directory, to)) != 0 {
            throw StoreError("cannot replace \(to) in \(directory): \(String(cString: strerror(errno)))")
        }
    }

    private static func syncDirectory(_ directory: String) throws(StoreError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError("cannot open \(directory): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        if fsync(fd) != 0 { throw StoreError("cannot sync \(directory): \(String(cString: strerror(errno)))") }
    }
}
