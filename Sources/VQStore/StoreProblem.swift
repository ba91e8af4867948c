import VQJSON
import VQModel
import VQSupport

/// A problem found while reading a store: which file, record and field, and
/// what was expected against what was found.
public struct StoreProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var record: String?
    public var field: String?
    public var message: String

    public var description: String {
        var parts = [file]
        if let record { parts.append(record) }
        if let field { parts.append("field '\(field)'") }
        return parts.joined(separator: ": ") + ": " + message
    }
}

/// A store or one of its files that cannot be used at all.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}
