/// RMSProp: scales each step by a running root mean square of the gradients.
///
/// With g = ∂C/∂w + λ w:  s ← α s + (1 − α) g²,  w ← w − η g / (√s + ε)
/// (PyTorch's `torch.optim.RMSprop`, without momentum or centering).
public struct RMSProp<S: Scalar>: Optimizer, Sendable {
    public var learningRate: Double
    /// α, the decay of the running mean of g².
    public let alpha: Double
    /// ε.
    public let epsilon: Double
    /// λ.
    public let weightDecay: Double
    public var state = State()

    /// RMSProp's state: the running mean s of g².
    public struct State: OptimizerState {
        public internal(set) var step = 0
        /// s, the running mean of g² (nil before the first step).
        public internal(set) var square: ParameterBuffer<S>?

        /// The state before the first step: t = 0, no running mean.
        public init() {}

        public var buffers: [String: ParameterBuffer<S>] { square.map { ["square": $0] } ?? [:] }

        public init(step: Int, buffers: [String: ParameterBuffer<S>], for network: Network<S>) throws {
            try Self.check(buffers, names: ["square"], for: network)
            guard step >= 0 else {
                throw BackpropError.invalidHyperparameter(name: "RMSProp step count", value: "\(step)", expected: "an integer ≥ 0")
            }
            self.step = step
            square = buffers["square"]
        }
    }

    /// - Throws: `BackpropError.invalidHyperparameter` for η ≤ 0, α outside [0, 1), ε ≤ 0 or λ < 0.
    public init(learningRate: Double = 1e-2, alpha: Double = 0.99, epsilon: Double = 1e-8, weightDecay: Double = 0) throws {
        try checkHyperparameter("learning rate", learningRate, 0...Double.infinity, open: true)
        try checkHyperparameter("alpha", alpha, 0...0.999_999_999)
        try checkHyperparameter("epsilon", epsilon, 0...Double.infinity, open: true)
        try checkHyperparameter("weight decay", weightDecay, 0...Double.infinity)
        self.learningRate = learningRate
        self.alpha = alpha
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    public mutating func update(_ network: inout Network<S>, with gradients: Gradients<S>) {
        // A network of another shape than the last one starts afresh.
        var square: ParameterBuffer<S>
        if let old = state.square, old.fits(network) { square = old } else { square = ParameterBuffer(zerosFor: network) }
        state.square = nil  // keeps `square` uniquely referenced while it is updated
        state.step += 1
        defer { state.square = square }
        let settings = RMSPropSettings(eta: S(learningRate), alpha: S(alpha), epsilon: S(epsilon), lambda: S(weightDecay))
        let offsets = square.offsets
        square.withBase { s in
            network.forEachParameter(with: gradients) { index, w, g, count in
                rmsPropStep(w, g, s + offsets[index], count: count, settings)
            }
        }
    }
}

/// η, α, ε and λ of one RMSProp step.
struct RMSPropSettings<S: Scalar> {
    var eta, alpha, epsilon, lambda: S
}

/// g ← g + λ w, s ← α s + (1 − α) g², w ← w − η g / (√s + ε), over `count` parameters.
@_specialize(where S == Float)
@_specialize(where S == Double)
func rmsPropStep<S: Scalar>(
    _ w: UnsafeMutablePointer<S>, _ g: UnsafePointer<S>, _ s: UnsafeMutablePointer<S>, count: Int, _ settings: RMSPropSettings<S>
) {
    let (eta, alpha, epsilon, lambda) = (settings.eta, settings.alpha, settings.epsilon, settings.lambda)
    for i in 0..<count {        let gi = g[i] + lambda * w[i]
        let si = flushTiny(alpha * s[i] + (1 - alpha) * gi * gi)
        s[i] = si
        w[i] -= eta * gi / (si.squareRoot() + epsilon)
    }
}
