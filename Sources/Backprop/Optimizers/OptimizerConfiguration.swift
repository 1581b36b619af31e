/// Which optimizer, with which hyperparameters: a value that training settings, checkpoints
/// and model files store, and that builds the optimizer it describes.
///
/// The defaults are PyTorch's (`torch.optim.SGD` needs a rate; 0.01 is scikit-learn's).
public enum OptimizerConfiguration: Codable, Equatable, Sendable {
    /// `SGD`: w ← w − η g, with optional momentum μ, Nesterov momentum and L2 weight decay λ.
    case sgd(learningRate: Double = 0.01, momentum: Double = 0, nesterov: Bool = false, weightDecay: Double = 0)
    /// `Adam`; with `decoupledWeightDecay`, AdamW.
    case adam(
        learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
        weightDecay: Double = 0, decoupledWeightDecay: Bool = false)
    /// `RMSProp`.
    case rmsProp(learningRate: Double = 1e-2, alpha: Double = 0.99, epsilon: Double = 1e-8, weightDecay: Double = 0)

    /// AdamW: Adam with decoupled weight decay (PyTorch's default λ = 0.01).
    public static func adamW(learningRate: Double = 1e-3, weightDecay: Double = 0.01) -> OptimizerConfiguration {
        .adam(learningRate: learningRate, weightDecay: weightDecay, decoupledWeightDecay: true)
    }

    /// η, the initial learning rate.
    public var learningRate: Double {
        switch self {
        case .sgd(let rate, _, _, _), .adam(let rate, _, _, _, _, _), .rmsProp(let rate, _, _, _): rate
        }
    }

    /// μ, the momentum of SGD (0 for the other optimizers).
    public var momentum: Double {
        if case .sgd(_, let momentum, _, _) = self { return momentum }
        return 0
    }

    /// The name the command line and the model file use: sgd, adam, adamw or rmsprop.
    public var name: String {
        switch self {
        case .sgd: "sgd"
        case .adam(_, _, _, _, _, let decoupled): decoupled ? "adamw" : "adam"
        case .rmsProp: "rmsprop"
        }
    }

    /// A fresh optimizer with these hyperparameters.
    /// - Throws: `BackpropError.invalidHyperparameter` for a value out of its range.
    public func makeOptimizer<S: Scalar>(_: S.Type = S.self) throws -> any Optimizer<S> {
        switch self {
        case .sgd(let rate, let momentum, let nesterov, let decay):
            try SGD<S>(learningRate: rate, momentum: momentum, nesterov: nesterov, weightDecay: decay)
        case .adam(let rate, let beta1, let beta2, let epsilon, let decay, let decoupled):
            try Adam<S>(
                learningRate: rate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: decay,
                decoupledWeightDecay: decoupled)
        case .rmsProp(let rate, let alpha, let epsilon, let decay):
            try RMSProp<S>(learningRate: rate, alpha: alpha, epsilon: epsilon, weightDecay: decay)
        }
    }

    /// Checks every hyperparameter (by building the optimizer once).
    public func validate() throws {
        _ = try makeOptimizer(Double.self)
    }
}
