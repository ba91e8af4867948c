import Foundation
import VQJSON
import VQModel
import VQSupport

/// Boyer–Moore–Horspool search for byte patterns.
enum Search {
    /// Where any of the patterns occurs, in order, the bytes cut in parts
    /// searched at once (each part reaching a pattern's length into the next).
    static func any(_ patterns: [[UInt8]], in bytes: UnsafeBufferPointer<UInt8>, threads: Int) -> [(pattern: Int, offset: Int)] {
        let longest = patterns.map(\.count).max() ?? 0
        let part = (bytes.count + threads - 1) / max(1, threads)
        let found = ResultSlots<[(pattern: Int, offset: Int)]>(count: threads)
        let shared = SendableBytes(bytes: bytes)
        Parallel.run(threads) { t in
            let start = min(shared.bytes.count, t * part), end = min(shared.bytes.count, (t + 1) * part + longest - 1)
            let slice = UnsafeBufferPointer(rebasing: shared.bytes[start..<end])
            // A hit that starts in the next part is that part's.
            found.set(t, any(patterns, in: slice).map { ($0.pattern, $0.offset + start) }.filter { $0.1 < (t + 1) * part })
        }
        return found.take().flatMap { $0 }
    }

    /// Where any of the patterns occurs. Patterns sharing a prefix (ids of one
    /// contract's kpis) are found in one pass over the prefix.
    static func any(_ patterns: [[UInt8]], in bytes: UnsafeBufferPointer<UInt8>) -> [(pattern: Int, offset: Int)] {
        guard let first = patterns.first else { return [] }
        var shared = first.count
        for p in patterns.dropFirst() { shared = min(shared, zip(first, p).prefix { $0 == $1 }.count) }
        let prefix = first.prefix(shared)
        guard prefix.count >= 4 else {
            return patterns.indices.flatMap { i in all(patterns[i], in: bytes).map { (i, $0) } }
        }
        var out: [(Int, Int)] = []
        for hit in all(Array(prefix), in: bytes) {
            for (i, p) in patterns.enumerated() where hit + p.count <= bytes.count
                && p.indices.allSatisfy({ bytes[hit + $0] == p[$0] }) {
                out.append((i, hit))
            }
        }
        return out
    }

    static func all(_ pattern: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> [Int] {
        let m = pattern.count
        guard m > 0, bytes.count >= m else { return [] }
        var shift = [Int](repeating: m, count: 256)
        for i in 0..<(m - 1) { shift[Int(pattern[i])] = m - 1 - i }
        var hits: [Int] = []
        var i = 0
        let last = pattern[m - 1]
        while i <= bytes.count - m {
            let c = bytes[i + m - 1]
            if c == last {
                var j = m - 2
                while j >= 0, bytes[i + j] == pattern[j] { j -= 1 }
                if j < 0 { hits.append(i) }
            }
            i += shift[Int(c)]
        }
        return hits
    }
}
