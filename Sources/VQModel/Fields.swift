/// A stored field of one collection, named in code by its case
/// (`ContractField.budget_cap`), so that a misspelt name does not compile. The
/// cases are the collection's schema fields, in order; their raw values are
/// the names in the files.
public protocol StoredField: CaseIterable, Sendable, Hashable, RawRepresentable where RawValue == String, AllCases == [Self] {
    static var collection: CollectionName { get }
    /// The field's type, whether it may be absent, and its range.
    var spec: FieldSpec { get }
    /// For a collection without ids, the fields that identify a record (checked unique).
    static var key: [Self] { get }
    /// The fields that name one record, by which an import finds the record a row
    /// updates (`on conflict update`): the id, else the key.
    static var identity: [Self] { get }
}

extension StoredField {
    public static var key: [Self] { [] }
    public static var identity: [Self] { allCases.first?.rawValue == "id" ? [allCases[0]] : key }
}

extension StoredField {
    /// The field's column in a table of its collection: schema fields come first, in this order.
    public var column: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}

public enum VendorField: String, StoredField {
    case id, name, category, country, status, rating, headcount, certifications, since, notes
    public static let collection = CollectionName.vendors
    public var spec: FieldSpec {
        switch self {
        case .id, .name, .country: FieldSpec(rawValue, .string)
        case .category: FieldSpec(rawValue, .oneOf(Schema.categories))
        case .status: FieldSpec(rawValue, .oneOf(["prospect", "qualified", "active", "suspended", "exited"]))
        case .rating: FieldSpec(rawValue, .number, range: 0...5)
        case .headcount: FieldSpec(rawValue, .int, range: 0...Double.infinity)
        case .certifications: FieldSpec(rawValue, .list(.string))
        case .since: FieldSpec(rawValue, .date)
        case .notes: FieldSpec(rawValue, .string, optional: true)
        }
    }
}

public enum ContractField: String, StoredField {
    case id, vendor, title, start, end, value, currency, budget_cap, payment_terms_days, change_request_cost,
         expected_change_requests, penalty_cap, confidentiality, status, budget_currency
    public static let collection = CollectionName.contracts
    public var spec: FieldSpec {
        switch self {
        case .id, .title: FieldSpec(rawValue, .string)
        case .currency: FieldSpec(rawValue, .currency)
        case .budget_currency: FieldSpec(rawValue, .currency, optional: true)
        case .vendor: FieldSpec(rawValue, .ref(.vendors))
        case .start, .end: FieldSpec(rawValue, .date)
        case .value, .change_request_cost: FieldSpec(rawValue, .number, money: MoneySpec(currency: [.field("currency")]))
        case .budget_cap: FieldSpec(rawValue, .number, money: MoneySpec(currency: [.field("budget_currency"), .field("currency")]))
        case .payment_terms_days, .expected_change_requests: FieldSpec(rawValue, .int, range: 0...Double.infinity)
        case .penalty_cap: FieldSpec(rawValue, .number, range: 0...1)
        case .confidentiality: FieldSpec(rawValue, .bool)
        case .status: FieldSpec(rawValue, .oneOf(["draft", "active", "expired", "terminated"]))
        }
    }
}

public enum KPIField: String, StoredField {
    case id, contract, metric, target, direction, weight, penalty
    public static let collection = CollectionName.kpis
    public var spec: FieldSpec {
        switch self {
        case .id, .metric: FieldSpec(rawValue, .string)
        case .contract: FieldSpec(rawValue, .ref(.contracts))
        case .target: FieldSpec(rawValue, .number)
        case .penalty: FieldSpec(rawValue, .number, money: MoneySpec(currency: [.contract(via: "contract")]))
        case .direction: FieldSpec(rawValue, .oneOf(["higher", "lower"]))
        case .weight: FieldSpec(rawValue, .number, range: 0...Double.infinity)
        }
    }
}

public enum MeasurementField: String, StoredField {
    case kpi, period, actual
    public static let collection = CollectionName.measurements
    /// A kpi has one measurement a period (a monthly refresh updates it); loading does not check this.
    public static let identity: [MeasurementField] = [.kpi, .period]
    public var spec: FieldSpec {
        switch self {
        case .kpi: FieldSpec(rawValue, .ref(.kpis))
        case .period: FieldSpec(rawValue, .month)
        case .actual: FieldSpec(rawValue, .number)
        }
    }
}

