/// Stochastic gradient descent, optionally with momentum, Nesterov momentum and L2 weight decay.
///
/// With g = ∂C/∂w + λ w (λ = `weightDecay`, the L2 penalty's gradient):
/// - plain: w ← w − η g, the lecture's w ← w − (η/m) Σ_x ∂C_x/∂w;
/// - momentum μ: v ← μ v + g (v = g on the first step), w ← w − η v;
/// - Nesterov: v as above, w ← w − η (g + μ v).
/// These are PyTorch's `torch.optim.SGD` formulas (dampening 0).
public struct SGD<S: Scalar>: Optimizer, Sendable {
    public var learningRate: Double
    /// μ.
    public let momentum: Double
    /// Whether momentum is Nesterov's: w ← w − η (g + μ v).
    public let nesterov: Bool
    /// λ.
    public let weightDecay: Double
    public var state = State()

    /// SGD's state: the velocity v of momentum (none without momentum).
    public struct State: OptimizerState {
        public internal(set) var step = 0
        /// v, the momentum velocity (nil before the first step, and without momentum).
        public internal(set) var velocity: ParameterBuffer<S>?

        /// The state before the first step: t = 0, no velocity.
        public init() {}

        public var buffers: [String: ParameterBuffer<S>] { velocity.map { ["velocity": $0] } ?? [:] }

        public init(step: Int, buffers: [String: ParameterBuffer<S>], for network: Network<S>) throws {
            try Self.check(buffers, names: ["velocity"], for: network)
            guard step >= 0 else {
                throw BackpropError.invalidHyperparameter(name: "SGD step count", value: "\(step)", expected: "an integer ≥ 0")
            }
            self.step = step
            velocity = buffers["velocity"]
        }
    }

    /// - Throws: `BackpropError.invalidHyperparameter` for η ≤ 0, μ outside [0, 1), λ < 0,
    ///   or Nesterov without momentum.
    public init(learningRate: Double, momentum: Double = 0, nesterov: Bool = false, weightDecay: Double = 0) throws {
        try checkHyperparameter("learning rate", learningRate, 0...Double.infinity, open: true)
        try checkHyperparameter("momentum", momentum, 0...0.999_999)
        try checkHyperparameter("weight decay", weightDecay, 0...Double.infinity)
        if nesterov, momentum == 0 {
            throw BackpropError.invalidHyperparameter(
                name: "momentum", value: "0", expected: "a number > 0 with Nesterov momentum")
        }
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    /// η without momentum or weight decay, where the step is w ← w − η ∂C/∂w; else nil.
    public mutating func fusedGradientDescentStep() -> Double? {
        guard momentum == 0, weightDecay == 0 else { return nil }
        state.step += 1
        return learningRate
    }

    @_specialize(where S == Float)
    public mutating func update(_ network: inout Network<S>, with gradients: Gradients<S>) {
        state.step += 1
        let eta = S(learningRate), lambda = S(weightDecay)
        if momentum == 0 {
            network.forEachParameter(with: gradients) { _, w, g, count in
                sgdStep(w, g, count: count, eta: eta, lambda: lambda)
            }
            return
        }
        // A network of another shape than the last one starts afresh.
        var velocity: ParameterBuffer<S>
        let first: Bool
        if let old = state.velocity, old.fits(network) {
            (velocity, first) = (old, false)
        } else {
            (velocity, first) = (ParameterBuffer(zerosFor: network), true)
        }
        state.velocity = nil  // keeps `velocity` uniquely referenced while it is updated
        defer { state.velocity = velocity }
        let settings = MomentumSettings(eta: eta, mu: S(momentum), lambda: lambda, nesterov: nesterov, first: first)
        let offsets = velocity.offsets
        velocity.withBase { v in
            network.forEachParameter(with: gradients) { index, w, g, count in
                momentumStep(w, g, v + offsets[index], count: count, settings)
            }
        }
    }
}

/// w ← w − η (g + λ w).
@_specialize(where S == Float)
@_specialize(where S == Double)
func sgdStep<S: Scalar>(_ w: UnsafeMutablePointer<S>, _ g: UnsafePointer<S>, count: Int, eta: S, lambda: S) {
    if lambda == 0 {
        S.axpy(count: count, alpha: -eta, x: g, y: w)
    } else {
        for i in 0..<count { w[i] -= eta * (g[i] + lambda * w[i]) }
    }
}

/// η, μ and λ of one momentum step; whether it is Nesterov's, and the first (v = g).
struct MomentumSettings<S: Scalar> {
    var eta, mu, lambda: S
    var nesterov, first: Bool
}

/// v ← μ v + g (v ← g on the first step); w ← w − η v, or w ← w − η (g + μ v) for Nesterov;
/// with g + λ w in place of g.
@_specialize(where S == Float)
@_specialize(where S == Double)
func momentumStep<S: Scalar>(
    _ w: UnsafeMutablePointer<S>, _ g: UnsafePointer<S>, _ v: UnsafeMutablePointer<S>, count: Int, _ settings: MomentumSettings<S>
) {
    let (eta, mu, lambda, nesterov, first) = (settings.eta, settings.mu, settings.lambda, settings.nesterov, settings.first)
    for i in 0..<count {
        let gi = g[i] + lambda * w[i]
        let vi = first ? gi : mu * v[i] + gi
        v[i] = vi
        w[i] -= eta * (nesterov ? gi + mu * vi : vi)
    }
}
