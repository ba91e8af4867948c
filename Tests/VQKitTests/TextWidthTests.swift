import Foundation
import Testing
@testable import VQSupport

/// Display width per grapheme cluster (issue 9, item 6), from tables generated
/// out of the Unicode data files: checked against those files, and on the
/// samples that misaligned tables, with the widths the `wcwidth` library gives.
@Suite struct TextWidthTests {
    @Test(arguments: [
        ("\u{1112}\u{1161}\u{11AB}\u{1100}\u{1173}\u{11AF}", 4),  // decomposed Hangul: jamo V and T join the syllable
        ("\u{1100}\u{D7B0}", 2), ("\u{3164}", 0), ("\u{115F}", 2), ("\u{1160}", 0), ("\u{FFA0}", 0),  // Hangul fillers
        ("\u{D55C}\u{302E}", 3),  // a tone mark is a spacing mark
        ("\u{1AFF0}\u{1AFF5}", 4), ("\u{17000}", 2),  // kana extensions, Tangut
        ("\u{1F6DC}", 2), ("\u{2764}\u{FE0F}", 2), ("\u{2764}", 1), ("\u{2764}\u{FE0E}", 1),  // newer emoji, VS16
        ("#\u{FE0F}\u{20E3}", 2), ("1\u{20E3}", 1),  // keycaps
        ("\u{1F44D}\u{1F3FD}", 2), ("\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}", 2), ("\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}", 2),
        ("\u{3248}\u{324F}", 2),  // ambiguous circled numbers are narrow
        ("\u{2630}", 2), ("\u{4DC0}", 2), ("\u{1D300}", 2),  // Unicode 16: trigrams, hexagrams, Tai Xuan Jing
        ("\u{1F1E8}\u{1F1F3}", 2), ("\u{1F1E8}", 2),  // flags
        ("e\u{301}", 1), ("\u{915}\u{94D}\u{937}", 2), ("\u{915}\u{93E}", 2), ("\u{E01}\u{E34}", 1),
        ("a\u{200B}b", 2), ("a\u{AD}b", 3), ("顺丰", 4), ("ＡＢ", 4), ("\u{231A}", 2), ("Zürich", 6),
    ])
    func samplesMeasureAsWcwidthDoes(_ text: String, _ width: Int) {
        #expect(TextWidth.of(text) == width, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
    }

    /// The Unicode data files the tables are made from (scripts/unicode-data fetches them).
    static let data: String = ProcessInfo.processInfo.environment["VQ_UNICODE_DATA"]
        ?? Fixture.packageRoot.path + "/.build/unicode-data/usr/share/unicode"

    /// Each data line's code points and fields.
    static func lines(_ file: String) throws -> [(ClosedRange<UInt32>, [String])] {
        try String(contentsOfFile: data + "/" + file, encoding: .utf8).split(separator: "\n").compactMap { line in
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let fields = content.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 2 else { return nil }
            let bounds = fields[0].components(separatedBy: "..").compactMap { UInt32($0, radix: 16) }
            guard let low = bounds.first, let high = bounds.last else { return nil }
            return (low...high, fields)
        }
    }

    /// Every code point's class, worked out again here from the files by the
    /// rules scripts/width-tables states, equals the generated table's.
    @Test func theTablesAgreeWithTheUnicodeDataFiles() throws {
        guard FileManager.default.fileExists(atPath: Self.data + "/UnicodeData.txt") else {
            Issue.record("no Unicode data at \(Self.data): scripts/test fetches it with scripts/unicode-data")
            return
        }
        let header = try String(contentsOfFile: Self.data + "/EastAsianWidth.txt", encoding: .utf8).prefix(40)
        #expect(header.contains("EastAsianWidth-\(WidthTables.unicodeVersion).txt"), "the tables are of another version")
        var category = [String](repeating: "Cn", count: 0x110000)
        var rangeStart: Int?
        for line in try String(contentsOfFile: Self.data + "/UnicodeData.txt", encoding: .utf8).split(separator: "\n") {
            let f = line.split(separator: ";", omittingEmptySubsequences: false)
            let cp = Int(f[0], radix: 16)!
            if f[1].hasSuffix(", First>") { rangeStart = cp; continue }
            for c in (f[1].hasSuffix(", Last>") ? rangeStart! : cp)...cp { category[c] = String(f[2]) }
        }
        var hangul = [String: Set<UInt32>]()
        for (r, f) in try Self.lines("HangulSyllableType.txt") { hangul[f[1], default: []].formUnion(r) }
        for (r, f) in try Self.lines("Blocks.txt") where f[1] == "Hangul Jamo Extended-B" { hangul["V"]!.formUnion(r) }
        var ignorable = Set<UInt32>(), wide = Set<UInt32>(), prepended = Set<UInt32>()
        for (r, f) in try Self.lines("PropList.txt") where f[1] == "Prepended_Concatenation_Mark" { prepended.formUnion(r) }
        for (r, f) in try Self.lines("DerivedCoreProperties.txt") where f[1] == "Default_Ignorable_Code_Point" { ignorable.formUnion(r) }
        for (r, f) in try Self.lines("EastAsianWidth.txt") where f[1] == "W" || f[1] == "F" { wide.formUnion(r) }
        for (r, f) in try Self.lines("emoji/emoji-data.txt") where f[1] == "Emoji_Presentation" { wide.formUnion(r) }
        var mismatches: [String] = []
        for v in UInt32(0xA0)..<0x110000 {
            guard let scalar = Unicode.Scalar(v) else { continue }
            let gc = category[Int(v)]
            let expected: WidthTables.Class?
            if v == 0xAD || prepended.contains(v) {
                expected = nil
            } else if ["Mn", "Me", "Cf", "Zl", "Zp"].contains(gc) || hangul["V"]!.contains(v) || hangul["T"]!.contains(v)
                        || (ignorable.contains(v) && !hangul["L"]!.contains(v)) {
                expected = .zero
            } else if gc == "Mc" {
                expected = .spacing
            } else {
                expected = wide.contains(v) ? .wide : nil
            }
            if TextWidth.widthClass(scalar) != expected, mismatches.count < 20 { mismatches.append(String(v, radix: 16)) }
        }
        #expect(mismatches.isEmpty, "code points whose class differs from the files: \(mismatches)")
    }
}
