import VQSupport

/// An ISO 4217 currency, by its position in `Currency.codes`: two bytes, so
/// that an amount with its currency is no larger than a string.
public struct Currency: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let index: UInt16

    /// The currency with this code; nil for anything but an active ISO 4217 code.
    public init?(_ code: some StringProtocol) {
        guard code.utf8.count == 3, let i = Currency.position[String(code)] else { return nil }
        index = UInt16(i)
    }

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

    private static let position: [String: Int] = Dictionary(uniqueKeysWithValues: codes.enumerated().map { ($1, $0) })

    /// Whether a word of a statement is a currency code (`1.2m USD`).
    public static func isCode(_ word: some StringProtocol) -> Bool { Currency(word) != nil }
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
