import VQLanguage
import VQStore

extension Diagnostic {
    /// Runs store work for a statement: a store error becomes a diagnostic at `range`.
    public static func located<T>(_ range: SourceRange, _ body: () throws(StoreError) -> T) throws(Diagnostic) -> T {
        do { return try body() } catch { throw Diagnostic(error.message, at: range) }
    }
}
