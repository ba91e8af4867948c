import Foundation
import VQEngine
import VQJSON
import VQModel
import VQSupport

/// Output that could not be written whole (a full disk, a closed file): an
/// error for the statement, never a silent loss.
public struct OutputFailure: Error, Sendable {
    public var message: String

    public init(_ message: String) { self.message = message }

    /// The failure the system reported in `errno`.
    public init(errno code: Int32, writing what: String = "the output") {
        message = "cannot write \(what): \(String(cString: strerror(code)))"
    }
}

extension OutputFailure {
    /// Writes every byte of `text` to `fd`, across short writes and signals.
    public static func writeAll(_ text: String, to fd: Int32, what: String) throws(OutputFailure) {
        var text = text
        let code: Int32 = text.withUTF8 { bytes in
            var done = 0
            while done < bytes.count {
                let n = Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                done += n
            }
            return 0
        }
        if code != 0 { throw OutputFailure(errno: code, writing: what) }
    }
}
