import Foundation
import VQEngine
import VQExchange
import VQJSON
import VQLanguage
import VQModel
import VQStore
import VQSupport

/// `import into C from "FILE" …` for a session (SPEC §6): the file read and
/// every row checked; all its problems reported; the change committed as one,
/// like any mutation (so `undo` reverts it), or, in a dry run, only described.
extension Session {
    func importPlan(_ mutation: Mutation, _ clause: ImportClause, source: SourceText, origin: String?) throws -> Mutator.Plan {
        guard let collection = mutation.collection else { preconditionFailure("an import names its collection") }
        guard case .string(let file) = try evaluator(source).compiler.compile(clause.file, in: .constant).eval(.none) else {
            throw Diagnostic("the file to import must be a string", at: clause.file.range)
        }
        var encoding: TextEncoding?
        if let (name, range) = clause.encoding {
            guard let named = TextEncoding(named: name) else {
                throw Diagnostic.unknown("encoding", name, at: range, candidates: TextEncoding.names, listing: true)
            }
            encoding = named
        }
        let path = Session.path(file, relativeTo: origin)
        let request = Importer.Request(collection: collection, file: file, url: URL(fileURLWithPath: path), sheet: clause.sheet,
                                       encoding: encoding, mappings: clause.mappings.map { ImportMapping(header: $0.header, field: $0.field) },
                                       updating: clause.onConflictUpdate)
        let report = progress
        defer { report?(nil) }
        let sheet: Sheet
        do { sheet = try Importer.read(request) } catch {
            throw Diagnostic(error.message, at: clause.file.range, hint: error.hint)
        }
        let importer = Importer(store: store, progress: report.map { report in { @Sendable share in report(("importing", share)) } },
                                isCancelled: isCancelled)
        let plan: Importer.Plan
        do { plan = try importer.plan(request, sheet) } catch let error as ImportError {
            throw Diagnostic(error.message, at: mutation.range, hint: error.hint)
        } catch let error as StoreError {
            throw Diagnostic(error.message, at: mutation.range)
        } catch is Importer.Cancelled {
            throw Diagnostic("import cancelled; nothing was changed", at: mutation.range)
        }
        for problem in plan.problems { writeError("\(problem)\n") }
        if clause.dryRun {
            let refused = plan.refusedRows == 0 ? "no rows refused"
                : "\(ValueText.count(plan.refusedRows)) of \(ValueText.count(plan.rows)) \(plan.rows == 1 ? "row" : "rows") refused (above)"
            say("dry run of \(file) into \(collection.rawValue): \(Session.importCounts(plan, done: false)); \(refused); nothing was changed\n")
            return Mutator.Plan(edits: [:], summary: "")
        }
        if plan.refusedRows > 0 {
            let rows = plan.refusedRows == 1 ? "1 row" : "\(ValueText.count(plan.refusedRows)) rows"
            throw Diagnostic("import refused: \(rows) of \(ValueText.count(plan.rows)) in \(file) \(plan.refusedRows == 1 ? "has" : "have") "
                             + "problems (above); nothing was changed", at: mutation.range,
                             hint: "fix them and import again; 'dry run' checks a file without importing it")
        }
        return Mutator.Plan(edits: plan.edit.map { [collection: $0] } ?? [:], summary: "imported \(file) into \(collection.rawValue): \(Session.importCounts(plan, done: true))")
    }

    /// "3 inserted, 2 updated, 1 unchanged": what the plan did, or would do (a dry run: "3 to insert").
    private static func importCounts(_ plan: Importer.Plan, done: Bool) -> String {
        var parts = ["\(ValueText.count(plan.inserted)) \(done ? "inserted" : "to insert")"]
        if plan.updated > 0 || plan.unchanged > 0 { parts.append("\(ValueText.count(plan.updated)) \(done ? "updated" : "to update")") }
        if plan.unchanged > 0 { parts.append("\(ValueText.count(plan.unchanged)) unchanged") }
        return parts.joined(separator: ", ")
    }
}
