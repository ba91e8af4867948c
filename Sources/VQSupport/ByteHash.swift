/// A fast 64-bit hash of bytes, eight at a time (most keys are ids and months of
/// a few bytes): for tables that compare the bytes when hashes meet.
public enum ByteHash {
    @inlinable @inline(__always)
    public static func of(_ s: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h = UInt64(s.count) &* 0x9E37_79B9_7F4A_7C15
        guard let p = s.baseAddress.map(UnsafeRawPointer.init) else { return h }
        var i = 0
        while i + 8 <= s.count {
            h = (h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        if i < s.count {
            var tail: UInt64 = 0
            for j in i..<s.count { tail |= UInt64(s[j]) << (8 * UInt64(j - i)) }
            h = (h ^ tail) &* 0xFF51_AFD7_ED55_8CCD
        }
        // MurmurHash3's finalizer: every byte reaches the low bits that pick a slot.
        h = (h ^ (h >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 33)
    }
}
