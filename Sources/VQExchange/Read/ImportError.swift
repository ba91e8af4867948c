/// Why a file cannot be imported at all (it cannot be read, or its columns do
/// not fit the collection), as against a row's problem, which is reported with
/// the others.
public struct ImportError: Error, Sendable {
    public var message: String
    public var hint: String?

    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }
}
