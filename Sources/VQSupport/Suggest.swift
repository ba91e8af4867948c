import Foundation

/// "Did you mean" for near-miss names.
public enum Suggest {
    /// The candidate closest to `word` by edit distance (with transpositions),
    /// when it is close enough to be a plausible typo.
    public static func closest<S: Sequence<String>>(to word: String, in candidates: S) -> String? {
        let w = Array(word.lowercased())
        var best: (String, Int)?
        for candidate in candidates {
            let d = distance(w, Array(candidate.lowercased()))
            let limit = max(1, min(3, (max(w.count, candidate.count) + 1) / 3))
            guard d <= limit else { continue }
            if best == nil || d < best!.1 { best = (candidate, d) }
        }
        // A word that only differs by underscores or case counts as close too.
        if best == nil {
            let plain = word.lowercased().replacingOccurrences(of: "_", with: "")
            best = candidates.first { $0.lowercased().replacingOccurrences(of: "_", with: "") == plain }.map { ($0, 0) }
        }
        return best?.0
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev2 = [Int](repeating: 0, count: b.count + 1)
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    cur[j] = min(cur[j], prev2[j - 2] + 1)
                }
            }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[b.count]
    }
}
