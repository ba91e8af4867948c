import Foundation
import VQJSON
import VQModel

/// `settings.json`: one object, optional. `currency` names the reporting
/// currency; other keys are kept for other tools and not read.
public struct StoreSettings: Sendable {
    public static let fileName = "settings.json"
    public var currency: Currency?

    /// The settings of a store directory, and what is wrong with its file (a
    /// bad file is reported and read as no settings: queries still work).
    static func read(_ file: String) -> (StoreSettings, [StoreProblem]) { read(FileManager.default.contents(atPath: file)) }

    /// The settings a settings.json with these contents gives (nil: no file).
    static func read(_ data: Data?) -> (StoreSettings, [StoreProblem]) {
        guard let data else { return (StoreSettings(), []) }
        func problem(_ field: String?, _ message: String) -> (StoreSettings, [StoreProblem]) {
            (StoreSettings(), [StoreProblem(file: fileName, record: nil, field: field, message: message)])
        }
        let value: JSONValue
        do {
            value = try JSONReader.parse(bytes: Array(data))
        } catch {
            return problem(nil, "\(error); the settings are not used")
        }
        guard case .object(let object) = value else { return problem(nil, "expected an object, found \(value.typeName)") }
        switch object["currency"] {
        case nil, .null?:
            return (StoreSettings(), [])
        case .string(let code)?:
            guard let c = Currency(code) else {
                return problem("currency", "expected an ISO 4217 currency code, found \"\(code)\"; no reporting currency is set")
            }
            return (StoreSettings(currency: c), [])
        case let other?:
            return problem("currency", "expected an ISO 4217 currency code, found \(other.typeName)")
        }
    }
}
