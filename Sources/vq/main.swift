import ArgumentParser
import CEditLine

/// Parses the arguments as `command` and runs it. Help and version requests
/// exit 0; every usage error exits 2 with the command's usage.
func main(_ command: any ParsableCommand.Type, _ arguments: [String]) -> Never {
    do {
        var parsed = try command.parseAsRoot(arguments)
        try parsed.run()
        exit(0)
    } catch {
        if command.exitCode(for: error) == .success {
            // --help, --version, --generate-completion-script.
            try? writeOut(command.fullMessage(for: error) + "\n")
            finishOutput()
            exit(0)
        }
        if let code = error as? ExitCode { exit(code.rawValue) }
        writeErr("vq: \(command.message(for: error))\nusage: \(command.usageString())\n"
                 + "run '\(command.configuration.commandName ?? "vq") --help' for more\n")
        exit(2)
    }
}

// A signal mask is inherited across exec; vq starts with none blocked.
vq_reset_signal_mask()
let arguments = Array(CommandLine.arguments.dropFirst())
// `vq generate …` and `vq import …` are commands of their own: vq's positional script would take the word.
if arguments.first == "generate" {
    main(GenerateCommand.self, Array(arguments.dropFirst()))
}
if arguments.first == "copy" {
    main(CopyCommand.self, Array(arguments.dropFirst()))
}
if arguments.first == "import" {
    main(ImportCommand.self, Array(arguments.dropFirst()))
}
main(VQCommand.self, arguments)
