/// Whether `count` bytes at `a` and `b` are the same, eight at a time: the
/// keys and values a loader compares are short, where a call to memcmp costs
/// more than the comparison.
@inline(__always)
func bytesEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    var i = 0
    while i + 8 <= count {
        guard a.loadUnaligned(fromByteOffset: i, as: UInt64.self) == b.loadUnaligned(fromByteOffset: i, as: UInt64.self) else { return false }
        i += 8
    }
    while i < count {
        guard a.load(fromByteOffset: i, as: UInt8.self) == b.load(fromByteOffset: i, as: UInt8.self) else { return false }
        i += 1
    }
    return true
}
