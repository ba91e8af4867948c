import VQSupport

/// An ISO 4217 currency, by its position in `Currency.codes`: two bytes, so
/// that an amount with its currency is no larger than a string.
public struct Currency: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let index: UInt16

    /// The currency with this code; nil for anything but an active ISO 4217 code.
    /// (Read from the code's three letters, without hashing a string: every
    /// contract's currency is looked up each time a store is read.)
    public init?(_ code: String) {
        guard let i = code.withBytes({ b -> UInt16? in
            guard b.count == 3, let slot = Currency.slot(b[0], b[1], b[2]) else { return nil }
            let i = Currency.byLetters[slot]
            return i == .max ? nil : i
        }) else { return nil }
        index = i
    }

    public init?(_ code: Substring) { self.init(String(code)) }

    /// The position of three capital letters in `byLetters`.
    private static func slot(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        let A = UInt8(ascii: "A"), Z = UInt8(ascii: "Z")
        guard (A...Z).contains(a), (A...Z).contains(b), (A...Z).contains(c) else { return nil }
        return (Int(a - A) * 26 + Int(b - A)) * 26 + Int(c - A)
    }

    /// Each three-letter slot's code index, or .max.
    private static let byLetters: [UInt16] = {
        var table = [UInt16](repeating: .max, count: 26 * 26 * 26)
        for (i, code) in codes.enumerated() {
            let u = Array(code.utf8)
            table[slot(u[0], u[1], u[2])!] = UInt16(i)
        }
        return table
    }()

    public var code: String { Currency.codes[Int(index)] }
    public var description: String { code }
    public static func < (a: Currency, b: Currency) -> Bool { a.index < b.index }

    /// The active codes of ISO 4217 (list one, as amended to 2025), sorted, less
    /// the testing code XTS and XXX, which means "no currency".
    public static let codes: [String] = """
        AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD \
        CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP \
        GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR \
        KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN \
        MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD \
        SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX \
        USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF \
        XPT XSU XUA YER ZAR ZMW ZWG
        """.split(separator: " ").map(String.init)

    /// Digits after the decimal point in amounts (ISO 4217's minor unit): 0 for
    /// the yen and won, 3 for the dinars, 2 for most; none for metals and funds.
    public var minorUnits: Int {
        switch code {
        case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF": 0
        case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND": 3
        case "CLF", "UYW": 4
        default: 2
        }
    }

    /// Whether a word of a statement is a currency code (`1.2m USD`).
    public static func isCode(_ word: String) -> Bool { Currency(word) != nil }
}

/// An amount of money in a known currency. `day` is the day it is valued at
/// (days since 1970-01-01) when it converts to another currency: a cost's
/// period, a change request's date; nil for forward-looking money, which
/// converts at today's rate (SPEC §5). Money recorded over many days (a
/// contract's spend) carries what it is in the reporting currency, each part
/// converted at its own day, as `reported`.
public struct Money: Sendable, Hashable {
    public var amount: Double
    private var reportedAmount: Double
    private var storedDay: Int32
    public var currency: Currency

    public init(_ amount: Double, _ currency: Currency, day: Int? = nil, reported: Double? = nil) {
        self.amount = amount
        self.currency = currency
        storedDay = day.map { Int32(clamping: $0) } ?? .min
        reportedAmount = reported ?? .nan
    }

    public var day: Int? { storedDay == .min ? nil : Int(storedDay) }
    /// The amount in the reporting currency it was computed for, when it is a sum over several days.
    public var reported: Double? { reportedAmount.isNaN ? nil : reportedAmount }

    /// The same valuation, another amount (money × a number is money).
    public func with(amount: Double) -> Money { Money(amount, currency, day: day) }

    public static func == (a: Money, b: Money) -> Bool { a.amount == b.amount && a.currency == b.currency && a.storedDay == b.storedDay }
    public func hash(into h: inout Hasher) {
        h.combine(amount)
        h.combine(currency)
        h.combine(storedDay)
    }
}
