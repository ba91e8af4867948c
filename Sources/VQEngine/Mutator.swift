import Foundation
import VQJSON
import VQLanguage
import VQModel
import VQStore
import VQSupport

/// Turns an insert, update or delete into new file contents, checked against
/// the model first: every new or changed record must have its required
/// fields, the right types, enum values and ranges, a unique id and
/// references that resolve; a delete that others refer to needs `cascade`.
/// Nothing is written here: a plan is whole or it is an error.
public struct Mutator {
    public init(store: Store, evaluator: Evaluator) {
        self.store = store
        self.evaluator = evaluator
    }

    let store: Store
    let evaluator: Evaluator

    public struct Plan {
        public var edits: [CollectionName: FileEdit]
        public var summary: String
        public init(edits: [CollectionName: FileEdit], summary: String) {
            self.edits = edits
            self.summary = summary
        }
    }

    public func plan(_ mutation: Mutation) throws -> Plan {
        guard let collection = mutation.collection else { preconditionFailure("undo has no plan") }
        // An insert into a collection without ids needs nothing of its records (measurements can be large).
        if case .insert(let records) = mutation.kind {
            // Ids and keys (a rate's pair and day) are checked against the records there.
            let table = collection.spec.hasID || !collection.spec.key.isEmpty
                ? try Diagnostic.located(mutation.range) { () throws(StoreError) in try store.table(collection) } : nil
            return try insert(records, into: collection, table)
        }
        let table = try Diagnostic.located(mutation.range) { () throws(StoreError) in try store.table(collection) }
        switch mutation.kind {
        case .insert: preconditionFailure("handled above")
        case .update(let assignments, let filter): return try update(table, assignments, filter)
        case .delete(let filter, let cascade): return try delete(from: table, filter, cascade: cascade, at: mutation.range)
        case .undo: preconditionFailure("undo has no plan")
        case .importFile: preconditionFailure("the session plans imports")
        }
    }

    // MARK: Insert

    /// `table` is read only when the collection has ids or a key (to keep them unique).
    private func insert(_ literals: [RecordLiteral], into collection: CollectionName, _ table: Table?) throws -> Plan {
        let spec = collection.spec
        var edit = try fileEdit(collection, table)
        var newIDs = Set<ExactString>()
        // The written key of every record there and inserted so far (a rate's from, to and date).
        var keys: [[ExactString]: String] = [:]
        if let table, !spec.key.isEmpty {
            let columns = spec.key.map { table.columns[table.column($0)!] }
            for row in 0..<table.count { keys[columns.map { ExactString(JSONWriter.string($0[row])) }] = table.label(row) }
        }
        for (n, literal) in literals.enumerated() {
            let label = "new record \(n + 1)" + (literals.count == 1 ? "" : " of \(literals.count)")
            var values: [String: (JSONValue, SourceRange)] = [:]
            var amounts: [(FieldSpec, Money, SourceRange)] = []
            for field in literal.fields {
                guard let spec = spec.field(field.name) else {
                    throw unknownField(field.name, of: collection, at: field.range)
                }
                if case .value(let e) = field.item, case .money(let m) = try evaluator.compiler.compile(e, in: .constant).eval(.none) {
                    amounts.append((spec, m, field.range))
                }
                values[field.name] = (try json(field.item), field.range)
            }
            for (field, money, range) in amounts {
                try checkCurrency(money, field, in: collection, label: label, at: range) { source in
                    switch source {
                    case .field(let name):
                        if case .string(let code)? = values[name]?.0 { return Currency(code) }
                    case .contract(let via):
                        if case .string(let id)? = values[via]?.0, let contracts = try? store.table(.contracts), let row = contracts.row(id: id),
                           case .string(let code) = contracts.values(ContractField.currency)[row] { return Currency(code) }
                    case .reporting:
                        return store.reportingCurrency
                    }
                    return nil
                }
            }
            let missing = spec.fields.filter { !$0.optional && values[$0.name] == nil }
            if let only = missing.first, missing.count == 1 {
                throw Diagnostic("\(collection.fileName), \(label): missing required field '\(only.name)' (\(only.type.description))", at: literal.range)
            } else if !missing.isEmpty {
                throw Diagnostic("\(collection.fileName), \(label): missing required fields " + missing.map { "'\($0.name)'" }.joined(separator: ", "),
                                 at: literal.range, hint: ".describe \(collection.rawValue) gives each field's type")
            }
            var record = JSONObject()
            for field in spec.fields {
                guard let (value, range) = values[field.name] else { continue }
                try check(value, field, in: collection, label: label, at: range)
                record.keys.append(field.name)
                record.values.append(value)
            }
            if let table, case .string(let id)? = values["id"]?.0 {
                if let row = table.row(id: id) {
                    throw Diagnostic("\(collection.fileName), \(label), field id: duplicate id \"\(id)\" (already used by \(table.label(row)))",
                                     at: values["id"]!.1)
                }
                guard newIDs.insert(ExactString(id)).inserted else {
                    throw Diagnostic("\(collection.fileName), \(label), field id: duplicate id \"\(id)\" (given twice in this insert)",
                                     at: values["id"]!.1)
                }
            }
            if !spec.key.isEmpty {
                let key = spec.key.map { ExactString(JSONWriter.string(values[$0]?.0 ?? .null)) }
                if let other = keys[key] {
                    let shown = zip(spec.key, key).map { "\($0) \($1.string)" }.joined(separator: ", ")
                    throw Diagnostic("\(collection.fileName), \(label): \(other) already has \(shown)", at: literal.range,
                                     hint: "update that record instead")
                }
                keys[key] = label
            }
            edit.append(record)
        }
        let count = literals.count
        return Plan(edits: [collection: edit],
                    summary: "inserted \(ValueText.count(count)) \(count == 1 ? "record" : "records") into \(collection.rawValue)")
    }

