import Foundation
import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQStore
import VQSupport

/// One case of a what-if: the levers' values (nil: the contract's own data).
struct Variant: Sendable {
    var name: String
    var discount = 0.0, inflation = 0.0, delayMonths = 0.0, fx = 1.0, fxVolatility = 0.0, riskMultiplier = 1.0, penalty = 1.0
    var changeRequests: Int?
    var changeRequestCost: Double?

    init(name: String, levers: [(Lever, Double)]) {
        self.name = name
        for (lever, value) in levers {
            switch lever {
            case .discount: discount = value
            case .inflation: inflation = value
            case .delay_months: delayMonths = value
            case .fx: fx = value
            case .fx_volatility: fxVolatility = value
            case .risk_multiplier: riskMultiplier = value
            case .penalty: penalty = value
            case .change_requests: changeRequests = Int(value)
            case .change_request_cost: changeRequestCost = value
            }
        }
    }

    /// The months still to bill, value / T each, less the discount and indexed
    /// from each contract year on: value / T × Σ for m = elapsed … T−1 of
    /// (1 − discount) × (1 + inflation)^⌊m / 12⌋.
    func base(_ c: ContractModel) -> Double {
        guard c.termMonths > 0, c.elapsed < c.termMonths else { return 0 }
        var months = 0.0
        var m = c.elapsed
        while m < c.termMonths {
            let year = m / 12, yearEnd = min(c.termMonths, (year + 1) * 12)
            months += Double(yearEnd - m) * pow(1 + inflation, Double(year))
            m = yearEnd
        }
        return c.value / Double(c.termMonths) * (1 - discount) * months
    }

    /// The schedule slip, billed pro rata at the price before discount and indexation.
    func delay(_ c: ContractModel) -> Double { c.termMonths > 0 ? c.value / Double(c.termMonths) * delayMonths : 0 }

    /// Base and delay of a contract: what does not vary from trial to trial.
    func fixedCost(_ c: ContractModel) -> Double { base(c) + delay(c) }

    /// The change requests still to come: those the case asks for less the ones recorded.
    func requestsLeft(_ c: ContractModel) -> Int { max(0, (changeRequests ?? c.expectedChangeRequests) - c.recordedRequests) }

    func likelihood(_ r: RiskModel) -> Double { r.chance(multiplier: riskMultiplier) }

    /// Whether money from another currency moves in this case.
    var movesFX: Bool { fx != 1 || fxVolatility > 0 }

    /// The fx factor of money in fx group `group` with `horizon` years, given the
    /// trial's standard normal `z` for that currency: fx × exp(σ√h·z − σ²h/2), mean fx.
    @inline(__always)
    func fxFactor(group: Int, horizon: Double, z: Double) -> Double {
        guard group >= 0 else { return 1 }
        guard fxVolatility > 0, horizon > 0 else { return fx }
        let s = fxVolatility * horizon.squareRoot()
        return fx * exp(s * z - s * s / 2)
    }
}
