/// Updates a network's parameters from the gradients of one mini-batch.
///
/// An optimizer keeps its own typed state (velocities, moments) between steps, one
/// buffer per parameter tensor, allocated on the first step and reused after it.
public protocol Optimizer<S> {
    associatedtype S: Scalar
    /// η, the step size; learning-rate schedules change it between epochs.
    var learningRate: Double { get set }
    mutating func update(_ network: inout Network<S>, with gradients: Gradients<S>)
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

    /// Zero buffers shaped like each parameter tensor, in `forEachParameter` order.
    func zeroParameterBuffers() -> [[S]] {
        layers.flatMap { [[S](repeating: 0, count: $0.weight.elements.count), [S](repeating: 0, count: $0.bias.count)] }
    }
}
