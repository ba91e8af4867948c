import Foundation
import Testing
@testable import VQExchange
@testable import VQEngine
@testable import VQJSON
@testable import VQModel
@testable import VQRender
@testable import VQStore
@testable import VQSupport

/// Invariants checked over many seeded random cases.
@Suite struct PropertyTests {
    static let cases = 2000

    /// A random JSON value, with the kinds of text store files hold.
    static func value(_ rng: inout Xoshiro256, depth: Int = 0) -> JSONValue {
        switch rng.int(0...(depth > 2 ? 3 : 5)) {
        case 0: return .null
        case 1: return .bool(rng.chance(0.5))
        case 2:
            let text = numberText(&rng)
            return .number(JSONNumber(value: Double(text)!, text: text))
        case 3: return .string(String((0..<rng.int(0...8)).map { _ in rng.pick(Array("aZ 9\"\\\n\t/é顺丰😀")) }))
        case 4: return .array((0..<rng.int(0...4)).map { _ in value(&rng, depth: depth + 1) })
        default:
            return .object(JSONObject((0..<rng.int(0...4)).map { i in ("k\(i)\(rng.int(0...9))", value(&rng, depth: depth + 1)) }))
        }
    }

    static func number(_ rng: inout Xoshiro256) -> Double { (rng.uniform(-1e6, 1e6) * 100).rounded() / 100 }

    /// Number texts as people write them: plain, with trailing zeros, exponents, negatives.
    static func numberText(_ rng: inout Xoshiro256) -> String {
        let whole = String(rng.int(0...999_999))
        let fraction = rng.chance(0.5) ? "." + String(rng.int(0...9999)) : ""
        let exponent = rng.chance(0.1) ? "e" + String(rng.int(-5...5)) : ""
        return (rng.chance(0.2) ? "-" : "") + whole + fraction + exponent
    }

    /// The radix sort the import finds repeated keys with sorts as the standard sort does:
    /// random lengths, words with runs of equal digits, and duplicates.
    @Test func radixSortSortsAsSortDoes() {
        var rng = Xoshiro256(seed: 14)
        for round in 0..<300 {
            let n = Int(rng.next() % 3000)
            let mask: UInt64 = [~0, 0xFFFF_0000_FFFF, 0xFF, 0xFFFF_0000_0000_0000][round % 4]
            var words = (0..<n).map { _ in rng.next() & mask }
            if n > 10 { words[n / 2] = words[n / 3] }
            let expected = words.sorted()
            words.radixSort()
            #expect(words == expected, "round \(round), \(n) words")
        }
    }

    /// The import's UTF-8 check agrees with the standard library's on random bytes:
    /// ASCII runs, valid sequences of every length, and broken, overlong and surrogate ones.
    @Test func utf8CheckAgreesWithTheStandardLibrary() {
        var rng = Xoshiro256(seed: 8)
        let pieces: [[UInt8]] = [Array("plain ascii text".utf8), Array("供应商".utf8), Array("é".utf8), Array("😀".utf8),
                                 [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xE4, 0xBE], [0xFF]]
        for _ in 0..<2000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(rng.next() % 12) { bytes += pieces[Int(rng.next() % UInt64(pieces.count))] }
            if rng.next() % 4 == 0, !bytes.isEmpty { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            #expect(TextEncoding.isUTF8(bytes) == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
        }
    }

    @Test func numberTextSurvivesReading() throws {
        var rng = Xoshiro256(seed: 1)
        for _ in 0..<Self.cases {
            let text = Self.numberText(&rng)
            guard case .number(let n) = try JSONReader.parse(text) else {
                Issue.record("\(text) did not read as a number")
                continue
            }
            #expect(n.text == text)
            #expect(n.value == Double(text))
        }
    }

    @Test func writeThenReadGivesTheSameValue() throws {
        var rng = Xoshiro256(seed: 2)
        for _ in 0..<Self.cases {
            let v = Self.value(&rng)
            let text = JSONWriter.string(v)
            #expect(try JSONReader.parse(text) == v, "\(text)")
            #expect(JSONWriter.string(try JSONReader.parse(text)) == text)
        }
    }

