import Foundation

/// The store's writer lock: an advisory `flock` on `.vq-lock` in the store
/// directory, held while a change is read, checked and written.
public final class StoreLock {
    private let fd: Int32

    /// Waits for the lock; fails when the directory cannot be written.
    public init(_ directory: String) throws(StoreError) {
        let file = Commit.path(directory, ".vq-lock")
        fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError("the store '\(directory)' cannot be changed: \(String(cString: strerror(errno))) (is the directory writable?)")
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
