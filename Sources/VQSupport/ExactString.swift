import Foundation

/// A string compared and hashed by its Unicode code points (its UTF-8 bytes),
/// as JSON and every database compare strings. Swift's `String ==` and hashing
/// treat canonically equivalent strings (`é` and `e` + U+0301) as one, which
/// would merge keys, ids and values that a user keeps apart.
public struct ExactString: Hashable, Sendable, CustomStringConvertible {
    public var string: String

    public init(_ string: String) { self.string = string }

    public var description: String { string }

    @inlinable
    public static func == (a: ExactString, b: ExactString) -> Bool { a.string.sameCodePoints(as: b.string) }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        var s = string
        s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

extension String {
    /// Whether the two strings hold the same code points (not merely canonically
    /// equivalent ones): their UTF-8 bytes compared in place. Inlinable: ids are
    /// compared a million times while a large file is checked.
    @inlinable
    public func sameCodePoints(as other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        let fast = a.withContiguousStorageIfAvailable { x in
            b.withContiguousStorageIfAvailable { y in x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
        }
        if let fast, let same = fast { return same }
        return a.elementsEqual(b)
    }

    /// -1, 0 or 1 as `self` sorts before, with or after `other` by code points
    /// (UTF-8's byte order is code point order).
    @inlinable
    public func codePointOrder(_ other: String) -> Int {
        var a = self, b = other
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let n = min(x.count, y.count)
                let c = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
                if c != 0 { return c < 0 ? -1 : 1 }
                return x.count < y.count ? -1 : (x.count > y.count ? 1 : 0)
            }
        }
    }
}

extension Sequence where Element == String {
    /// Whether a string with exactly these code points is among the elements
    /// (inlinable, so that it is specialized where enum values are checked).
    @inlinable
    public func containsExactly(_ s: String) -> Bool { contains { $0.sameCodePoints(as: s) } }
}
