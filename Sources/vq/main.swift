import CEditLine
import Foundation
import VQEngine
import VQGenerator
import VQLanguage
import VQModel
import VQRender
import VQSession
import VQStore
import VQSupport

/// The vq command: picks the store and the input, and hands statements to a Session.
let version = "0.1.0"

/// Every byte of `s` to standard output (a value may hold a NUL); a short write throws.
func writeOut(_ s: String) throws(OutputFailure) {
    var text = s
    if text.withUTF8({ vq_write_out($0.baseAddress, $0.count) }) != 0 { throw OutputFailure(errno: vq_errno()) }
}

func writeErr(_ s: String) {
    var text = s
    _ = text.withUTF8 { vq_write_err($0.baseAddress, $0.count) }
}

/// Standard output flushed; output that could not be written is an error (exit 1).
func finishOutput() {
    if vq_flush_out() != 0 { fail(OutputFailure(errno: vq_errno()).message, code: 1) }
}

func fail(_ message: String, code: Int32) -> Never {
    writeErr("vq: \(TerminalText.visible(message, keepingLineBreaks: true))\n")
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
if options.help { try? writeOut(CommandLineOptions.usage + "\n"); finishOutput(); exit(0) }
if let pinned = ProcessInfo.processInfo.environment["VQ_TODAY"], Dates.parseDate(pinned) == nil {
    fail("VQ_TODAY must be a date (YYYY-MM-DD), not '\(pinned)'", code: 2)
}
if options.version { try? writeOut("vq \(version)\n"); finishOutput(); exit(0) }

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
    finishOutput()
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
    ok = StandardInput.run(session, keepGoing: options.keepGoing)
}
finishOutput()
exit(ok ? 0 : 1)
