import CEditLine
import Foundation
import VQKit

/// The vq command: picks the store and the input, and hands statements to a Session.
let version = "0.1.0"

func writeOut(_ s: String) { vq_write_out(s) }
func writeErr(_ s: String) { vq_write_err(s) }

func fail(_ message: String, code: Int32) -> Never {
    writeErr("vq: \(message)\n")
    exit(code)
}

vq_reset_signal_mask()
var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "generate" {
    exit(Generate.main(Array(arguments.dropFirst())))
}

let options: CommandLineOptions
do {
    options = try CommandLineOptions(arguments)
} catch {
    writeErr("vq: \(error.message)\n\(CommandLineOptions.usage)\n")
    exit(2)
}
if options.help { print(CommandLineOptions.usage); exit(0) }
if let pinned = ProcessInfo.processInfo.environment["VQ_TODAY"], Dates.parseDate(pinned) == nil {
    fail("VQ_TODAY must be a date (YYYY-MM-DD), not '\(pinned)'", code: 2)
}
if options.version { print("vq \(version)"); exit(0) }

let storePath: String
if let s = options.store {
    storePath = s
} else if FileManager.default.fileExists(atPath: "store") {
    storePath = "store"
} else if let demo = DemoStore.path {
    storePath = demo
} else {
    fail("no store: give --store DIR (the bundled demo store is missing)", code: 3)
}
let store: Store
do { store = try Store(path: storePath) } catch { fail(error.message, code: 3) }

let interactive = options.commands.isEmpty && options.script == nil && isatty(0) != 0
let session = Session(store: store, format: options.format ?? .table, write: writeOut, writeError: writeErr)
for (name, value) in options.settings { session.environment.parameters[name] = value }
if let n = options.maxRows { session.maxRows = n }
if options.readOnly { session.readOnly = "the store is open read-only (--read-only)" }
if options.store == nil, storePath != "store" { session.demoStorePath = storePath }

if interactive {
    Shell(session: session, version: version).run()
    exit(0)
}

if isatty(1) != 0 { Shell.fitToTerminal(session) }
var ok = true
for command in options.commands where ok || options.keepGoing {
    ok = session.run(command, keepGoing: options.keepGoing) && ok
}
if let script = options.script, ok || options.keepGoing {
    let text: String
    do { text = try Session.readText(script) } catch { fail(error.message, code: 2) }
    ok = session.run(text, origin: script, keepGoing: options.keepGoing) && ok
} else if options.commands.isEmpty, options.script == nil {
    let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    ok = session.run(text, origin: "<stdin>", keepGoing: options.keepGoing)
}
vq_flush_out()
exit(ok ? 0 : 1)
