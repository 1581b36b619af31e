/// Updates a network's parameters from the gradients of one mini-batch.
///
/// An optimizer is a pure update of each parameter tensor from its gradient, w ← w − η · step(∂C/∂w),
/// with typed state (velocities, moments) that it keeps between steps: one buffer per kind
/// of state, one value per parameter, allocated on the first step and reused after it.
/// The state is a value of its own (`State`) so that a checkpoint can save and restore it.
public protocol Optimizer<S>: Sendable {
    /// The precision of the networks it updates.
    associatedtype S: Scalar
    /// The type of the state it keeps between steps.
    associatedtype State: OptimizerState<S>
    /// η, the step size; learning-rate schedules change it between epochs.
    var learningRate: Double { get set }
    /// Everything the optimizer has accumulated. A state that does not fit the next
    /// network it updates is dropped, and the optimizer starts afresh.
    var state: State { get set }
    /// One step: every parameter w of `network` moves by the rule of this optimizer, from ∂C/∂w.
    mutating func update(_ network: inout Network<S>, with gradients: Gradients<S>)
    /// η, when this step is plain gradient descent, w ← w − η ∂C/∂w: the training loop
    /// then lets backpropagation apply it, each layer's update fused into the matrix
    /// product that makes its gradient, instead of calling `update(_:with:)`. Returning η
    /// counts the step as taken. nil (the default) when the step needs the gradients
    /// themselves (momentum, weight decay, adaptive rates).
    mutating func fusedGradientDescentStep() -> Double?
}

extension Optimizer {
    /// nil: the step needs the gradients (see the requirement).
    public mutating func fusedGradientDescentStep() -> Double? { nil }
}

/// An optimizer's accumulated state: its step count and its per-parameter buffers.
public protocol OptimizerState<S>: Equatable, Sendable {
    /// The precision of the buffers.
    associatedtype S: Scalar
    /// t, the number of steps taken.
    var step: Int { get }
    /// The per-parameter buffers by name (e.g. Adam's "m" and "v"), as a checkpoint file
    /// stores them; empty before the first step.
    var buffers: [String: ParameterBuffer<S>] { get }
    /// The state a checkpoint saved, checked against the names this state uses and the
    /// shapes of `network`'s parameters.
    /// - Throws: `BackpropError` if a name is unknown, a buffer does not fit `network`, a
    ///   value is not finite, or the step count disagrees with the buffers.
    init(step: Int, buffers: [String: ParameterBuffer<S>], for network: Network<S>) throws
}

extension Optimizer {
    /// Continues from the state a checkpoint saved (see `OptimizerState.init(step:buffers:for:)`).
    public mutating func restore(step: Int, buffers: [String: ParameterBuffer<S>], for network: Network<S>) throws {
        state = try State(step: step, buffers: buffers, for: network)
    }
}

extension OptimizerState {
    /// Checks `buffers` against `names` and `network` (see `init(step:buffers:for:)`).
    static func check(_ buffers: [String: ParameterBuffer<S>], names: Set<String>, for network: Network<S>) throws {
        guard Set(buffers.keys).isSubset(of: names) else {
            throw BackpropError.shapeMismatch(
                what: "optimizer state", expected: "buffers \(names.sorted())", got: "\(buffers.keys.sorted())")
        }
        for (name, buffer) in buffers.sorted(by: { $0.key < $1.key }) {
            guard buffer.fits(network) else {
                throw BackpropError.shapeMismatch(
                    what: "optimizer state '\(name)'", expected: "one array per parameter tensor of the network",
                    got: "\(buffer.tensors.map(\.count))")
            }
            if let bad = buffer.firstNonFinite() {
                throw BackpropError.invalidHyperparameter(
                    name: "optimizer state '\(name)'", value: "\(bad)", expected: "finite values")
            }
        }
    }
}

/// Checks a hyperparameter and throws `BackpropError.invalidHyperparameter` if it is out of range.
func checkHyperparameter(_ name: String, _ value: Double, _ range: ClosedRange<Double>, open: Bool = false) throws {
    let ok = value.isFinite && range.contains(value) && !(open && (value == range.lowerBound))
    guard ok else {
        let lower = open ? "> \(range.lowerBound)" : "≥ \(range.lowerBound)"
        let upper = range.upperBound.isInfinite ? "" : " and ≤ \(range.upperBound)"
        throw BackpropError.invalidHyperparameter(name: name, value: "\(value)", expected: "a number \(lower)\(upper)")
    }
}

extension Network {
    /// Calls `body` for each parameter tensor in the order W^1, b^1, W^2, b^2, …, with its
    /// index, its values, its gradient and its length.
    @_specialize(where S == Float)
    mutating func forEachParameter(
        with gradients: Gradients<S>,
        _ body: (_ index: Int, _ parameters: UnsafeMutablePointer<S>, _ gradient: UnsafePointer<S>, _ count: Int) -> Void
    ) {
        for l in layers.indices {
            let weightCount = layers[l].weight.elements.count, biasCount = layers[l].bias.count
            layers[l].withMutableParameters { w, b in
                gradients.weight[l].withPointer { body(2 * l, w, $0, weightCount) }
                withPointer(gradients.bias[l]) { body(2 * l + 1, b, $0, biasCount) }
            }
        }
    }
}
