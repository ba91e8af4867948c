import VQJSON
import VQModel
import VQStore
import VQSupport

/// A cell made a value of a field's type (SPEC §6): numbers with thousands
/// separators, `%` and currency signs; dates as ISO, `2024/1/5`, `2024年1月5日`
/// or Excel serial days; months as `2024-01` or a date; booleans as
/// `true false yes no 1 0 是 否`; lists as JSON or `;`-separated. The result is
/// the stored JSON value, or what was expected and found.
enum Coercion {
    /// The stored value of `cell`; `.null` for an empty cell, but an empty list for a list field.
    static func value(_ cell: Cell, as type: FieldType) -> Result<JSONValue, Refusal> {
        switch cell {
        case .empty: if case .list = type { return .success(.array([])) } else { return .success(.null) }
        case .json(let v): return json(v, as: type)
        default: break
        }
        switch type {
        case .string: return .success(.string(text(cell)))
        case .number, .int:
            switch cell {
            case .number(let n), .serialDate(let n): return .success(.number(JSONNumber(canonical: n)))
            case .text(let s): return number(s).map { .success(.number($0)) } ?? refuse(type, cell)
            default: return refuse(type, cell)
            }
        case .bool:
            switch cell {
            case .bool(let b): return .success(.bool(b))
            case .number(let n) where n == 0 || n == 1: return .success(.bool(n == 1))
            case .text(let s): return bool(s).map { .success(.bool($0)) } ?? refuse(type, cell)
            default: return refuse(type, cell)
            }
        case .date, .month:
            // Already in the stored form: kept as it is.
            if case .text(let s) = cell, type == .month ? Dates.parseMonth(s) != nil : Dates.parseDate(s) != nil { return .success(.string(s)) }
            let read: (month: Int, day: Int?)?
            switch cell {
            case .number(let n), .serialDate(let n): read = serialDay(n).map { (Dates.month(ofDay: $0), $0) }
            case .text(let s): read = calendar(s)
            default: read = nil
            }
            guard let read else { return refuse(type, cell) }
            if type == .month { return .success(.string(Dates.format(month: read.month))) }
            guard let day = read.day else { return refuse(type, cell) }
            return .success(.string(Dates.format(day: day)))
        case .currency:
            let code = text(cell).trimmed.uppercased()
            return .success(.string(Currency.isCode(code) ? code : text(cell).trimmed))
        case .ref:
            let s = text(cell)
            // Trimmed only when an end may be white space (the check reads two bytes, not characters).
            let plain = s.utf8.first.map { $0 > 0x20 && $0 < 0x80 } == true && s.utf8.last.map { $0 > 0x20 && $0 < 0x80 } == true
            return .success(.string(plain ? s : s.trimmed))
        case .oneOf(let allowed):
            let given = text(cell).trimmed
            let key = HeaderMatch.normalized(given)
            return .success(.string(allowed.first { HeaderMatch.normalized($0) == key } ?? given))
        case .list(let element):
            let s = text(cell).trimmed
            if s.hasPrefix("["), let parsed = try? JSONReader.parse(s) { return json(parsed, as: type) }
            var items: [JSONValue] = []
            for part in s.split(whereSeparator: { $0 == ";" || $0 == "；" }) {
                let item = part.trimmed
                guard !item.isEmpty else { continue }
                switch value(.text(item), as: element) {
                case .success(let v): items.append(v)
                case .failure(let r): return .failure(Refusal("item \(items.count + 1): \(r.message)"))
                }
            }
            return .success(.array(items))
        }
    }

    /// A json file's value: strings are read as cells of text, other values must fit.
    private static func json(_ value: JSONValue, as type: FieldType) -> Result<JSONValue, Refusal> {
        switch (value, type) {
        case (.null, _): return .success(.null)
        case (.string(let s), _): return Coercion.value(s.isEmpty && type != .string ? .empty : .text(s), as: type)
        case (.number, .number), (.number, .int), (.bool, .bool): return .success(value)
        case (.number(let n), .date), (.number(let n), .month): return Coercion.value(.number(n.value), as: type)
        case (.array(let items), .list(let element)):
            var out: [JSONValue] = []
            for (i, item) in items.enumerated() {
                switch json(item, as: element) {
                case .success(let v): out.append(v)
                case .failure(let r): return .failure(Refusal("item \(i + 1): \(r.message)"))
                }
            }
            return .success(.array(out))
        default:
            return .failure(Refusal("expected \(type.description), found \(value.typeName) \(JSONWriter.string(value))"))
        }
    }

