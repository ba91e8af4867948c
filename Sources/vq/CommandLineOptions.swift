import VQEngine
import VQGenerator
import VQLanguage
import VQModel
import VQRender
import VQSession
import VQStore
import VQSupport


/// The command line: `vq [--store DIR] [--format F] [--set k=v]… [--keep-going]
/// [--maxrows N] [-c STATEMENT]… [SCRIPT.vq]`, or `vq generate …`.
struct CommandLineOptions {
    var store: String?
    var format: OutputFormat?
    var settings: [(String, Value)] = []
    var keepGoing = false
    var readOnly = false
    var maxRows: Int?
    var commands: [String] = []
    var script: String?
    var help = false
    var version = false

    struct UsageError: Error {
        var message: String
    }

    static let usage = """
    usage: vq [--store DIR] [--format table|csv|json|jsonl|markdown|line] [--set NAME=VALUE]...
              [--keep-going] [--read-only] [--maxrows N] [-c STATEMENT]... [SCRIPT.vq]
           vq generate --vendors N [--seed S] OUT_DIR

    Without -c or a script, vq reads statements from standard input when it is
    not a terminal, and otherwise starts the interactive shell. With no --store,
    vq uses ./store if it exists, else the bundled demo store.
    Exit codes: 0 success, 1 a statement failed, 2 usage error, 3 store cannot be opened.
    """

    init(_ arguments: [String]) throws(UsageError) {
        var i = 0
        func value(_ flag: String) throws(UsageError) -> String {
            i += 1
            guard i < arguments.count else { throw UsageError(message: "\(flag) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            let a = arguments[i]
            var flag = a
            var inline: String?
            if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") {
                flag = String(a[..<eq])
                inline = String(a[a.index(after: eq)...])
            }
            func take() throws(UsageError) -> String {
                if let inline { return inline }
                return try value(flag)
            }
            switch flag {
            case "--store", "-s": store = try take()
            case "--format", "-f":
                let f = try take()
                guard let parsed = OutputFormat(rawValue: f.lowercased()) else {
                    throw UsageError(message: "unknown format '\(f)' (formats: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                format = parsed
            case "--set":
                let setting = try take()
                guard let eq = setting.firstIndex(of: "="), eq != setting.startIndex else {
                    throw UsageError(message: "--set needs NAME=VALUE, found '\(setting)'")
                }
                guard Lexer.isName(setting[..<eq]) else {
                    throw UsageError(message: "--set: '\(setting[..<eq])' cannot be a parameter name (letters, digits and _, not starting with a digit)")
                }
                settings.append((String(setting[..<eq]), Environment.parseSetting(String(setting[setting.index(after: eq)...]))))
            case "--keep-going": keepGoing = true
            case "--read-only": readOnly = true
            case "--maxrows":
                let n = try take()
                guard let parsed = Int(n), parsed >= 0 else { throw UsageError(message: "--maxrows needs a whole number, found '\(n)'") }
                maxRows = parsed
            case "-c", "--command": commands.append(try take())
            case "-h", "--help": help = true
            case "--version": version = true
            default:
                if a.hasPrefix("-"), a != "-" { throw UsageError(message: "unknown option '\(a)'") }
                if script != nil { throw UsageError(message: "only one script can be given (found '\(script!)' and '\(a)')") }
                script = a
            }
            i += 1
        }
    }
}
