import ArgumentParser
import Foundation
import VQModel
import VQPostgres
import VQStore
import VQSupport

/// `vq copy SRC DST`: a store from a directory into a database, or back out.
struct CopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vq copy",
        abstract: "Copy a store between a directory and a PostgreSQL database, every record, field and value kept.",
        discussion: """
        vq copy DIR postgresql://USER@HOST/DB makes the store's tables in a database that holds no vq store yet, \
        in one transaction. vq copy postgresql://… DIR writes a new directory (or fills an empty one) from one \
        snapshot of the database. Exit codes: 0 copied, 2 usage error, 3 a store cannot be opened or written.
        """
    )

    @Argument(help: ArgumentHelp("The store to copy: a directory or a database.", valueName: "SRC"))
    var source: String

    @Argument(help: ArgumentHelp("Where to copy it: a database (for a directory) or a new directory (for a database).", valueName: "DST"))
    var destination: String

    func validate() throws {
        if let problem = StoreCopy.unsupported(from: source, to: destination) { throw ValidationError(problem) }
    }

    func run() throws {
        let start = Date()
        let copied: StoreCopy.Copied
        do throws(StoreError) { copied = try StoreCopy.copy(from: source, to: destination) } catch { fail(error.message, code: 3) }
        let seconds = String(format: "%.1f", Date().timeIntervalSince(start))
        do {
            try writeOut("copied \(ValueText.count(copied.records)) records of \(copied.collections) collections "
                         + "to \(PostgresDatabase.shown(destination)) in \(seconds) s\n")
        } catch { fail(error.message, code: 1) }
        finishOutput()
    }
}