    /// What a refused cell was expected to be and what it held.
    struct Refusal: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    private static func refuse(_ type: FieldType, _ cell: Cell) -> Result<JSONValue, Refusal> {
        let expected: String
        switch type {
        case .number: expected = "a number"
        case .int: expected = "a whole number"
        case .bool: expected = "a boolean (true, false, yes, no, 1, 0, 是, 否)"
        case .date: expected = "a date (2024-01-05, 2024/1/5, 2024年1月5日 or an Excel serial day)"
        case .month: expected = "a month (2024-01, 2024/1, 2024年1月 or a date)"
        default: expected = type.description
        }
        return .failure(Refusal("expected \(expected), found \(found(cell))"))
    }

    static func found(_ cell: Cell) -> String {
        switch cell {
        case .text(let s): "\"\(s)\""
        case .number(let n): JSONNumber.canonicalText(n)
        case .serialDate(let n): "the date serial \(JSONNumber.canonicalText(n))"
        case .bool(let b): b ? "TRUE" : "FALSE"
        case .empty: "an empty cell"
        case .json(let v): JSONWriter.string(v)
        }
    }

    /// A cell as text: numbers in their shortest form, dates as ISO days.
    static func text(_ cell: Cell) -> String {
        switch cell {
        case .text(let s): s
        case .number(let n): JSONNumber.canonicalText(n)
        case .serialDate(let n): serialDay(n).map(Dates.format(day:)) ?? JSONNumber.canonicalText(n)
        case .bool(let b): b ? "true" : "false"
        case .empty: ""
        case .json(let v): if case .string(let s) = v { s } else { JSONWriter.string(v) }
        }
    }

    // MARK: Numbers

    /// Currency signs an amount may carry, with the currency each names when it names one
    /// alone (`$` and `¥` do not: dollars and yen or yuan of several countries).
    private static let currencySigns: [Character: String?] = ["¥": nil, "￥": nil, "$": nil, "€": "EUR", "£": "GBP", "₩": "KRW",
                                                              "₹": "INR", "元": "CNY", "円": "JPY"]

    /// `1,234.50`, `(1,234)`, `95%`, `¥ 1 234`, `CNY 1,000`, `1.234,5`: the number, its text
    /// kept when the cell wrote it as JSON would (`1.50`).
    static func number(_ raw: String) -> JSONNumber? { amount(raw)?.number }

    /// The number, and the currency its code or sign names, if one does.
    static func amount(_ raw: String) -> (number: JSONNumber, currency: Currency?)? {
        // Most cells of an export are plain numbers already.
        if let n = JSONReader.number(raw) { return (n, nil) }
        var currency: Currency?
        var s = Substring(raw.trimmed)
        var negative = false
        if s.hasPrefix("("), s.hasSuffix(")") { negative = true; s = s.dropFirst().dropLast() }
        var percent = false
        if s.hasSuffix("%") || s.hasSuffix("％") { percent = true; s = s.dropLast() }
        s = s.trimmedSubstring
        // A currency sign or code before or after, and a sign before it (`-$5`, `$-5`).
        if s.hasPrefix("-") || s.hasPrefix("+") || s.hasPrefix("−") {
            if s.first != "+" { negative.toggle() }
            s = s.dropFirst()
        }
        if let first = s.first, let named = currencySigns[first] { currency = named.flatMap(Currency.init); s = s.dropFirst() }
        if let last = s.last, let named = currencySigns[last] { currency = named.flatMap(Currency.init); s = s.dropLast() }
        if s.count > 3, let c = Currency(String(s.prefix(3)).uppercased()), s.dropFirst(3).first.map({ !$0.isLetter }) ?? false {
            currency = c
            s = s.dropFirst(3)
        }
        if s.count > 3, let c = Currency(String(s.suffix(3)).uppercased()), s.dropLast(3).last.map({ !$0.isLetter }) ?? false {
            currency = c
            s = s.dropLast(3)
        }
        s = s.trimmedSubstring
        if s.hasPrefix("-") || s.hasPrefix("−") { negative.toggle(); s = s.dropFirst() }
        guard let plain = ungrouped(s), let mantissa = plain.first, mantissa.isNumber || mantissa == "." else { return nil }
        var text = plain
        if percent { guard let shifted = shiftLeft(text, by: 2) else { return nil }; text = shifted }
        if negative { text = "-" + text }
        if let n = JSONReader.number(text) { return (n, currency) }
        guard let value = Double(text), value.isFinite else { return nil }
        return (JSONNumber(value), currency)
    }

