/// A script's text, owned once: its bytes and where each line starts. The
/// lexer, the parser of every statement, the compiler and the diagnostics all
/// share one, so a script of n statements costs time in proportion to n (each
/// statement copying the whole text made a 32,000-statement script quadratic).
public final class SourceText: Sendable {
    public let text: String
    public let bytes: [UInt8]
    /// The offset of each line's first byte.
    private let lineStarts: [Int]

    public init(_ text: String) {
        self.text = text
        bytes = Array(text.utf8)
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == 0x0A { starts.append(i + 1) }
        lineStarts = starts
    }

    /// The text of `range` (clamped to the text).
    public func text(_ range: SourceRange) -> String {
        let start = min(max(0, range.start), bytes.count), end = min(max(start, range.end), bytes.count)
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// The 1-based number of the line holding `offset`, and where that line starts and ends (before its line break).
    public func line(at offset: Int) -> (number: Int, start: Int, end: Int) {
        let offset = min(max(0, offset), bytes.count)
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        let end = low + 1 < lineStarts.count ? lineStarts[low + 1] - 1 : bytes.count
        return (low + 1, lineStarts[low], end)
    }
}
