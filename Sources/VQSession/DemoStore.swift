import Foundation
import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQSimulation
import VQStore
import VQSupport

public enum DemoStore {
    /// The small store made by `vq generate` that ships with vq, used when no store is named.
    public static var path: String? {
        Bundle.module.resourceURL.map { $0.appendingPathComponent("demo-store").path }
            .flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
    }

    /// The seed and size the shipped demo store was generated with.
    public static let seed: UInt64 = 42
    public static let vendors = 50
}
