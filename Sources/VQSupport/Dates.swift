import Foundation

/// Calendar arithmetic on ISO dates, as whole days since 1970-01-01 and
/// months since year 0, without Foundation's calendars (proleptic Gregorian).
public enum Dates {
    /// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public static func civil(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    @usableFromInline
    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Parses `YYYY-MM-DD` strictly (a real calendar day). Inlinable, as the
    /// month parser: every date and month of a file read is checked with them.
    @inlinable
    public static func parseDate(_ s: String) -> Int? {
        s.withBytes { parseDate(bytes: $0) }
    }

    @inlinable
    public static func parseDate(bytes b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard b.count == 10, b[4] == 0x2D, b[7] == 0x2D,
              let y = number(b, 0, 4), let m = number(b, 5, 2), let d = number(b, 8, 2),
              (1...12).contains(m), d >= 1, d <= daysInMonth(year: y, month: m) else { return nil }
        return days(year: y, month: m, day: d)
    }

    /// Parses `YYYY-MM` as months since year 0.
    @inlinable
    public static func parseMonth(_ s: String) -> Int? {
        s.withBytes { parseMonth(bytes: $0) }
    }

    @inlinable
    public static func parseMonth(bytes b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard b.count == 7, b[4] == 0x2D, let y = number(b, 0, 4), let m = number(b, 5, 2),
              (1...12).contains(m) else { return nil }
        return y * 12 + m - 1
    }

    @usableFromInline
    static func number(_ b: UnsafeBufferPointer<UInt8>, _ at: Int, _ count: Int) -> Int? {
        var v = 0
        for i in at..<at + count {
            let c = b[i]
            guard c >= 0x30, c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    /// The first day of a month (months since year 0, as `month(ofDay:)` gives).
    public static func firstDay(ofMonth month: Int) -> Int {
        days(year: month / 12, month: month % 12 + 1, day: 1)
    }

    public static func month(ofDay days: Int) -> Int {
        let c = civil(days)
        return c.year * 12 + c.month - 1
    }

    public static func format(day: Int) -> String {
        let c = civil(day)
        return pad(c.year, 4) + "-" + pad(c.month, 2) + "-" + pad(c.day, 2)
    }

    public static func format(month: Int) -> String {
        pad(month / 12, 4) + "-" + pad(month % 12 + 1, 2)
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        let digits = s.utf8.count  // ASCII: bytes are characters, and far cheaper to count
        return digits >= width ? s : String(repeating: "0", count: width - digits) + s
    }

    /// The day `n` months after `day`, on the same day of the month or, when that
    /// month is shorter, its last day (2024-01-31 + 1 month is 2024-02-29), so that
    /// `wholeMonths(from: d, to: addMonths(n, to: d))` is n.
    public static func addMonths(_ n: Int, to day: Int) -> Int {
        let c = civil(day)
        let total = c.year * 12 + (c.month - 1) + n
        let year = Int((Double(total) / 12).rounded(.down)), month = total - year * 12 + 1
        return days(year: year, month: month, day: min(c.day, daysInMonth(year: year, month: month)))
    }

    /// Whole months from `a` to `b`: a month counts once its day of the month is reached
    /// (2024-03-15 → 2025-03-15 is 12, → 2025-03-14 is 11).
    public static func wholeMonths(from a: Int, to b: Int) -> Int {
        if b < a { return -wholeMonths(from: b, to: a) }
        let x = civil(a), y = civil(b)
        var months = (y.year - x.year) * 12 + (y.month - x.month)
        // A month ending on the last day of a shorter month is complete (01-31 → 02-29).
        if y.day < x.day, y.day < daysInMonth(year: y.year, month: y.month) { months -= 1 }
        return months
    }

    /// Today's date: `VQ_TODAY` when set (tests pin it), else the local date.
    public static func today(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        if let pinned = environment["VQ_TODAY"], let d = parseDate(pinned) { return d }
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        return days(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday))
    }
}

extension String {
    /// The string's UTF-8 in place (a short string's is copied to the stack),
    /// without the mutable copy that `withUTF8` needs: dates and currency codes
    /// are read this way, once a record.
    @inlinable
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = utf8.withContiguousStorageIfAvailable(body) { return r }
        var s = self
        return s.withUTF8(body)
    }
}
