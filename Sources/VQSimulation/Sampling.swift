import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQStore
import VQSupport

/// Triangular(0.75, 1, 1.25) by inverse transform: a change request's cost over its nominal cost.
enum Triangular {
    @inline(__always)
    static func standard(_ u: Double) -> Double {
        // One square root and a select, no branch to mispredict.
        let r = (0.125 * min(u, 1 - u)).squareRoot()
        return u < 0.5 ? 0.75 + r : 1.25 - r
    }
}

/// Walker's alias table (Vose's construction) for drawing from a small discrete distribution in O(1).
struct AliasTable {
    var keep: [Double]
    var alias: [Int32]

    init(_ probabilities: [Double]) {
        let n = probabilities.count
        let total = probabilities.reduce(0, +)
        var scaled = probabilities.map { $0 / total * Double(n) }
        keep = [Double](repeating: 1, count: n)
        alias = (0..<n).map(Int32.init)
        var small = scaled.indices.filter { scaled[$0] < 1 }
        var large = scaled.indices.filter { scaled[$0] >= 1 }
        while let s = small.popLast(), let l = large.last {
            keep[s] = scaled[s]
            alias[s] = Int32(l)
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 {
                large.removeLast()
                small.append(l)
            }
        }
    }
}

/// A uniform draw from a counter: SplitMix64's output function, a good
/// 64-bit mixer, applied to distinct counters gives independent uniforms.
enum CounterRandom {
    /// SplitMix64's increment: counters `base + i × gamma` are SplitMix64's own sequence.
    static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    @inline(__always)
    static func bits(_ counter: UInt64) -> UInt64 {
        var z = counter &+ gamma
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    static func unit(_ counter: UInt64) -> Double { Double(bits(counter) >> 11) * 0x1.0p-53 }
}
