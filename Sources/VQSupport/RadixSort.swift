extension Array where Element == UInt64 {
    /// Sorts ascending by the 16-bit digits from the lowest, four passes at most
    /// (a pass whose digit is the same in every word is skipped): a million words
    /// in a few milliseconds, where a comparison sort takes tens.
    public mutating func radixSort() {
        guard count > 256 else { return sort() }
        var other = [UInt64](repeating: 0, count: count)
        var counts = [Int](repeating: 0, count: 1 << 16)
        for shift in stride(from: 0, to: 64, by: 16) {
            for i in counts.indices { counts[i] = 0 }
            for word in self { counts[Int(truncatingIfNeeded: word >> UInt64(shift)) & 0xFFFF] += 1 }
            if counts.contains(count) { continue }
            var total = 0
            for i in counts.indices {
                let c = counts[i]
                counts[i] = total
                total += c
            }
            for word in self {
                let digit = Int(truncatingIfNeeded: word >> UInt64(shift)) & 0xFFFF
                other[counts[digit]] = word
                counts[digit] += 1
            }
            swap(&self, &other)
        }
    }
}
