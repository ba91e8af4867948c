import ArgumentParser
import Foundation
import VQGenerator
import VQModel
import VQRender
import VQSupport

/// `vq generate --vendors N [--seed S] OUT_DIR`: writes a seeded, realistic store.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vq generate",
        abstract: "Write a realistic store from a seed (the same seed gives the same files).",
        discussion: "It writes a new directory and refuses one that already holds store files."
    )

    @Option(help: "How many vendors (1 to 100000; 100000 is about 2 GB).")
    var vendors: Int

    @Option(help: "The seed.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("The day the store is current on: active contracts run through it, measurements and costs reach the month before (default: today).",
                               valueName: "YYYY-MM-DD"))
    var today: String?

    @Argument(help: ArgumentHelp("The directory to write.", valueName: "OUT_DIR"))
    var out: String

    func validate() throws {
        // A slip of an extra zero should not fill the disk.
        guard (1...100_000).contains(vendors) else { throw ValidationError("--vendors needs a whole number from 1 to 100000") }
        if let today, Dates.parseDate(today) == nil { throw ValidationError("--today needs a date (YYYY-MM-DD), not '\(today)'") }
    }

    func run() throws {
        do {
            try StoreGenerator(vendors: vendors, seed: seed, today: today.flatMap(Dates.parseDate) ?? Dates.today()).write(to: out)
        } catch {
            writeErr("vq generate: \(error)\n")
            throw ExitCode(1)
        }
        try? writeOut("wrote a store of \(ValueText.count(vendors)) vendors (seed \(seed)) to \(out); open it with: vq --store \(out)\n")
        finishOutput()
    }
}
