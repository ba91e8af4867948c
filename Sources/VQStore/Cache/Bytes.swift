import Foundation

/// Little-endian binary writing for cache files: numbers, strings and arrays
/// of plain values, each array aligned to 8 bytes so it can be read in place.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    var count: Int { bytes.count }

    mutating func u8(_ x: UInt8) { bytes.append(x) }
    mutating func u32(_ x: UInt32) { withUnsafeBytes(of: x.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ x: UInt64) { withUnsafeBytes(of: x.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i64(_ x: Int64) { u64(UInt64(bitPattern: x)) }
    mutating func int(_ x: Int) { i64(Int64(x)) }
    mutating func string(_ s: String) {
        u32(UInt32(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }
    mutating func optional(_ s: String?) {
        u8(s == nil ? 0 : 1)
        if let s { string(s) }
    }
    mutating func align() { while bytes.count % 8 != 0 { bytes.append(0) } }

    /// A plain array's bytes as they lie in memory (this machine is little-endian, as the header records).
    mutating func array<T: BitwiseCopyable>(_ values: [T]) {
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    mutating func array<T: BitwiseCopyable>(_ values: ColumnArray<T>) {
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ other: [UInt8]) { bytes.append(contentsOf: other) }

    mutating func reserve(_ n: Int) { bytes.reserveCapacity(n) }

    /// Overwrites the bytes at the start (a header written last).
    mutating func replacePrefix(with other: [UInt8]) {
        bytes.withUnsafeMutableBytes { target in other.withUnsafeBytes { target.copyMemory(from: $0) } }
    }

    /// The bytes, handed over.
    consuming func finish() -> [UInt8] { bytes }
}

/// A cache file's bytes did not read as written: it is damaged, truncated or
/// not a cache file at all, and is not trusted.
struct CacheDamage: Error {}

/// Reads what `ByteWriter` wrote, every read checked against the end.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var position: Int

    init(_ bytes: UnsafeRawBufferPointer, at position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    private mutating func take(_ n: Int) throws(CacheDamage) -> Int {
        guard n >= 0, position <= bytes.count - n else { throw CacheDamage() }
        defer { position += n }
        return position
    }

    mutating func u8() throws(CacheDamage) -> UInt8 { bytes[try take(1)] }
    mutating func u32() throws(CacheDamage) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: try take(4), as: UInt32.self))
    }
    mutating func u64() throws(CacheDamage) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: try take(8), as: UInt64.self))
    }
    mutating func i64() throws(CacheDamage) -> Int64 { Int64(bitPattern: try u64()) }
    mutating func int() throws(CacheDamage) -> Int {
        let x = try i64()
        guard x >= Int64(Int32.min), x <= Int64(Int.max / 16) else { throw CacheDamage() }
        return Int(x)
    }
    /// A count of things each at least `size` bytes long, which must fit in what is left.
    mutating func count(of size: Int = 1) throws(CacheDamage) -> Int {
        let n = try int()
        guard n >= 0, n <= (bytes.count - position) / max(1, size) + 1 else { throw CacheDamage() }
        return n
    }
    mutating func string() throws(CacheDamage) -> String {
        let n = Int(try u32())
        let start = try take(n)
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + n)]), as: UTF8.self)
    }
    mutating func optional() throws(CacheDamage) -> String? {
        switch try u8() {
        case 0: return nil
        case 1: return try string()
        default: throw CacheDamage()
        }
    }
    /// `n` plain values in place: the file is mapped, so nothing is copied.
    mutating func array<T: BitwiseCopyable>(_ n: Int, of type: T.Type) throws(CacheDamage) -> UnsafeBufferPointer<T> {
        guard n >= 0, n <= Int.max / MemoryLayout<T>.stride else { throw CacheDamage() }
        let start = try take(n * MemoryLayout<T>.stride)
        guard (Int(bitPattern: bytes.baseAddress) + start) % MemoryLayout<T>.alignment == 0 else { throw CacheDamage() }
        return UnsafeBufferPointer(start: bytes.baseAddress.map { ($0 + start).assumingMemoryBound(to: T.self) }, count: n)
    }
}