public enum RiskField: String, StoredField {
    case id, vendor, contract, title, category, likelihood, impact, status, mitigation, owner, currency
    public static let collection = CollectionName.risks
    public var spec: FieldSpec {
        switch self {
        case .id, .title: FieldSpec(rawValue, .string)
        case .vendor: FieldSpec(rawValue, .ref(.vendors))
        case .contract: FieldSpec(rawValue, .ref(.contracts), optional: true)
        case .category: FieldSpec(rawValue, .oneOf(["financial", "operational", "security", "compliance", "force_majeure", "delivery"]))
        case .likelihood: FieldSpec(rawValue, .number, range: 0...1)
        case .impact: FieldSpec(rawValue, .number, money: MoneySpec(currency: [.contract(via: "contract"), .field("currency"), .reporting]))
        case .status: FieldSpec(rawValue, .oneOf(["open", "mitigated", "closed"]))
        case .mitigation, .owner: FieldSpec(rawValue, .string, optional: true)
        case .currency: FieldSpec(rawValue, .currency, optional: true)
        }
    }
}

public enum CostField: String, StoredField {
    case id, contract, period, category, amount
    public static let collection = CollectionName.costs
    public var spec: FieldSpec {
        switch self {
        case .id: FieldSpec(rawValue, .string)
        case .contract: FieldSpec(rawValue, .ref(.contracts))
        case .period: FieldSpec(rawValue, .month)
        case .category: FieldSpec(rawValue, .oneOf(["labor", "equipment", "materials", "travel", "change_request", "penalty", "bonus", "other"]))
        case .amount: FieldSpec(rawValue, .number, money: MoneySpec(currency: [.contract(via: "contract")], valuedAt: "period"))
        }
    }
}

public enum ChangeRequestField: String, StoredField {
    case id, contract, date, title, cost, status
    public static let collection = CollectionName.change_requests
    public var spec: FieldSpec {
        switch self {
        case .id, .title: FieldSpec(rawValue, .string)
        case .contract: FieldSpec(rawValue, .ref(.contracts))
        case .date: FieldSpec(rawValue, .date)
        case .cost: FieldSpec(rawValue, .number, money: MoneySpec(currency: [.contract(via: "contract")], valuedAt: "date"))
        case .status: FieldSpec(rawValue, .oneOf(["proposed", "approved", "rejected", "done"]))
        }
    }
}

public enum FindingField: String, StoredField {
    case id, contract, date, kind, severity, passed, due, resolved
    public static let collection = CollectionName.findings
    public var spec: FieldSpec {
        switch self {
        case .id: FieldSpec(rawValue, .string)
        case .contract: FieldSpec(rawValue, .ref(.contracts))
        case .date: FieldSpec(rawValue, .date)
        case .kind: FieldSpec(rawValue, .oneOf(["spot_check", "review", "audit", "complaint"]))
        case .severity: FieldSpec(rawValue, .oneOf(["low", "medium", "high", "critical"]))
        case .passed: FieldSpec(rawValue, .bool)
        case .due, .resolved: FieldSpec(rawValue, .date, optional: true)
        }
    }
}

public enum EvaluationField: String, StoredField {
    case id, vendor, date, quality, cost, cooperation, delivery, comment
    public static let collection = CollectionName.evaluations
    public var spec: FieldSpec {
        switch self {
        case .id: FieldSpec(rawValue, .string)
        case .vendor: FieldSpec(rawValue, .ref(.vendors))
        case .date: FieldSpec(rawValue, .date)
        case .quality, .cost, .cooperation, .delivery: FieldSpec(rawValue, .int, range: 1...5)
        case .comment: FieldSpec(rawValue, .string, optional: true)
        }
    }
}

/// Exchange rates (SPEC §5): from `date` on, 1 `from` is worth `rate` `to`.
public enum RateField: String, StoredField {
    case from, to, date, rate
    public static let collection = CollectionName.rates
    public static let key: [RateField] = [.from, .to, .date]
    public var spec: FieldSpec {
        switch self {
        case .from, .to: FieldSpec(rawValue, .currency)
        case .date: FieldSpec(rawValue, .date)
        case .rate: FieldSpec(rawValue, .number, range: 0...Double.infinity, aboveLowerBound: true)
        }
    }
}
