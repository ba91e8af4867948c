import Foundation
import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQSimulation
import VQStore
import VQSupport

/// insert, update, delete and undo for a session: under the store's lock,
/// from the data as it is, committed atomically, with an undo stack.
extension Session {
    /// A change this session made: in a directory, each file's contents before
    /// and its identity after; in a database, the change's entry in the audit trail.
    struct AppliedChange {
        var summary: String
        var files: [(name: String, before: Data?, after: FileIdentity?)]
        var database: DatabaseChange?
    }

    /// Applies a mutation under the store's lock, from the files as they are now.
    func change(_ mutation: Mutation, source: SourceText, origin: String?) throws {
        if case .importFile(let clause) = mutation.kind, clause.dryRun {
            // A dry run reads and checks, and writes nothing: it needs no lock, and works on a read-only store.
            if store.isStale { try refresh() }
            _ = try importPlan(mutation, clause, source: source, origin: origin)
            return
        }
        if let readOnly { throw Diagnostic("\(readOnly); nothing was changed", at: mutation.range) }
        if let demo = demoStorePath, store.path == demo {
            throw Diagnostic("the bundled demo store is read-only; nothing was changed", at: mutation.range,
                             hint: "make a store of your own with: vq generate --vendors 50 --seed 42 DIR, then open it with --store DIR or .open DIR")
        }
        if let database = store.database {
            try change(in: database, mutation, source: source, origin: origin)
            return
        }
        let lock: StoreLock
        do {
            lock = try StoreLock(store.path)
            try Commit.recover(store.path)
        } catch { throw Diagnostic(error.message, at: mutation.range) }
        try withExtendedLifetime(lock) {
            if store.isStale { try refresh() }
            if case .undo = mutation.kind {
                try undo(at: mutation.range)
                return
            }
            // Someone else changed files since this session's last change: undoing
            // that change would now overwrite theirs, so it can no longer be undone.
            if let top = undoStack.last, top.files.contains(where: { FileIdentity.of(Commit.path(store.path, $0.name)) != $0.after }) {
                undoStack = []
            }
            let plan = try plan(mutation, source: source, origin: origin)
            let edits = plan.edits.sorted { $0.key < $1.key }
            do {
                try Commit.write(edits.map { ($0.key.fileName, $0.value.contents()) }, in: store.path)
            } catch let error as StoreError { throw Diagnostic(error.message, at: mutation.range) }
            if !edits.isEmpty {
                remember(AppliedChange(summary: plan.summary, files: edits.map {
                    ($0.key.fileName, $0.value.existed ? $0.value.original : nil,
                     FileIdentity.of(Commit.path(store.path, $0.key.fileName)))
                }))
                try refresh()
            }
            say(plan.summary + "\n")
        }
    }

    private func remember(_ change: AppliedChange) {
        undoStack.append(change)
        if undoStack.count > Session.undoDepth { undoStack.removeFirst() }
    }

    /// The plan of a mutation on the store as it is now.
    private func plan(_ mutation: Mutation, source: SourceText, origin: String?) throws -> Mutator.Plan {
        if case .importFile(let clause) = mutation.kind { return try importPlan(mutation, clause, source: source, origin: origin) }
        return try Mutator(store: store, evaluator: evaluator(source)).plan(mutation)
    }

    /// A mutation on a database store: planned inside the write transaction, on
    /// the data as it is once this session is the one writer (read again when
    /// another shell has committed since), so an update computed from a record
    /// is computed from its latest version.
    private func change(in database: any StoreDatabase, _ mutation: Mutation, source: SourceText, origin: String?) throws {
        let statement = source.text(mutation.range)
        if case .undo = mutation.kind {
            guard let last = undoStack.last, let change = last.database else {
                throw Diagnostic("nothing to undo: this session has changed nothing (or undone all it changed)", at: mutation.range)
            }
            do throws(StoreError) { try database.undo(change, statement: statement) } catch { throw Diagnostic(error.message, at: mutation.range) }
            undoStack.removeLast()
            try refresh()
            say("undone: \(last.summary)\n")
            return
        }
        var summary = ""
        let written: DatabaseChange?
        do {
            written = try database.write(statement: statement) {
                if store.isStale { try refresh() }
                let plan = try plan(mutation, source: source, origin: origin)
                summary = plan.summary
                return (plan.summary, plan.edits, store)
            }
        } catch let error as StoreError { throw Diagnostic(error.message, at: mutation.range) }
        if let written {
            remember(AppliedChange(summary: summary, files: [], database: written))
            try refresh()
        }
        say(summary + "\n")
    }

    /// How many changes `undo` can step back through.
    static let undoDepth = 20

    private func undo(at range: SourceRange) throws {
        guard let last = undoStack.last, last.database == nil else { throw Diagnostic("nothing to undo: this session has changed nothing (or undone all it changed)", at: range) }
        for file in last.files where FileIdentity.of(Commit.path(store.path, file.name)) != file.after {
            throw Diagnostic("cannot undo '\(last.summary)': \(file.name) has changed since (another shell or an editor); nothing was changed",
                             at: range)
        }
        do { try Commit.write(last.files.map { ($0.name, $0.before.map(FileBytes.init)) }, in: store.path) } catch { throw Diagnostic(error.message, at: range) }
        undoStack.removeLast()
        // Each restored file is now as the latest earlier change to it left it
        // (not necessarily the change just below: a cascade touches files that
        // changes further down wrote), so that change knows the file by its new identity.
        for file in last.files {
            if let k = undoStack.lastIndex(where: { $0.files.contains { $0.name == file.name } }),
               let f = undoStack[k].files.firstIndex(where: { $0.name == file.name }) {
                undoStack[k].files[f].after = FileIdentity.of(Commit.path(store.path, file.name))
            }
        }
        try refresh()
        say("undone: \(last.summary)\n")
    }

    /// Reads the store's files again. Variables holding records keep them by
    /// id (a deleted record drops out); groups cannot be kept and are dropped.
    func refresh() throws {
        let old = store
        let fresh: Store
        do { fresh = try old.reopened() } catch { throw Diagnostic(error.message) }
        func carry(_ relation: Relation) -> Relation? {
            switch relation.scope {
            case .records(let c):
                guard c.spec.hasID, let before = try? old.table(c), let after = try? fresh.table(c) else { return nil }
                var moved = relation
                moved.rows = relation.rows.compactMap { row in
                    guard case .record(let r) = row, let id = before.id(r), let now = after.row(id: id) else { return nil }
                    return .record(now)
                }
                return moved
            case .columns, .constant: return relation
            case .groups: return nil
            }
        }
        var dropped: [String] = []
        for (name, variable) in environment.variables {
            guard case .relation(let r) = variable else { continue }
            if let moved = carry(r) { environment.variables[name] = .relation(moved) } else {
                environment.variables[name] = nil
                dropped.append(name)
            }
        }
        if case .relation(let r)? = environment.last { environment.last = carry(r).map { .relation($0) } }
        store = fresh
        reportedProblems = 0
        if !dropped.isEmpty {
            writeError("note: the store changed; \(dropped.sorted().joined(separator: ", ")) held groups of the old records and "
                       + "\(dropped.count == 1 ? "was" : "were") dropped\n")
        }
    }
}
