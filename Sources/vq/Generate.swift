import Foundation
import VQEngine
import VQGenerator
import VQLanguage
import VQModel
import VQRender
import VQSession
import VQStore
import VQSupport

/// `vq generate --vendors N [--seed S] OUT_DIR`: writes a seeded, realistic store.
enum Generate {
    static let usage = "usage: vq generate --vendors N [--seed S] OUT_DIR"

    static func main(_ arguments: [String]) -> Int32 {
        var vendors: Int?
        var seed: UInt64 = 1
        var out: String?
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--vendors", "--seed":
                guard i + 1 < arguments.count else { return usageError("\(a) needs a value") }
                i += 1
                if a == "--vendors" {
                    // A slip of an extra zero should not fill the disk: 100 000 vendors are about 2 GB.
                    guard let n = Int(arguments[i]), (1...100_000).contains(n) else {
                        return usageError("--vendors needs a whole number from 1 to 100000")
                    }
                    vendors = n
                } else {
                    guard let s = UInt64(arguments[i]) else { return usageError("--seed needs a whole number, 0 or more") }
                    seed = s
                }
            default:
                if a.hasPrefix("-") || out != nil { return usageError("unexpected argument '\(a)'") }
                out = a
            }
            i += 1
        }
        guard let vendors, let out else { return usageError("--vendors and OUT_DIR are required") }
        do {
            try StoreGenerator(vendors: vendors, seed: seed).write(to: out)
            print("wrote a store of \(ValueText.count(vendors)) vendors (seed \(seed)) to \(out); open it with: vq --store \(out)")
        } catch {
            FileHandle.standardError.write(Data("vq generate: \(error)\n".utf8))
            return 1
        }
        return 0
    }

    private static func usageError(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("vq generate: \(message)\n\(usage)\n".utf8))
        return 2
    }
}
