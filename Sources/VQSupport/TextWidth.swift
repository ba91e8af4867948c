/// Display width in terminal columns, measured per grapheme cluster (what a
/// terminal draws as one character) from tables generated out of the Unicode
/// Character Database (`WidthTables`, by scripts/width-tables):
///
/// - a cluster led by a wide character (East Asian Wide or Fullwidth, or an
///   emoji shown as one: flags, skin tones and ZWJ sequences included) takes 2,
///   and so does a narrow emoji base with U+FE0F (❤️, keycaps), plus 1 for each
///   spacing mark in it;
/// - otherwise each code point adds its own: 1, or 0 for combining and format
///   characters and the Hangul jamo that join their syllable, or 1 for a
///   spacing mark after its base.
///
/// Control characters count 0: tables and messages show them as escapes first.
public enum TextWidth {
    public static func of(_ s: String) -> Int {
        // Most text is printable ASCII: a column a byte.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return s.utf8.count }
        var width = 0
        for cluster in s { width += of(cluster) }
        return width
    }

    public static func of(_ cluster: Character) -> Int {
        let scalars = cluster.unicodeScalars
        guard let first = scalars.first else { return 0 }
        // A wide base holds the rest of its cluster (jamo, modifiers, a ZWJ sequence); only spacing marks add.
        if widthClass(first) == .wide || (scalars.count > 1 && scalars.contains("\u{FE0F}") && isEmojiPresentationBase(first.value)) {
            return 2 + scalars.dropFirst().filter { widthClass($0) == .spacing }.count
        }
        var width = 0
        for (i, scalar) in scalars.enumerated() {
            switch widthClass(scalar) {
            case .zero?: break
            case .spacing?: width += i > 0 ? 1 : 0
            case .wide?: width += 2
            case nil: width += isControl(scalar.value) ? 0 : 1
            }
        }
        return width
    }

    public static func of(_ scalar: Unicode.Scalar) -> Int { of(Character(scalar)) }

    private static func isControl(_ v: UInt32) -> Bool { v < 0x20 || (0x7F..<0xA0).contains(v) }

    static func widthClass(_ scalar: Unicode.Scalar) -> WidthTables.Class? {
        let v = scalar.value
        guard v >= 0xA0 else { return nil }
        let ranges = WidthTables.ranges
        return search(v, count: ranges.count) { (ranges[$0].0, ranges[$0].1) }.map { ranges[$0].2 }
    }

    private static func isEmojiPresentationBase(_ v: UInt32) -> Bool {
        let bases = WidthTables.emojiPresentationBases
        return search(v, count: bases.count) { bases[$0] } != nil
    }

    /// The index of the sorted range holding `v`, by binary search.
    private static func search(_ v: UInt32, count: Int, bounds: (Int) -> (UInt32, UInt32)) -> Int? {
        var low = 0, high = count - 1
        while low <= high {
            let mid = (low + high) / 2
            let (first, last) = bounds(mid)
            if v < first {
                high = mid - 1
            } else if v > last {
                low = mid + 1
            } else {
                return mid
            }
        }
        return nil
    }

    /// Cuts `s` to at most `width` columns, ending with `…` when it was cut.
    public static func truncate(_ s: String, to width: Int) -> String {
        if of(s) <= width { return s }
        var out = ""
        var used = 0
        for ch in s {
            let w = of(ch)
            if used + w > width - 1 { break }
            out.append(ch)
            used += w
        }
        return out + "…"
    }

    /// The end of `s` that fits `width` columns, after a `…` when something was cut.
    public static func truncate(_ s: String, keepingEndTo width: Int) -> String {
        if of(s) <= width { return s }
        var out = ""
        var used = 0
        for ch in s.reversed() {
            let w = of(ch)
            if used + w > width - 1 { break }
            out.append(ch)
            used += w
        }
        return "…" + String(out.reversed())
    }
}

extension String {
    /// The text and spaces up to `width` columns (at least one space after it): a column of a listing.
    public func padding(_ width: Int) -> String {
        let w = TextWidth.of(self)
        return w >= width ? self + " " : self + String(repeating: " ", count: width - w)
    }
}