    /// A literal's JSON value: expressions are evaluated (they may use `$params` and functions).
    private func json(_ item: RecordLiteral.Item) throws -> JSONValue {
        switch item {
        case .value(let e): return ValueText.stored(try evaluator.compiler.compile(e, in: .constant).eval(.none))
        case .list(let items, _): return .array(try items.map(json))
        case .object(let literal): return .object(JSONObject(try literal.fields.map { ($0.name, try json($0.item)) }))
        }
    }

    /// An amount stored in a money field is a plain number in the record's
    /// currency: money in another currency is refused, not written as if it were.
    private func checkCurrency(_ money: Money, _ field: FieldSpec, in collection: CollectionName, label: String, at range: SourceRange,
                               currencyFrom: (CurrencySource) throws -> Currency?) throws {
        let place = "\(collection.fileName), \(label), field \(field.name)"
        guard let spec = field.money else {
            throw Diagnostic("\(place): expected \(field.type.description), found an amount of money (\(money.currency))", at: range,
                             hint: "write the number alone")
        }
        var own: Currency?
        for source in spec.currency where own == nil { own = try currencyFrom(source) }
        guard let own else {
            throw Diagnostic("\(place): the record's currency is not known, so \(money.currency) cannot be checked", at: range,
                             hint: "give the record its currency, or write the number alone")
        }
        guard own == money.currency else {
            throw Diagnostic("\(place): an amount in \(money.currency), but the field is in \(own) (\(spec.description))", at: range,
                             hint: "convert it: convert(…, \"\(own)\")")
        }
    }

    /// Type, enum, range and reference of one new value.
    private func check(_ value: JSONValue, _ field: FieldSpec, in collection: CollectionName, label: String, at range: SourceRange) throws {
        let place = "\(collection.fileName), \(label), field \(field.name)"
        if case .null = value {
            if field.optional { return }
            throw Diagnostic("\(place): expected \(field.type.description), found null (the field is required)", at: range)
        }
        if let message = Validator.check(value, against: field) { throw Diagnostic("\(place): \(message)", at: range) }
        if case .ref(let target) = field.type, case .string(let id) = value {
            let targetTable = try Diagnostic.located(range) { () throws(StoreError) in try store.table(target) }
            if targetTable.row(id: id) == nil {
                var d = Diagnostic("\(place): no record of \(target.rawValue) has id \"\(id)\"", at: range)
                if let near = Suggest.closest(to: id, in: targetTable.ids) { d.hint = "did you mean \"\(near)\"?" }
                throw d
            }
        }
    }

    // MARK: Update

