import Foundation

/// How the learning rate η changes from epoch to epoch (e = 1, 2, …; η₀ the optimizer's
/// initial learning rate).
public enum LearningRateSchedule: Codable, Equatable, Sendable {
    /// η_e = η₀.
    case constant
    /// η_e = η₀ · factor^⌊(e − 1) / every⌋ (PyTorch's `StepLR`).
    case step(every: Int, factor: Double)
    /// η_e = η₀ · factor^(e − 1) (PyTorch's `ExponentialLR`).
    case exponential(factor: Double)
    /// η_e = minimum + ½ (η₀ − minimum)(1 + cos(π (e − 1) / epochs)) (PyTorch's `CosineAnnealingLR`).
    case cosine(epochs: Int, minimum: Double = 0)
    /// η ← max(η · factor, minimum) once the monitored loss has not improved (by a relative
    /// 1e-4) for more than `patience` epochs (PyTorch's `ReduceLROnPlateau`).
    case reduceOnPlateau(factor: Double = 0.1, patience: Int = 10, minimum: Double = 0)

    /// Throws `BackpropError.invalidHyperparameter` for factors outside (0, 1], counts < 1
    /// or negative minimums.
    public func validate() throws {
        switch self {
        case .constant:
            return
        case .step(let every, let factor):
            try checkHyperparameter("step schedule factor", factor, 0...1, open: true)
            if every < 1 {
                throw BackpropError.invalidHyperparameter(name: "step schedule period", value: "\(every)", expected: "an integer ≥ 1")
            }
        case .exponential(let factor):
            try checkHyperparameter("exponential schedule factor", factor, 0...1, open: true)
        case .cosine(let epochs, let minimum):
            try checkHyperparameter("cosine schedule minimum", minimum, 0...Double.infinity)
            if epochs < 1 {
                throw BackpropError.invalidHyperparameter(name: "cosine schedule epochs", value: "\(epochs)", expected: "an integer ≥ 1")
            }
        case .reduceOnPlateau(let factor, let patience, let minimum):
            try checkHyperparameter("plateau factor", factor, 0...1, open: true)
            try checkHyperparameter("plateau minimum", minimum, 0...Double.infinity)
            if patience < 0 {
                throw BackpropError.invalidHyperparameter(name: "plateau patience", value: "\(patience)", expected: "an integer ≥ 0")
            }
        }
    }
}

/// Applies a schedule, keeping the state that reduce-on-plateau needs.
public struct LearningRateScheduler: Codable, Equatable, Sendable {
    /// The schedule it applies.
    public let schedule: LearningRateSchedule
    /// η₀, the optimizer's initial learning rate.
    public let initialRate: Double
    /// The rate for the current epoch.
    public private(set) var rate: Double
    private var best: Double?
    private var badEpochs = 0

    /// A scheduler for `schedule` starting from η₀ = `initialRate`.
    public init(_ schedule: LearningRateSchedule, initialRate: Double) {
        self.schedule = schedule
        self.initialRate = initialRate
        self.rate = initialRate
    }

    /// The rate for epoch `e` (1-based), given the monitored loss of epoch e − 1 (if any).
    public mutating func rate(forEpoch e: Int, previousLoss: Double?) -> Double {
        let k = Double(e - 1)
        switch schedule {
        case .constant:
            rate = initialRate
        case .step(let every, let factor):
            rate = initialRate * pow(factor, Double((e - 1) / every))
        case .exponential(let factor):
            rate = initialRate * pow(factor, k)
        case .cosine(let epochs, let minimum):
            let progress = min(k, Double(epochs)) / Double(epochs)
            rate = minimum + 0.5 * (initialRate - minimum) * (1 + cos(.pi * progress))
        case .reduceOnPlateau(let factor, let patience, let minimum):
            guard let loss = previousLoss else { break }
            if loss < (best ?? .infinity) * (1 - 1e-4) {
                best = loss
                badEpochs = 0
            } else {
                badEpochs += 1
                if badEpochs > patience {
                    rate = max(rate * factor, minimum)
                    badEpochs = 0
                }
            }
        }
        return rate
    }
}
