import Foundation
import VQJSON
import VQModel
import VQSupport

/// The column cache: each store file's parsed columns, key orders and
/// findings, kept outside the store in a binary file that the next process
/// maps instead of parsing the JSON again.
///
/// Never stale: an entry is used only when the store file's device, inode,
/// size, modification time and status-change time all equal those it was made
/// from. A rename over the file changes the inode, an edit the modification
/// time, and a tool that sets the modification time back (touch, rsync, tar)
/// changes the status-change time, which no system call can set. The one gap
/// is a change within the same clock tick as the one before it: a file changed
/// within `racyWindow` of being read is marked racy, and its content hash is
/// compared every time its entry is used (as git does for its index).
/// Damaged, truncated, foreign or older entries fail their checks and are
/// rebuilt; entries are written aside and renamed into place, so racing
/// writers leave one whole entry.
public struct ColumnCache: Sendable {
    /// Entries live under `directory/columns/`.
    public let directory: String
    /// Files smaller than this are parsed faster than an entry is checked.
    let smallestFile: Int
    /// Nanoseconds: a file changed this shortly before it was read is racy.
    let racyWindow: Int64

    public init(directory: String, smallestFile: Int = 16 << 10, racyWindow: Int64 = 2_000_000_000) {
        self.directory = directory
        self.smallestFile = smallestFile
        self.racyWindow = racyWindow
    }

    /// vq's cache directory: `$VQ_CACHE_DIR`, else `$XDG_CACHE_HOME/vq`, else `~/.cache/vq`.
    public static var standardDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        if let dir = environment["VQ_CACHE_DIR"], !dir.isEmpty { return dir }
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/vq" }
        return NSHomeDirectory() + "/.cache/vq"
    }

    public static var standard: ColumnCache { ColumnCache(directory: standardDirectory) }

    /// This build of vq, the format and the platform: an entry written by
    /// another build (whose checks or parsing may differ) is never used.
    static let fingerprint: UInt64? = {
        var info = stat()
        guard stat("/proc/self/exe", &info) == 0 else { return nil }
        let id = FileIdentity(info)
        return ContentHash.of("\(CacheFile.magic) \(id.device) \(id.inode) \(id.size) \(id.modified) \(MemoryLayout<Int>.size) \(1.littleEndian == 1)")
    }()

    /// The entry of the store file `file` (open as `json`), if it is current.
    func entry(_ collection: CollectionName, file: String, json: Int32, identity: FileIdentity) -> CacheEntry? {
        guard identity.size >= smallestFile, let fingerprint = ColumnCache.fingerprint, let path = entryPath(file, collection),
              let entry = CacheEntry(path: path, collection: collection, fingerprint: fingerprint, json: json, identity: identity) else { return nil }
        guard entry.meta.stamp.racy else { return entry }
        guard entry.contentMatches() else { return nil }
        // Settled since: a later change would show in its times, so the hash need not be compared again.
        if identity.latest < ColumnCache.now() - racyWindow, var bytes = entry.fileBytes {
            CacheFile.markSettled(&bytes)
            ColumnCache.write(bytes, to: path)
        }
        return entry
    }

    /// The wall clock in nanoseconds, as file times are kept.
    static func now() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }

    /// Writes the entry of a table just read and checked; a failure only means no entry.
    func save(_ table: Table, file: String, stamp: SourceStamp, checks: CachedChecks, references: [CachedReference]) {
        guard stamp.identity.size >= smallestFile, let fingerprint = ColumnCache.fingerprint,
              let path = entryPath(file, table.name),
              let bytes = CacheFile.encode(table, stamp: stamp, fingerprint: fingerprint, checks: checks, references: references,
                                           limit: Int(stamp.identity.size)) else { return }
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        ColumnCache.write(bytes, to: path)
        ColumnCache.removeAbandoned(in: folder)
    }

    /// Partial entries a killed vq left behind (older than any write takes).
    private static func removeAbandoned(in folder: String) {
        let old = now() - 600_000_000_000
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.contains(".partial-") {
            if let identity = FileIdentity.of(folder + "/" + name), identity.modified < old { unlink(folder + "/" + name) }
        }
    }

    /// Written aside and renamed into place: a reader sees the old entry or the new one, whole.
    private static func write(_ bytes: [UInt8], to path: String) {
        let partial = path + ".partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        let written = bytes.withUnsafeBytes { raw -> Bool in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                if n <= 0 { return false }
                done += n
            }
            return true
        }
        close(fd)
        if !written || rename(partial, path) != 0 { unlink(partial) }
    }

    /// `directory/columns/<store>/<collection>.vqc`, the store named by a hash
    /// of its real path (and its folder's name, for a person looking).
    func entryPath(_ file: String, _ collection: CollectionName) -> String? {
        let folder = (file as NSString).deletingLastPathComponent
        guard let real = realpath(folder.isEmpty ? "." : folder, nil) else { return nil }
        defer { free(real) }
        let path = String(cString: real)
        let name = (path as NSString).lastPathComponent.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }.prefix(40)
        let key = String(ContentHash.of(path), radix: 16)
        return directory + "/columns/" + name + "-" + key + "/" + collection.rawValue + ".vqc"
    }
}
