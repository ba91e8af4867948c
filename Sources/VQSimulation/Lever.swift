import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQStore
import VQSupport

/// The what-if levers of `simulate … with` (SPEC §3 "Simulations").
public enum Lever: String, CaseIterable, Sendable {
    case change_requests, change_request_cost, discount, delay_months, inflation, fx, fx_volatility, risk_multiplier, penalty

    public var meaning: String {
        switch self {
        case .change_requests: "number of change requests over the term"
        case .change_request_cost: "cost of one change request"
        case .discount: "negotiated reduction of value"
        case .delay_months: "schedule slip, billed pro rata"
        case .inflation: "annual indexation of value"
        case .fx: "multiplies today's rate from each foreign currency to the reporting one"
        case .fx_volatility: "annual volatility of those rates: a mean-1 lognormal factor per currency per trial"
        case .risk_multiplier: "scales every open risk's likelihood (capped at 1)"
        case .penalty: "scales every kpi's service credit"
        }
    }

    /// What the lever is when not given.
    public var defaultText: String {
        switch self {
        case .change_requests: "the contract's expected_change_requests"
        case .change_request_cost: "the contract's change_request_cost"
        case .discount, .delay_months, .inflation, .fx_volatility: "0"
        case .fx, .risk_multiplier, .penalty: "1"
        }
    }

    /// How a value of the lever reads: shares as percentages.
    public func text(_ value: Double) -> String {
        switch self {
        case .discount, .inflation, .fx_volatility: ValueText.display(value * 100) + "%"
        default: ValueText.display(value)
        }
    }

    /// The values that make sense; others are refused with this range in the message.
    /// The levers' names, for the parser to check.
    public static var names: [String] { allCases.map(\.rawValue) }

    /// Where a goal seek starts (the lever's default), the range it searches,
    /// and the resolution it answers to (SPEC §3: 0.01 % for rates, 0.1 month,
    /// whole change requests).
    func search(_ model: SimulationModel) -> (start: Double, range: ClosedRange<Double>, resolution: Double) {
        let contracts = Double(max(1, model.contracts.count))
        switch self {
        case .discount: return (0, 0...1, 0.0001)
        case .inflation: return (0, -0.5...1, 0.0001)
        case .fx: return (1, 0.01...10, 0.0001)
        case .fx_volatility: return (0, 0...2, 0.0001)
        case .delay_months: return (0, 0...120, 0.1)
        case .change_requests:
            let own = (Double(model.contracts.reduce(0) { $0 + $1.expectedChangeRequests }) / contracts).rounded()
            return (own, 0...max(100, own * 10), 1)
        case .change_request_cost:
            let own = model.contracts.reduce(0) { $0 + $1.changeRequestCost } / contracts
            return (own.rounded(), 0...max(1000, own * 20), 1)
        case .risk_multiplier: return (1, 0...100, 0.0001)
        case .penalty: return (1, 0...100, 0.0001)
        }
    }

    /// `v` on the lever's grid of `resolution`.
    func snap(_ v: Double, resolution: Double) -> Double { (v / resolution).rounded() * resolution }

    public var range: ClosedRange<Double> {
        switch self {
        case .discount: 0...1
        case .inflation: -0.5...1
        case .fx: 0.000_001...1_000_000
        case .fx_volatility: 0...2
        case .change_requests, .change_request_cost, .delay_months, .risk_multiplier, .penalty: 0...1e12
        }
    }
}
