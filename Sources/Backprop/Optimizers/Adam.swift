import CKernels
import Foundation

/// Adam (Kingma & Ba), and AdamW when the weight decay is decoupled.
///
/// With t the step number and g = ∂C/∂w (+ λ w for Adam's L2 weight decay):
///     m ← β₁ m + (1 − β₁) g,  v ← β₂ v + (1 − β₂) g²,
///     w ← w − η m̂ / (√v̂ + ε),  m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ).
/// AdamW instead shrinks the weights directly, w ← w − η λ w, before the Adam step.
/// These are PyTorch's `torch.optim.Adam` and `AdamW` formulas.
public struct Adam<S: Scalar>: Optimizer, Sendable {
    public var learningRate: Double
    /// β₁, β₂.
    public let beta1: Double, beta2: Double
    /// ε.
    public let epsilon: Double
    /// λ.
    public let weightDecay: Double
    /// Whether λ shrinks the weights directly (AdamW) rather than adding λ w to the gradient.
    public let decoupledWeightDecay: Bool
    public var state = State()

    /// Adam's state: the step count t and the running moments m and v.
    public struct State: OptimizerState {
        /// t, the number of steps taken.
        public internal(set) var step = 0
        /// m, the running mean of g (nil before the first step).
        public internal(set) var m: ParameterBuffer<S>?
        /// v, the running mean of g² (nil before the first step).
        public internal(set) var v: ParameterBuffer<S>?

        /// The state before the first step: t = 0, no moments.
        public init() {}

        public var buffers: [String: ParameterBuffer<S>] {
            guard let m, let v else { return [:] }
            return ["m": m, "v": v]
        }

        public init(step: Int, buffers: [String: ParameterBuffer<S>], for network: Network<S>) throws {
            try Self.check(buffers, names: ["m", "v"], for: network)
            let (m, v) = (buffers["m"], buffers["v"])
            guard (m == nil) == (v == nil), step >= 0, (step == 0) == (m == nil) else {
                throw BackpropError.shapeMismatch(
                    what: "Adam state", expected: "both m and v after at least one step", got: "step \(step)")
            }
            (self.step, self.m, self.v) = (step, m, v)
        }
    }

    /// - Throws: `BackpropError.invalidHyperparameter` for η ≤ 0, β outside [0, 1), ε ≤ 0 or λ < 0.
    public init(
        learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
        weightDecay: Double = 0, decoupledWeightDecay: Bool = false
    ) throws {
        try checkHyperparameter("learning rate", learningRate, 0...Double.infinity, open: true)
        try checkHyperparameter("beta1", beta1, 0...0.999_999_999)
        try checkHyperparameter("beta2", beta2, 0...0.999_999_999)
        try checkHyperparameter("epsilon", epsilon, 0...Double.infinity, open: true)
        try checkHyperparameter("weight decay", weightDecay, 0...Double.infinity)
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    /// AdamW: Adam with decoupled weight decay (PyTorch's default λ = 0.01).
    public static func adamW(
        learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
        weightDecay: Double = 0.01
    ) throws -> Adam {
        try Adam(
            learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
            decoupledWeightDecay: true)
    }

    @_specialize(where S == Float)
    public mutating func update(_ network: inout Network<S>, with gradients: Gradients<S>) {
        // A network of another shape than the last one starts afresh.
        // Taken out of self while updated, so that they stay uniquely referenced (no copy).
        var m: ParameterBuffer<S>, v: ParameterBuffer<S>
        if let oldM = state.m, let oldV = state.v, oldM.fits(network) {
            (m, v) = (oldM, oldV)
        } else {
            (m, v) = (ParameterBuffer(zerosFor: network), ParameterBuffer(zerosFor: network))
            state.step = 0
        }
        state.m = nil
        state.v = nil
        defer {
            state.m = m
            state.v = v
        }
        state.step += 1
        let t = Double(state.step)
        // Doubles, not S: a closure that captures a value of generic size boxes it on the heap.
        let settings = AdamSettings(
            eta: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
            correction1: 1 - pow(beta1, t), correction2: 1 - pow(beta2, t),
            lambda: weightDecay, decoupled: decoupledWeightDecay)
        let offsets = m.offsets
        m.withBase { m in
            v.withBase { v in
                network.forEachParameter(with: gradients) { index, w, g, count in
                    adamStep(w, g, m + offsets[index], v + offsets[index], count: count, settings)
                }
            }
        }
    }
}

/// x, or 0 when |x| < 1e-30. Where gradients are exactly zero (dead ReLU units) the
/// running means m and v decay geometrically (0.9ᵗ for m) and turn subnormal after a few
/// hundred steps; arithmetic on subnormals takes the processor's slow path, so without the
/// flush Adam slows down as training goes on (docs/performance-choices.md). Values below
/// 1e-30 move no step measurably (√v ≤ 1e-15 is invisible next to ε; m ≤ 1e-30 gives steps
/// below 1e-22), so flushing them is free.
@inline(__always)
func flushTiny<S: Scalar>(_ x: S) -> S {
    abs(x) < 1e-30 ? 0 : x
}

struct AdamSettings {
    var eta, beta1, beta2, epsilon, correction1, correction2, lambda: Double
    var decoupled: Bool
}

/// One Adam step over `count` parameters, split over the helper threads when there are
/// enough of them (`parallelElementThreshold`).
@_specialize(where S == Float)
@_specialize(where S == Double)
func adamStep<S: Scalar>(
    _ w: UnsafeMutablePointer<S>, _ g: UnsafePointer<S>, _ m: UnsafeMutablePointer<S>, _ v: UnsafeMutablePointer<S>,
    count: Int, _ s: AdamSettings
) {
    inParallel(parts: parallelParts(elements: count), AdamRanges(w: w, g: g, m: m, v: v, count: count, settings: s))
}

/// One range of the parameters per part.
private struct AdamRanges<S: Scalar>: ParallelJob {
    let w: UnsafeMutablePointer<S>, g: UnsafePointer<S>, m: UnsafeMutablePointer<S>, v: UnsafeMutablePointer<S>
    let count: Int
    let settings: AdamSettings

