/// A fast 64-bit hash of bytes, for noticing that a file's content differs
/// from what was seen before (a changed store file, a damaged cache file), not
/// for security. Four lanes of xor, multiply and rotate over 8-byte words run
/// at memory speed; each step is a bijection of its lane, so a change of any
/// one word always changes the result.
public enum ContentHash {
    /// `passed`, if given, is told each time another 16 MB have been hashed
    /// (the offset reached), so a caller can give back pages it will not need soon.
    public static func of(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0, passed: ((Int) -> Void)? = nil) -> UInt64 {
        let k: UInt64 = 0x9FB2_1C65_1E98_DF25
        var a = seed ^ 0x243F_6A88_85A3_08D3, b = seed ^ 0x1319_8A2E_0370_7344
        var c = seed ^ 0xA409_3822_299F_31D0, d = seed ^ 0x082E_FA98_EC4E_6C89
        let n = bytes.count
        var p = 0
        @inline(__always) func step(_ lane: inout UInt64, _ word: UInt64) {
            lane = (lane ^ word) &* k
            lane = lane << 29 | lane >> 35
        }
        if let base = bytes.baseAddress {
            while p + 32 <= n {
                step(&a, base.loadUnaligned(fromByteOffset: p, as: UInt64.self))
                step(&b, base.loadUnaligned(fromByteOffset: p + 8, as: UInt64.self))
                step(&c, base.loadUnaligned(fromByteOffset: p + 16, as: UInt64.self))
                step(&d, base.loadUnaligned(fromByteOffset: p + 24, as: UInt64.self))
                p += 32
                if p & (16 << 20 - 1) == 0, let passed { passed(p) }
            }
            var tail: UInt64 = 0, shift: UInt64 = 0
            while p < n {
                tail |= UInt64(base.load(fromByteOffset: p, as: UInt8.self)) << shift
                shift += 8
                if shift == 64 { step(&a, tail); tail = 0; shift = 0 }
                p += 1
            }
            step(&b, tail)
        }
        var h = UInt64(n)
        for lane in [a, b, c, d] { h = mix(h ^ lane) }
        return h
    }

    public static func of(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { of($0, seed: seed) }
    }

    public static func of(_ text: String, seed: UInt64 = 0) -> UInt64 {
        of(Array(text.utf8), seed: seed)
    }

    /// SplitMix64's finaliser: a bijection that spreads every input bit.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
