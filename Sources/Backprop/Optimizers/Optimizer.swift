/// Updates a network's parameters from the gradients of one mini-batch.
///
/// An optimizer keeps its own typed state (velocities, moments) between steps, one
/// buffer per parameter tensor, allocated on the first step and reused after it.
public protocol Optimizer<S> {
    associatedtype S: Scalar
    /// η, the step size; learning-rate schedules change it between epochs.
    var learningRate: Double { get set }
    mutating func update(_ network: inout Network<S>, with gradients: Gradients<S>)
    /// Everything the optimizer has accumulated, for checkpoints.
    var state: OptimizerState<S> { get }
    /// Continues from a checkpoint's state for `network`.
    /// - Throws: `BackpropError` if the state is of another optimizer or another network.
    mutating func restore(_ state: OptimizerState<S>, for network: Network<S>) throws
}

/// An optimizer's accumulated state: its step count and named buffers, each holding one
/// array per parameter tensor (W^1, b^1, W^2, …), e.g. Adam's "m" and "v".
public struct OptimizerState<S: Scalar>: Equatable, Sendable {
    public var step: Int
    public var buffers: [String: [[S]]]

    public init(step: Int = 0, buffers: [String: [[S]]] = [:]) {
        self.step = step
        self.buffers = buffers
    }

    /// The buffer `name`, checked against the names the optimizer expects and the shapes
    /// of `network`'s parameters (an absent buffer is empty: no step taken yet).
    func buffer(_ name: String, expected: Set<String>, for network: Network<S>) throws -> [[S]] {
        guard Set(buffers.keys).isSubset(of: expected) else {
            throw BackpropError.shapeMismatch(
                what: "optimizer state", expected: "buffers \(expected.sorted())", got: "\(buffers.keys.sorted())")
        }
        let buffer = buffers[name] ?? []
        guard buffer.isEmpty || network.fits(buffer) else {
            throw BackpropError.shapeMismatch(
                what: "optimizer state '\(name)'", expected: "one array per parameter tensor of the network",
                got: "\(buffer.map(\.count))")
        }
        if let bad = buffer.joined().first(where: { !$0.isFinite }) {
            throw BackpropError.invalidHyperparameter(name: "optimizer state '\(name)'", value: "\(bad)", expected: "finite values")
        }
        return buffer
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

    /// Whether `buffers` hold one array per parameter tensor, each of its length.
    func fits(_ buffers: [[S]]) -> Bool {
        buffers.map(\.count) == layers.flatMap { [$0.weight.elements.count, $0.bias.count] }
    }
}