    func run(part: Int, of parts: Int) {
        let start = partStart(part, of: parts, count: count), end = partStart(part + 1, of: parts, count: count)
        adamStepOnOneThread(w + start, g + start, m + start, v + start, count: end - start, settings)
    }
}

/// One Adam step over `count` parameters, eight at a time, with the formulas above
/// (PyTorch's arrangement: w ← w − (η / (1 − β₁ᵗ)) m / (√v / √(1 − β₂ᵗ) + ε)).
@_specialize(where S == Float)
@_specialize(where S == Double)
func adamStepOnOneThread<S: Scalar>(
    _ w: UnsafeMutablePointer<S>, _ g: UnsafePointer<S>, _ m: UnsafeMutablePointer<S>, _ v: UnsafeMutablePointer<S>,
    count: Int, _ s: AdamSettings
) {
    let coupled = S(s.decoupled ? 0 : s.lambda)
    let shrink = S(s.decoupled ? 1 - s.eta * s.lambda : 1)
    let beta1 = S(s.beta1), beta2 = S(s.beta2), epsilon = S(s.epsilon)
    let stepSize = S(s.eta / s.correction1), rootCorrection2 = S(s.correction2.squareRoot())
    if S.self == Float.self {  // the same formulas vectorized in C; this test vanishes when specialized
        return w.withMemoryRebound(to: Float.self, capacity: count) { w in
            g.withMemoryRebound(to: Float.self, capacity: count) { g in
                m.withMemoryRebound(to: Float.self, capacity: count) { m in
                    v.withMemoryRebound(to: Float.self, capacity: count) { v in
                        backprop_adam_f32(
                            w, g, m, v, count, Float(coupled), Float(shrink), Float(beta1), Float(beta2), Float(epsilon),
                            Float(stepSize), Float(rootCorrection2))
                    }
                }
            }
        }
    }
    var i = 0
    while i + 8 <= count {
        let wi = w.vector8(at: i)
        let gi = g.vector8(at: i) + coupled * wi
        let mi = flushTiny(beta1 * m.vector8(at: i) + (1 - beta1) * gi)
        let vi = flushTiny(beta2 * v.vector8(at: i) + (1 - beta2) * gi * gi)
        m.store(mi, at: i)
        v.store(vi, at: i)
        w.store(shrink * wi - stepSize * mi / (vi.squareRoot() / rootCorrection2 + epsilon), at: i)
        i += 8
    }
    while i < count {
        let gi = g[i] + coupled * w[i]
        let mi = flushTiny(beta1 * m[i] + (1 - beta1) * gi)
        let vi = flushTiny(beta2 * v[i] + (1 - beta2) * gi * gi)
        m[i] = mi
        v[i] = vi
        w[i] = shrink * w[i] - stepSize * mi / (vi.squareRoot() / rootCorrection2 + epsilon)
        i += 1
    }
}
