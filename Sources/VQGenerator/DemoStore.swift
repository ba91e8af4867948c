import Foundation
import VQStore
import VQSupport

/// The store vq opens when none is named: generated for today on first use
/// that day (a few tens of milliseconds), so that it is always current (SPEC
/// §4), and kept in the user's cache directory. It is never changed in place.
public enum DemoStore {
    public static let seed: UInt64 = 42
    public static let vendors = 50

    /// Where the demo stores are kept: vq's cache directory, as the column cache.
    public static var cacheDirectory: String { ColumnCache.standardDirectory }

    /// The demo store as of `today`, made now if this day's is not there yet.
    public static func path(today: Int, in root: String = cacheDirectory) throws -> String {
        let name = "demo-" + Dates.format(day: today)
        let path = root + "/" + name
        if FileManager.default.fileExists(atPath: path + "/" + StoreSettings.fileName) { return path }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        // Written aside and renamed into place: another vq starting at the same
        // moment sees a whole store or none, and the first rename wins.
        let partial = root + "/." + name + "-" + UUID().uuidString
        try StoreGenerator(vendors: vendors, seed: seed, today: today).write(to: partial)
        if rename(partial, path) != 0 {
            try? FileManager.default.removeItem(atPath: partial)
            guard FileManager.default.fileExists(atPath: path + "/" + StoreSettings.fileName) else {
                throw StoreError("cannot make the demo store in \(root): \(String(cString: strerror(errno)))")
            }
            return path
        }
        // Earlier days' demo stores are not needed any more.
        for old in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where old.hasPrefix("demo-") && old != name {
            try? FileManager.default.removeItem(atPath: root + "/" + old)
        }
        return path
    }
}
