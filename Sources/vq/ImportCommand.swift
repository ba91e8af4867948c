import ArgumentParser
import Foundation
import VQLanguage
import VQModel
import VQSession

/// `vq import [--store DIR] [options] COLLECTION FILE`: the `import` statement
/// from the command line, for scripts of the shell and scheduled refreshes.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vq import",
        abstract: "Import a csv, xlsx, json or jsonl file into a collection, checked and committed as one change.",
        discussion: """
        The same as the statement import into COLLECTION from "FILE" … (vq --help, and .help import in the shell). \
        Exit codes: 0 imported (or a dry run that found no problem), 1 rows refused or the file cannot be used, \
        2 usage error, 3 store cannot be opened.
        """
    )

    @Option(name: [.short, .long], help: ArgumentHelp("The store: a directory or a postgresql:// database.", valueName: "DIR|URL"))
    var store: String?

    @Option(help: "The sheet of an xlsx workbook (default: the first).")
    var sheet: String?

    @Option(help: ArgumentHelp("A csv file's encoding: utf-8, utf-16 or gb18030 (default: detected).", valueName: "NAME"))
    var encoding: String?

    @Option(name: .customLong("map"), help: ArgumentHelp("The field a column gives (FIELD _ leaves it out); several may be given.",
                                                          valueName: "HEADER=FIELD"))
    var mappings: [String] = []

    @Flag(help: "Update the records the rows name (by id; measurements by kpi and period) instead of refusing them.")
    var onConflictUpdate = false

    @Flag(help: "Check the file and say what would change, changing nothing.")
    var dryRun = false

    @Flag(help: "Parse every file from its JSON, without the column cache.")
    var noCache = false

    @Argument(help: "The collection to import into.")
    var collection: String

    @Argument(help: ArgumentHelp("The file: .csv, .xlsx, .json or .jsonl.", valueName: "FILE"))
    var file: String

    func validate() throws {
        guard CollectionName(rawValue: collection) != nil else {
            throw ValidationError("no collection '\(collection)': one of " + CollectionName.allCases.map(\.rawValue).joined(separator: ", "))
        }
        for m in mappings where !m.contains("=") { throw ValidationError("--map needs HEADER=FIELD, found '\(m)'") }
    }

    /// The statement these options spell.
    var statement: String {
        var s = "import into \(collection) from \(Lexer.quoted(file))"
        if let sheet { s += " sheet \(Lexer.quoted(sheet))" }
        if let encoding { s += " encoding \(Lexer.quoted(encoding))" }
        if !mappings.isEmpty {
            s += " map " + mappings.map { m in
                let eq = m.lastIndex(of: "=")!
                return "\(Lexer.quoted(String(m[..<eq]))) as \(m[m.index(after: eq)...])"
            }.joined(separator: ", ")
        }
        if onConflictUpdate { s += " on conflict update" }
        if dryRun { s += " dry run" }
        return s
    }

    func run() throws {
        let (opened, demo) = VQCommand.openStore(store, noCache: noCache)
        let session = Session(store: opened, write: writeOut, writeError: writeErr)
        session.demoStorePath = demo
        if isatty(2) != 0 {
            let progress = ProgressLine()
            session.progress = { report in progress.show(report) }
        }
        let ok = session.run(statement, origin: nil)
        finishOutput()
        if !ok { throw ExitCode(1) }
    }
}
