/// The optimizers by the names the command line and the playground offer, each with the
/// defaults a PyTorch user expects; `configuration` turns a name and settings into the
/// `OptimizerConfiguration` that training stores.
public enum OptimizerKind: String, CaseIterable, Codable, Sendable {
    /// SGD: w ← w − η g (with momentum μ where one is given).
    case sgd
    /// SGD with momentum: v ← μ v + g, w ← w − η v, with μ = 0.9 unless given.
    case momentum
    /// Adam.
    case adam
    /// AdamW: Adam with decoupled weight decay, λ = 0.01 unless given.
    case adamw
    /// RMSProp.
    case rmsprop

    /// The names, for messages: "sgd, momentum, adam, adamw or rmsprop".
    public static var names: String {
        let names = allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
    }

    /// η when none is given: 0.01 for SGD (scikit-learn's), 0.001 for the adaptive ones.
    public var defaultLearningRate: Double {
        switch self {
        case .sgd, .momentum: 0.01
        case .adam, .adamw, .rmsprop: 0.001
        }
    }

    /// Whether μ and Nesterov momentum apply: SGD, with or without momentum.
    public var takesMomentum: Bool { self == .sgd || self == .momentum }

    /// The configuration of this optimizer with the settings given; each nil takes its
    /// default (η as `defaultLearningRate`, μ = 0.9 for `momentum` and 0 for `sgd`, λ = 0.01
    /// for AdamW and 0 otherwise). Values are checked when the optimizer is built
    /// (`OptimizerConfiguration.validate`).
    public func configuration(
        learningRate: Double? = nil, momentum: Double? = nil, nesterov: Bool = false, weightDecay: Double? = nil
    ) -> OptimizerConfiguration {
        let rate = learningRate ?? defaultLearningRate
        switch self {
        case .sgd, .momentum:
            let mu = momentum ?? (self == .momentum ? 0.9 : 0)
            return .sgd(learningRate: rate, momentum: mu, nesterov: nesterov, weightDecay: weightDecay ?? 0)
        case .adam: return .adam(learningRate: rate, weightDecay: weightDecay ?? 0)
        case .adamw: return .adamW(learningRate: rate, weightDecay: weightDecay ?? 0.01)
        case .rmsprop: return .rmsProp(learningRate: rate, weightDecay: weightDecay ?? 0)
        }
    }
}