    /// The digits without grouping: `,` ` ` `'` between groups of three, and a decimal
    /// comma when the number has one comma not followed by exactly three digits, or
    /// comes after dots (`1.234,5`).
    private static func ungrouped(_ s: Substring) -> String? {
        let groupMarks: Set<Character> = [",", " ", "\u{00A0}", "\u{202F}", "'", "’"]
        let commas = s.filter { $0 == "," }.count
        var decimal: Character = "."
        if commas == 1, !s.contains(".") {
            let after = s[s.index(after: s.firstIndex(of: ",")!)...]
            if after.count != 3 || !after.allSatisfy(\.isASCIIDigit) { decimal = "," }
        } else if commas > 0, let dot = s.lastIndex(of: "."), let comma = s.lastIndex(of: ","), dot < comma {
            decimal = ","
        }
        let grouping: Set<Character> = decimal == "," ? groupMarks.subtracting([","]).union(["."]) : groupMarks
        // Grouping marks must sit between groups of three digits in the whole part.
        let whole = s.prefix { $0 != decimal && $0 != "e" && $0 != "E" }
        let parts = whole.split(omittingEmptySubsequences: false) { grouping.contains($0) }
        if parts.count > 1 {
            guard let first = parts.first, (1...3).contains(first.count),
                  parts.dropFirst().allSatisfy({ $0.count == 3 && $0.allSatisfy(\.isASCIIDigit) }) else { return nil }
        }
        var out = ""
        for c in s where !grouping.contains(c) || !whole.contains(c) { out.append(c == decimal ? "." : c) }
        return out
    }

    /// `12.5` → `0.125`: the decimal point moved left in the text, so `33.3%` is `0.333` exactly as written.
    private static func shiftLeft(_ text: String, by places: Int) -> String? {
        guard !text.contains("e"), !text.contains("E") else { return Double(text).map { JSONNumber.canonicalText($0 / 100) } }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        var whole = String(parts[0]), fraction = parts.count == 2 ? String(parts[1]) : ""
        while whole.count < places + 1 { whole = "0" + whole }
        fraction = String(whole.suffix(places)) + fraction
        whole = String(whole.dropLast(places))
        while whole.count > 1, whole.first == "0" { whole.removeFirst() }
        while fraction.last == "0" { fraction.removeLast() }
        return fraction.isEmpty ? whole : whole + "." + fraction
    }

    // MARK: Booleans and dates

    static func bool(_ s: String) -> Bool? {
        switch s.trimmed.lowercased() {
        case "true", "yes", "1", "是", "y": true
        case "false", "no", "0", "否", "n": false
        default: nil
        }
    }

    /// Excel's serial day (1 is 1900-01-01, with its 29 February 1900 that never was) as days since 1970.
    static func serialDay(_ serial: Double) -> Int? {
        guard serial >= 1, serial < 2_958_466, serial == serial.rounded(.down) else { return nil }
        let n = Int(serial)
        return (n < 60 ? n + 1 : n) - 25569
    }

    /// A date or a month in one of the forms §6 names: its month (since year 0) and, for a date, its day (since 1970).
    static func calendar(_ raw: String) -> (month: Int, day: Int?)? {
        // The ISO forms, as most files write them, without splitting.
        if let month = Dates.parseMonth(raw) { return (month, nil) }
        if let day = Dates.parseDate(raw) { return (Dates.month(ofDay: day), day) }
        var s = raw.trimmed
        // A midnight time, as ERP exports add (`2024-01-05 00:00:00`), says nothing more.
        for suffix in ["T00:00:00Z", "T00:00:00", " 00:00:00", "T00:00", " 00:00", " 0:00:00", " 0:00"] where s.hasSuffix(suffix) {
            s = String(s.dropLast(suffix.count))
            break
        }
        if s.allSatisfy(\.isASCIIDigit), s.count <= 7, let serial = Double(s) {
            return serialDay(serial).map { (Dates.month(ofDay: $0), $0) }
        }
        // 2024年1月5日 and 2024年1月.
        let cjk = s.hasSuffix("日") ? String(s.dropLast()) : s
        let parts = cjk.split { $0 == "-" || $0 == "/" || $0 == "." || $0 == "年" || $0 == "月" }
        guard parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }), let first = parts.first, first.count == 4,
              let year = Int(first) else { return nil }
        let numbers = parts.dropFirst().compactMap { Int($0) }
        guard numbers.count == parts.count - 1, let month = numbers.first, (1...12).contains(month),
              parts.dropFirst().allSatisfy({ (1...2).contains($0.count) }) else { return nil }
        if numbers.count == 1 { return (year * 12 + month - 1, nil) }
        guard numbers.count == 2 else { return nil }
        let day = numbers[1]
        guard day >= 1, day <= Dates.days(year: month == 12 ? year + 1 : year, month: month == 12 ? 1 : month + 1, day: 1)
                - Dates.days(year: year, month: month, day: 1) else { return nil }
        return (year * 12 + month - 1, Dates.days(year: year, month: month, day: day))
    }
}

extension StringProtocol {
    /// Without white space at either end, the ideographic space included.
    var trimmed: String { String(trimmedSubstring) }
    var trimmedSubstring: Substring {
        var start = startIndex, end = endIndex
        while start < end, self[start].isWhitespace { formIndex(after: &start) }
        while end > start, self[index(before: end)].isWhitespace { formIndex(before: &end) }
        return Substring(self[start..<end])
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
