import Foundation
import VQJSON
import VQModel
import VQSupport

/// The store's writer lock: an advisory `flock` on the store directory itself,
/// held while a change is read, checked and written. Locking the directory
/// leaves no lock file behind in it (a store kept in git stays clean).
public final class StoreLock {
    private let fd: Int32

    /// Waits for the lock; fails when the directory cannot be written.
    public init(_ directory: String) throws(StoreError) {
        guard access(directory, W_OK) == 0 else {
            throw StoreError("the store '\(directory)' cannot be changed: \(String(cString: strerror(errno))) (is the directory writable?)")
        }
        fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw StoreError("the store '\(directory)' cannot be changed: \(String(cString: strerror(errno)))")
        }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR {
                close(fd)
                throw StoreError("cannot lock the store '\(directory)': \(String(cString: strerror(errno)))")
            }
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
