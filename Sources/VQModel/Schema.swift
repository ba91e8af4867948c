import VQJSON
import VQSupport

/// The nine collections of the domain model (SPEC §1).
public enum CollectionName: String, CaseIterable, Sendable, Hashable, Comparable {
    case vendors, contracts, kpis, measurements, risks, costs, change_requests, findings, evaluations, rates

    public static func < (a: Self, b: Self) -> Bool { a.order < b.order }
    /// The position in `allCases`, without building that array (`spec` is read per record).
    private var order: Int {
        switch self {
        case .vendors: 0
        case .contracts: 1
        case .kpis: 2
        case .measurements: 3
        case .risks: 4
        case .costs: 5
        case .change_requests: 6
        case .findings: 7
        case .evaluations: 8
        case .rates: 9
        }
    }

    public var fileName: String { rawValue + ".json" }
    public var spec: CollectionSpec { Schema.specs[order] }
    /// The name of one record ("vendor"), used for relation names.
    public var singular: String {
        switch self {
        case .vendors: "vendor"
        case .contracts: "contract"
        case .kpis: "kpi"
        case .measurements: "measurement"
        case .risks: "risk"
        case .costs: "cost"
        case .change_requests: "change_request"
        case .findings: "finding"
        case .evaluations: "evaluation"
        case .rates: "rate"
        }
    }
}

/// The type of a stored field.
public indirect enum FieldType: Sendable, Equatable {
    case string, number, int, bool, date, month
    /// An active ISO 4217 code (`Currency.codes`).
    case currency
    case ref(CollectionName)
    case oneOf([String])
    case list(FieldType)

    public var description: String {
        switch self {
        case .string: "string"
        case .number: "number"
        case .int: "int"
        case .bool: "bool"
        case .date: "date"
        case .month: "month"
        case .currency: "currency (ISO 4217)"
        case .ref(let c): "ref(\(c.rawValue))"
        case .oneOf(let values): values.joined(separator: " · ")
        case .list(let t): "[\(t.description)]"
        }
    }
}

/// Where a money field's currency comes from (SPEC §5), tried in order: a
/// currency field of the record itself, the `currency` of the contract it
/// names, or the reporting currency.
public enum CurrencySource: Sendable, Equatable {
    case field(String)
    case contract(via: String)
    case reporting

    public var description: String {
        switch self {
        case .field(let f): "its \(f)"
        case .contract: "its contract's currency"
        case .reporting: "the reporting currency"
        }
    }
}

/// What makes a number field money: where its currency comes from, and the
/// field (a date or month) whose day it is valued at; none: today.
public struct MoneySpec: Sendable {
    public var currency: [CurrencySource]
    public var valuedAt: String?

    public var description: String {
        "money in " + currency.map(\.description).joined(separator: ", else ") + (valuedAt.map { ", valued at its \($0)" } ?? "")
    }
}

/// A stored field: its type, whether it may be absent, a range for numbers,
/// and for an amount of money, where its currency comes from.
public struct FieldSpec: Sendable {
    public var name: String
    public var type: FieldType
    public var optional: Bool
    public var range: ClosedRange<Double>?
    /// A range that excludes its lower bound (a rate is more than 0).
    public var aboveLowerBound: Bool
    public var money: MoneySpec?

    init(_ name: String, _ type: FieldType, optional: Bool = false, range: ClosedRange<Double>? = nil,
         aboveLowerBound: Bool = false, money: MoneySpec? = nil) {
        self.name = name
        self.type = type
        self.optional = optional
        self.range = range
        self.aboveLowerBound = aboveLowerBound
        self.money = money
    }
}

/// One collection: its stored fields and whether records have an `id`.
public struct CollectionSpec: Sendable {
    public var name: CollectionName
    public var fields: [FieldSpec]
    /// Fields that together identify a record without an id: no two records share them.
    public var key: [String]
    /// Fields that name one record for an import: the id, else the key (measurements: kpi and period).
    public var identity: [String]

    public var hasID: Bool { fields.first?.name == "id" }
    public func field(_ name: String) -> FieldSpec? { fields.first { $0.name == name } }
    /// Fields of this collection that refer to another.
    public var references: [(field: String, target: CollectionName)] {
        fields.compactMap { f in
            if case .ref(let target) = f.type { return (f.name, target) }
            return nil
        }
    }
}

public enum Schema {
    public static let categories = ["software", "customer_service", "logistics", "content", "design",
                             "manufacturing", "data_entry", "facilities", "it_ops", "other"]

    /// Each collection's stored fields, from its `StoredField` cases, in the order of `CollectionName`.
    static let specs: [CollectionSpec] = CollectionName.allCases.map { c in
        func spec<F: StoredField>(_ fields: F.Type) -> CollectionSpec {
            CollectionSpec(name: c, fields: F.allCases.map(\.spec), key: F.key.map(\.rawValue), identity: F.identity.map(\.rawValue))
        }
        switch c {
        case .vendors: return spec(VendorField.self)
        case .contracts: return spec(ContractField.self)
        case .kpis: return spec(KPIField.self)
        case .measurements: return spec(MeasurementField.self)
        case .risks: return spec(RiskField.self)
        case .costs: return spec(CostField.self)
        case .change_requests: return spec(ChangeRequestField.self)
        case .findings: return spec(FindingField.self)
        case .evaluations: return spec(EvaluationField.self)
        case .rates: return spec(RateField.self)
        }
    }

    /// Collections whose records refer to `target`, with the referring field:
    /// these are the lists reachable from a `target` record (`vendor.contracts`).
    public static func children(of target: CollectionName) -> [(child: CollectionName, field: String)] {
        CollectionName.allCases.flatMap { child in
            child.spec.references.filter { $0.target == target }.map { (child, $0.field) }
        }
    }

    /// The collections whose files must be read to resolve `collection`'s references.
    public static func dependencies(of collection: CollectionName) -> [CollectionName] {
        collection.spec.references.map(\.target)
    }
}