    private func update(_ table: Table, _ assignments: [Mutation.Assignment], _ filter: Expr?) throws -> Plan {
        let spec = table.name.spec
        var compiled: [(FieldSpec, Compiler.Eval, SourceRange)] = []
        for a in assignments {
            guard let field = spec.field(a.field) else { throw unknownField(a.field, of: table.name, at: a.range) }
            if field.name == "id", spec.hasID {
                throw Diagnostic("ids cannot be changed (other records refer to them); insert a new record and delete the old one",
                                 at: a.range)
            }
            if compiled.contains(where: { $0.0.name == field.name }) { throw Diagnostic("field '\(field.name)' is set twice", at: a.range) }
            compiled.append((field, try evaluator.compiler.compile(a.value, in: .records(table.name)).eval, a.range))
        }
        let rows = try matching(table, filter)
        var edit = try fileEdit(table.name, table)
        let elements = table.elementIndices
        for row in rows {
            var record = table.record(row)
            var changed = false
            for (field, eval, range) in compiled {
                let computed = try eval(.record(row))
                if case .money(let m) = computed, let own = try Diagnostic.located(range, { () throws(StoreError) in
                    try store.moneyColumn(table.name, field) }) {
                    try checkCurrency(m, field, in: table.name, label: table.label(row), at: range) { _ in own.currency[row] }
                }
                let value = ValueText.stored(computed)
                try check(value, field, in: table.name, label: table.label(row), at: range)
                if let k = record.keys.firstIndex(of: field.name) {
                    if record.values[k] != value { record.values[k] = value; changed = true }
                } else {
                    record.keys.append(field.name)
                    record.values.append(value)
                    changed = true
                }
            }
            if changed { edit.replace(elements[row], with: record) }
        }
        return Plan(edits: edit.isChanged ? [table.name: edit] : [:],
                    summary: "updated \(ValueText.count(rows.count)) \(rows.count == 1 ? "record" : "records") of \(table.name.rawValue)")
    }

    // MARK: Delete

    private func delete(from table: Table, _ filter: Expr?, cascade: Bool, at range: SourceRange) throws -> Plan {
        var doomed: [CollectionName: Set<Int>] = [table.name: Set(try matching(table, filter))]
        // Follow the records that refer to what goes, collection by collection.
        var queue = [table.name]
        while let parent = queue.popLast() {
            for (child, field) in Schema.children(of: parent) {
                let childTable = try Diagnostic.located(range) { () throws(StoreError) in try store.table(child) }
                let links = childTable.references[field] ?? []
                let gone = doomed[parent]!
                let referring = links.indices.filter { links[$0] >= 0 && gone.contains(Int(links[$0])) }
                let fresh = Set(referring).subtracting(doomed[child] ?? [])
                guard !fresh.isEmpty else { continue }
                if !cascade {
                    let example = childTable.label(fresh.min()!)
                    throw Diagnostic("cannot delete: \(ValueText.count(fresh.count)) \(fresh.count == 1 ? "record" : "records") of \(child.rawValue) "
                                     + "\(fresh.count == 1 ? "refers" : "refer") to what would be deleted (\(child.fileName), \(example), field \(field))", at: range,
                                     hint: "add 'cascade' to delete them too, or change them first")
                }
                doomed[child, default: []].formUnion(fresh)
                queue.append(child)
            }
        }
        var edits: [CollectionName: FileEdit] = [:]
        for (collection, rows) in doomed where !rows.isEmpty {
            let t = try Diagnostic.located(range) { () throws(StoreError) in try store.table(collection) }
            var edit = try fileEdit(collection, t)
            let elements = t.elementIndices
            for row in rows { edit.remove(elements[row]) }
            edits[collection] = edit
        }
        let main = doomed[table.name]!.count
        var summary = "deleted \(ValueText.count(main)) \(main == 1 ? "record" : "records") of \(table.name.rawValue)"
        let others = doomed.filter { $0.key != table.name && !$0.value.isEmpty }.sorted { $0.key < $1.key }
        if !others.isEmpty {
            summary += ", and by cascade " + others.map { "\($0.key.rawValue): \(ValueText.count($0.value.count))" }.joined(separator: ", ")
        }
        return Plan(edits: edits, summary: summary)
    }

    // MARK: Helpers

    private func matching(_ table: Table, _ filter: Expr?) throws -> [Int] {
        guard let filter else { return Array(0..<table.count) }
        let predicate = try evaluator.compiler.compile(filter, in: .records(table.name)).eval
        return try (0..<table.count).filter { try Operators.truth(try predicate(.record($0)), at: filter.range) == true }
    }

    private func fileEdit(_ collection: CollectionName, _ table: Table?) throws -> FileEdit {
        try store.fileEdit(collection, checkedAgainst: table)
    }

    private func unknownField(_ name: String, of collection: CollectionName, at range: SourceRange) -> Diagnostic {
        if DerivedField.named(name, on: collection) != nil {
            return Diagnostic("'\(name)' is a derived field of \(collection.rawValue): it is computed, not stored", at: range)
        }
        return Diagnostic.unknown("field", name, on: collection.rawValue, at: range, candidates: collection.spec.fields.map(\.name))
    }

}
