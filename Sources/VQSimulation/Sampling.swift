import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQStore
import VQSupport

/// Triangular(0.75, 1, 1.25): a change request's cost over its nominal cost.
enum Triangular {
    /// The sum of two uniforms is triangular on [0, 2] with its mode at 1, so the
    /// two 32-bit halves of one draw give 0.75 + (U₁ + U₂) / 4 exactly: no square
    /// root, where the inverse transform needs one.
    @inline(__always)
    static func standard(_ bits: UInt64) -> Double {
        0.75 + Double((bits >> 32) + (bits & 0xFFFF_FFFF)) * 0x1p-34
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

/// A uniform draw from a counter: wyrand's output function (a 64 × 64 → 128-bit
/// multiply of the counter with a masked copy of itself, its halves xored),
/// applied to distinct counters, gives independent uniforms. wyrand is a
/// counter-based generator itself (it passes BigCrush and PractRand), and one
/// multiply is half the cost of SplitMix64's two, on the hundreds of millions
/// of draws of a portfolio.
enum CounterRandom {
    /// wyrand's increment: counters `base + i × gamma` are wyrand's own sequence.
    static let gamma: UInt64 = 0xA076_1D64_78BD_642F

    @inline(__always)
    static func bits(_ counter: UInt64) -> UInt64 {
        let s = counter &+ gamma
        let (high, low) = s.multipliedFullWidth(by: s ^ 0xE703_7ED1_A0B4_28DB)
        return high ^ low
    }

    @inline(__always)
    static func unit(_ counter: UInt64) -> Double { Double(bits(counter) >> 11) * 0x1.0p-53 }
}
