import Foundation
import VQJSON
import VQModel
import VQSupport

/// Which file, and which version of it: a writer replaces a file by renaming
/// a new one over it, which changes the inode; an edit in place changes the
/// modification time; and a tool that restores the size and modification
/// time (touch -r, rsync -t, an archive) still changes the status-change time,
/// which no system call sets back.
public struct FileIdentity: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: Int64
    var changed: Int64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
    }

    init(device: UInt64, inode: UInt64, size: Int64, modified: Int64, changed: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modified = modified
        self.changed = changed
    }

    /// The file's identity now (nil: missing).
    public static func of(_ path: String) -> FileIdentity? {
        var info = stat()
        return stat(path, &info) == 0 ? FileIdentity(info) : nil
    }

    /// The later of the two times, in nanoseconds since 1970.
    var latest: Int64 { max(modified, changed) }
}
