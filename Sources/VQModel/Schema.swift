import VQJSON
import VQSupport

/// The nine collections of the domain model (SPEC §1).
public enum CollectionName: String, CaseIterable, Sendable, Hashable, Comparable {
    case vendors, contracts, kpis, measurements, risks, costs, change_requests, findings, evaluations

    public static func < (a: Self, b: Self) -> Bool { a.order < b.order }
    private var order: Int { Self.allCases.firstIndex(of: self)! }

    public var fileName: String { rawValue + ".json" }
    public var spec: CollectionSpec { Schema.collections[self]! }
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
        }
    }
}

/// The type of a stored field.
public indirect enum FieldType: Sendable, Equatable {
    case string, number, int, bool, date, month
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
        case .ref(let c): "ref(\(c.rawValue))"
        case .oneOf(let values): values.joined(separator: " · ")
        case .list(let t): "[\(t.description)]"
        }
    }
}

/// A stored field: its type, whether it may be absent, and a range for numbers.
public struct FieldSpec: Sendable {
    public var name: String
    public var type: FieldType
    public var optional: Bool
    public var range: ClosedRange<Double>?

    init(_ name: String, _ type: FieldType, optional: Bool = false, range: ClosedRange<Double>? = nil) {
        self.name = name
        self.type = type
        self.optional = optional
        self.range = range
    }
}

/// A derived (computed, read-only) field and its definition, as `.describe` shows it.
public struct DerivedSpec: Sendable {
    public var name: String
    public var definition: String
}

/// One collection: its stored fields, derived fields and whether records have an `id`.
public struct CollectionSpec: Sendable {
    public var name: CollectionName
    public var fields: [FieldSpec]
    public var derived: [DerivedSpec]

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

    public static let collections: [CollectionName: CollectionSpec] = {
        var all: [CollectionName: CollectionSpec] = [:]
        func add(_ name: CollectionName, _ fields: [FieldSpec], _ derived: [DerivedSpec] = []) {
            all[name] = CollectionSpec(name: name, fields: fields, derived: derived)
        }
        add(.vendors, [
            FieldSpec("id", .string), FieldSpec("name", .string),
            FieldSpec("category", .oneOf(categories)),
            FieldSpec("country", .string),
            FieldSpec("status", .oneOf(["prospect", "qualified", "active", "suspended", "exited"])),
            FieldSpec("rating", .number, range: 0...5), FieldSpec("headcount", .int, range: 0...Double.infinity),
            FieldSpec("certifications", .list(.string)), FieldSpec("since", .date),
            FieldSpec("notes", .string, optional: true),
        ], [
            DerivedSpec(name: "on_time", definition: "mean of actual over all measurements of all kpis with metric on_time of all the vendor's contracts"),
            DerivedSpec(name: "spend", definition: "sum of spend over the vendor's contracts"),
            DerivedSpec(name: "score", definition: "100 × Σ(weight × attainment) / Σ weight over all kpis of all its contracts that have measurements"),
            DerivedSpec(name: "risk_exposure", definition: "Σ likelihood × impact over its risks whose status is open"),
            DerivedSpec(name: "open_findings", definition: "number of findings on its contracts with passed = false and no resolved date"),
            DerivedSpec(name: "eval_score", definition: "mean over its evaluations of the mean of (quality, cost, cooperation, delivery)"),
        ])
        add(.contracts, [
            FieldSpec("id", .string), FieldSpec("vendor", .ref(.vendors)), FieldSpec("title", .string),
            FieldSpec("start", .date), FieldSpec("end", .date),
            FieldSpec("value", .number), FieldSpec("currency", .string), FieldSpec("budget_cap", .number),
            FieldSpec("payment_terms_days", .int, range: 0...Double.infinity),
            FieldSpec("change_request_cost", .number),
            FieldSpec("expected_change_requests", .int, range: 0...Double.infinity),
            FieldSpec("penalty_cap", .number, range: 0...1),
            FieldSpec("confidentiality", .bool),
            FieldSpec("status", .oneOf(["draft", "active", "expired", "terminated"])),
        ], [
            DerivedSpec(name: "spend", definition: "sum of the contract's costs' amount"),
            DerivedSpec(name: "remaining", definition: "budget_cap − spend"),
            DerivedSpec(name: "term_months", definition: "whole months from start to the day after end"),
            DerivedSpec(name: "score", definition: "100 × Σ(weight × attainment) / Σ weight over its kpis that have measurements"),
        ])
        add(.kpis, [
            FieldSpec("id", .string), FieldSpec("contract", .ref(.contracts)), FieldSpec("metric", .string),
            FieldSpec("target", .number), FieldSpec("direction", .oneOf(["higher", "lower"])),
            FieldSpec("weight", .number, range: 0...Double.infinity), FieldSpec("penalty", .number),
        ], [
            DerivedSpec(name: "mean", definition: "mean of the kpi's measurements' actual"),
            DerivedSpec(name: "latest", definition: "actual of the kpi's measurement with the greatest period"),
            DerivedSpec(name: "misses", definition: "number of its measurements that miss the target (actual < target for higher, actual > target for lower)"),
            DerivedSpec(name: "miss_rate", definition: "misses / number of measurements"),
            DerivedSpec(name: "attainment", definition: "higher: min(1, mean / target) (1 when target is 0); lower: min(1, target / mean) (1 when mean is 0); null without measurements"),
        ])
        add(.measurements, [
            FieldSpec("kpi", .ref(.kpis)), FieldSpec("period", .month), FieldSpec("actual", .number),
        ])
        add(.risks, [
            FieldSpec("id", .string), FieldSpec("vendor", .ref(.vendors)),
            FieldSpec("contract", .ref(.contracts), optional: true), FieldSpec("title", .string),
            FieldSpec("category", .oneOf(["financial", "operational", "security", "compliance", "force_majeure", "delivery"])),
            FieldSpec("likelihood", .number, range: 0...1), FieldSpec("impact", .number),
            FieldSpec("status", .oneOf(["open", "mitigated", "closed"])),
            FieldSpec("mitigation", .string, optional: true), FieldSpec("owner", .string, optional: true),
        ])
        add(.costs, [
            FieldSpec("id", .string), FieldSpec("contract", .ref(.contracts)), FieldSpec("period", .month),
            FieldSpec("category", .oneOf(["labor", "equipment", "materials", "travel", "change_request", "penalty", "bonus", "other"])),
            FieldSpec("amount", .number),
        ])
        add(.change_requests, [
            FieldSpec("id", .string), FieldSpec("contract", .ref(.contracts)), FieldSpec("date", .date),
            FieldSpec("title", .string), FieldSpec("cost", .number),
            FieldSpec("status", .oneOf(["proposed", "approved", "rejected", "done"])),
        ])
        add(.findings, [
            FieldSpec("id", .string), FieldSpec("contract", .ref(.contracts)), FieldSpec("date", .date),
            FieldSpec("kind", .oneOf(["spot_check", "review", "audit", "complaint"])),
            FieldSpec("severity", .oneOf(["low", "medium", "high", "critical"])),
            FieldSpec("passed", .bool),
            FieldSpec("due", .date, optional: true), FieldSpec("resolved", .date, optional: true),
        ])
        add(.evaluations, [
            FieldSpec("id", .string), FieldSpec("vendor", .ref(.vendors)), FieldSpec("date", .date),
            FieldSpec("quality", .int, range: 1...5), FieldSpec("cost", .int, range: 1...5),
            FieldSpec("cooperation", .int, range: 1...5), FieldSpec("delivery", .int, range: 1...5),
            FieldSpec("comment", .string, optional: true),
        ])
        return all
    }()

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