    /// A store file read into a table gives back every record as it was written.
    @Test func tableKeepsRecordsKeyOrderAndUnknownFields() throws {
        var rng = Xoshiro256(seed: 3)
        var records: [JSONObject] = []
        for i in 0..<300 {
            var pairs: [(String, JSONValue)] = [("id", .string("R-\(i)")), ("vendor", .string("V-1"))]
            for extra in ["title", "x_note", "impact", "custom"].shuffled(using: &rng) where rng.chance(0.7) {
                pairs.append((extra, Self.value(&rng, depth: 1)))
            }
            records.append(JSONObject(pairs))
        }
        let dir = Fixture.temporaryDirectory()
        try JSONWriter.storeFile(records).write(toFile: dir + "/risks.json", atomically: true, encoding: .utf8)
        let table = try Store(path: dir).table(.risks)
        #expect(table.count == records.count)
        for (i, record) in records.enumerated() { #expect(table.record(i) == record) }
    }

    /// A column built in its compact form, in one part or two joined, gives back
    /// every value as read: through runs of numbers, strings and nulls, widening
    /// when a value does not fit, and past the point where codes stop paying.
    @Test func compactColumnsGiveBackWhatWasRead() throws {
        var rng = Xoshiro256(seed: 4)
        for _ in 0..<300 {
            // Mostly one kind, as a store's columns are, with an odd value now and then.
            let kind = rng.int(0...2), distinct = rng.pick([3, 50, 5000])
            let values: [JSONValue] = (0..<rng.int(0...3000)).map { _ in
                if rng.chance(0.1) { return .null }
                if rng.chance(0.005) { return Self.value(&rng) }
                switch kind {
                case 0: return .number(Double(rng.int(0...distinct)) / 4)
                case 1: return .string(rng.chance(0.01) ? "é\u{0301}\(rng.int(0...9))" : "K-\(rng.int(0...distinct))")
                default: return rng.chance(0.5) ? .number(1) : .string("s")
                }
            }
            let texts = values.map { Array(JSONWriter.string($0).utf8) }
            func built(_ range: Range<Int>) throws -> ColumnBuilder {
                var builder = ColumnBuilder()
                for i in range {
                    try texts[i].withUnsafeBufferPointer { bytes in
                        var reader = JSONReader(bytes: bytes)
                        try builder.append(from: &reader)
                    }
                }
                return builder
            }
            let split = rng.int(0...values.count)
            var joined = try built(0..<split)
            joined.append(try built(split..<values.count))
            for column in [try built(0..<values.count).finish(), joined.finish()] {
                #expect(column.count == values.count)
                #expect(column.values == values)
                #expect(column.values.map { JSONWriter.string($0) } == values.map { JSONWriter.string($0) })
            }
        }
    }

    /// Sorting is stable and puts nulls last, whatever the input order.
    @Test func orderByIsStableWithNullsLast() throws {
        let out = try Fixture.transcript(".mode csv\nvendors | select id, notes | order by notes\nvendors | select id, notes | order by notes desc")
        let blocks = out.components(separatedBy: "id,notes\r\n").dropFirst().map { $0.split(separator: "\r\n").map(String.init) }
        for block in blocks {
            let notes = block.map { $0.split(separator: ",", maxSplits: 1).count > 1 ? String($0.split(separator: ",", maxSplits: 1)[1]) : "" }
            let firstNull = notes.firstIndex(of: "") ?? notes.count
            #expect(notes[firstNull...].allSatisfy { $0.isEmpty }, "nulls last")
            let nullIDs = block[firstNull...].map { String($0.prefix(6)) }
            #expect(nullIDs == nullIDs.sorted(), "ties keep their order")
        }
    }

    /// `order by` over random keys (numbers, strings, nulls, mixed; one or two
    /// keys, either direction) gives the reference order: a stable sort that puts
    /// nulls last; and with a limit, the top-N selection gives its first rows.
    @Test func rowOrderIsAStableSortWithNullsLastAndTopNIsItsPrefix() throws {
        var rng = Xoshiro256(seed: 8)
        for _ in 0..<300 {
            let count = rng.int(0...300)
            let keyCount = rng.int(1...2)
            let keys: [[Value]] = (0..<keyCount).map { _ in
                let strings = rng.chance(0.3)
                return (0..<count).map { _ in
                    if rng.chance(0.2) { return .null }
                    return strings ? .string(rng.pick(["a", "b", "c", "顺丰"])) : .number(Double(rng.int(0...20)) / 4)
                }
            }
            let descending = (0..<keyCount).map { _ in rng.chance(0.5) }
            // The reference: for each key, nulls last, then by value in the key's direction, then by position.
            let reference = (0..<count).sorted { a, b in
                for k in 0..<keyCount {
                    let x = keys[k][a], y = keys[k][b]
                    if x.isNull != y.isNull { return y.isNull }
                    if x.isNull { continue }
                    let c = ValueOrder.sortCompare(x, y)!
                    if c != 0 { return descending[k] ? c > 0 : c < 0 }
                }
                return a < b
            }
            let order = try RowOrder(keys: keys, descending: descending)
            #expect(order.sorted(count: count, keep: nil, stop: { false }) == reference)
            let n = rng.int(0...20)
            #expect(order.sorted(count: count, keep: n, stop: { false }) == Array(reference.prefix(n)))
        }
    }

    /// A large result is written in pieces (a csv export of a million rows never
    /// holds all its text), and the pieces make up exactly the whole text.
    @Test(arguments: [OutputFormat.csv, .json, .jsonl, .markdown, .line])
    func largeResultsAreWrittenInPieces(_ format: OutputFormat) {
        var rng = Xoshiro256(seed: 9)
        let rows: [[Value]] = (0..<20_000).map { i in
            [.string("K-\(i)"), .number(Self.number(&rng)), rng.chance(0.1) ? .null : .string("顺丰, \"quoted\"")]
        }
        let table = ResultTable(columns: ["kpi", "actual", "note"], rows: rows)
        let renderer = Renderer(format: format, maxRows: 0)
        var pieces: [String] = []
        renderer.render(table) { pieces.append($0) }
        #expect(pieces.count > 5)
        #expect(pieces.allSatisfy { $0.utf8.count < (1 << 16) + 1024 })
        let text = pieces.joined()
        #expect(text == renderer.render(table))
        // Nothing dropped or repeated where the pieces meet: every row once, in order.
        let keys = text.split(separator: "K-").dropFirst().map { $0.prefix { $0.isNumber } }
        #expect(keys.map { Int($0)! } == Array(0..<20_000))
    }

    /// Display widths: a table row's borders line up whatever the text.
    @Test func tableColumnsAlign() {
        var rng = Xoshiro256(seed: 4)
        for _ in 0..<200 {
            let rows: [[Value]] = (0..<rng.int(1...5)).map { _ in
                [.string(String((0..<rng.int(0...6)).map { _ in rng.pick(Array("ab顺丰运😀é")) })), .number(Self.number(&rng))]
            }
            let text = Renderer(format: .table).render(ResultTable(columns: ["name", "n"], rows: rows))
            let lines = text.split(separator: "\n").dropLast()
            let widths = Set(lines.map { TextWidth.of(String($0)) })
            #expect(widths.count == 1, "\(text)")
        }
    }

    /// A column of numbers lines up on the decimal point: every cell has the same
    /// number of decimals, and separators are used for all or none of them.
    @Test func numberColumnsLineUpOnTheDecimalPoint() {
        var rng = Xoshiro256(seed: 6)
        for _ in 0..<300 {
            let rows: [[Value]] = (0..<rng.int(1...6)).map { _ in
                [rng.chance(0.15) ? .null : .number(Self.number(&rng) / pow(10, Double(rng.int(0...6))))]
            }
            let text = Renderer(format: .table).render(ResultTable(columns: ["n"], rows: rows))
            let cells = text.split(separator: "\n").dropFirst(3).dropLast(2)
                .map { $0.dropFirst(2).dropLast(2).trimmingCharacters(in: .whitespaces) }
                .filter { $0 != "null" }
            let fractions = Set(cells.map { $0.split(separator: ".").dropFirst().first?.count ?? 0 })
            #expect(fractions.count <= 1, "\(text)")
            let large = rows.contains { if case .number(let d) = $0[0] { abs(d) >= 10_000 } else { false } }
            for cell in cells {
                let whole = cell.split(separator: ".")[0].filter(\.isNumber)
                #expect(cell.contains(",") == (large && whole.count > 3), "\(text)")
            }
        }
    }

    /// Fitted to a width, a table keeps its borders aligned and is no wider than
    /// the width, unless its numbers and narrowest text columns need more.
    @Test func fittedTablesStayAlignedWithinTheWidth() {
        var rng = Xoshiro256(seed: 11)
        for _ in 0..<200 {
            let rows: [[Value]] = (0..<rng.int(1...5)).map { _ in
                [.string(String((0..<rng.int(0...40)).map { _ in rng.pick(Array("ab顺丰运 é")) })),
                 .string(String((0..<rng.int(0...30)).map { _ in rng.pick(Array("xyz物流")) })), .number(Self.number(&rng))]
            }
            let width = rng.int(20...90)
            let text = Renderer(format: .table, width: width).render(ResultTable(columns: ["name", "note", "n"], rows: rows))
            let lines = text.split(separator: "\n").filter { "┌│├└".contains($0.first!) }
            let widths = Set(lines.map { TextWidth.of(String($0)) })
            #expect(widths.count == 1, "\(text)")
            // Never wider than the width: columns that do not fit are left out and named,
            // unless the first column alone, cut to its floor, is wider.
            func natural(_ c: Int, _ header: String) -> Int { ([TextWidth.of(header)] + rows.map { TextWidth.of(ValueText.display($0[c])) }).max()! }
            #expect(widths.first! <= max(width, min(8, natural(0, "name")) + 4), "\(text)")
            let shownHeaders = lines.count > 1 ? lines[1].split(separator: "│").map { $0.trimmingCharacters(in: .whitespaces) } : []
            if shownHeaders.count < 3 {
                #expect(text.contains("left out to fit the width"), "\(text)")
            }
        }
    }

    /// Sums of costs (amounts in cents, a tenth of them credits) print as the
    /// exact decimal total, whatever their order and count. Each amount is already
    /// a rounded binary fraction, so the Double can be an ulp or two off, but the
    /// 15 digits printed are not, unless the amounts nearly cancel out. A plain
    /// running sum gets some of these wrong even at 15 digits.
    @Test func compensatedSumsOfMoneyPrintExactly() {
        var rng = Xoshiro256(seed: 4)
        var plainWasOff = false
        for _ in 0..<300 {
            let cents = (0..<rng.int(1...5000)).map { _ in rng.chance(0.1) ? -rng.int(0...100_000) : rng.int(0...10_000_000) }
            let amounts = cents.map { Double($0) / 100 }
            let exact = ValueText.raw(Double(cents.reduce(0, +)) / 100)
            #expect(ValueText.raw(amounts.compensatedSum) == exact)
            plainWasOff = plainWasOff || ValueText.raw(amounts.reduce(0, +)) != exact
        }
        #expect(plainWasOff, "the cases should include sums a plain loop gets wrong")
    }

    /// Result numbers in csv and json: any number of up to 15 significant digits
    /// prints as written and reads back as the same Double; longer ones are cut to 15.
    @Test func resultNumbersPrintAsWrittenAndReadBack() {
        var rng = Xoshiro256(seed: 5)
        for _ in 0..<Self.cases {
            let text = String(format: "%.\(rng.int(1...15))g", rng.uniform(-1e9, 1e9) * pow(10, Double(rng.int(-12...0))))
            let d = Double(text)!
            #expect(Double(ValueText.raw(d)) == d, "\(text)")
            let noisy = d * (1 + 4e-16)
            let mantissa = ValueText.raw(noisy).prefix { $0 != "e" }.filter(\.isNumber).drop { $0 == "0" }
            #expect(mantissa.count <= 15, "\(ValueText.raw(noisy))")
            #expect(abs(Double(ValueText.raw(noisy))! - noisy) <= abs(noisy) * 1e-14)
        }
        #expect(ValueText.raw(0.1 + 0.2) == "0.3")
        #expect(ValueText.raw(240840.00000000003) == "240840")
        #expect(ValueText.raw(1.0 / 3) == "0.333333333333333")
    }
}
