/// A fully connected layer: z = W a + b, a_out = g(z).
///
/// `weight` has shape (outputSize × inputSize), the layout of PyTorch's `nn.Linear.weight`:
/// row j holds the weights into neuron j.
public struct Dense<S: Scalar>: Equatable, Sendable {
    /// W, shape (outputSize × inputSize).
    public internal(set) var weight: Matrix<S>
    /// b, length outputSize.
    public internal(set) var bias: [S]
    /// g.
    public let activation: Activation

    public var inputSize: Int { weight.columns }
    public var outputSize: Int { weight.rows }
    /// The number of weights and biases.
    public var parameterCount: Int { weight.elements.count + bias.count }

    /// A layer with the given parameters.
    /// - Throws: `BackpropError` if the bias length differs from the weight's row count,
    ///   a size is zero, or a parameter is not finite.
    public init(weight: Matrix<S>, bias: [S], activation: Activation) throws {
        guard weight.rows > 0, weight.columns > 0 else {
            throw BackpropError.invalidArchitecture(
                "a layer's weight has shape \(weight.rows) × \(weight.columns); both sizes must be at least 1")
        }
        guard bias.count == weight.rows else {
            throw BackpropError.shapeMismatch(
                what: "bias", expected: "\(weight.rows) values (one per row of the weight)", got: "\(bias.count)")
        }
        if let (row, column) = weight.firstNonFinite() {
            throw BackpropError.nonFinite(what: "weight", row: row, column: column)
        }
        if let j = bias.firstIndex(where: { !$0.isFinite }) {
            throw BackpropError.nonFinite(what: "bias", row: j, column: 0)
        }
        if case .leakyReLU(let slope) = activation, !slope.isFinite {
            throw BackpropError.invalidHyperparameter(
                name: "leaky ReLU slope", value: "\(slope)", expected: "a finite number")
        }
        self.init(unchecked: weight, bias, activation)
    }

    init(unchecked weight: Matrix<S>, _ bias: [S], _ activation: Activation) {
        self.weight = weight
        self.bias = bias
        self.activation = activation
    }

    /// Applies an update to the parameters in place: W ← W + αΔW, b ← b + αΔb (BLAS axpy).
    mutating func add(_ alpha: S, weightStep: Matrix<S>, biasStep: [S]) {
        let weightCount = weight.elements.count, biasCount = bias.count
        weightStep.withPointer { step in
            weight.withMutablePointer { w in S.axpy(count: weightCount, alpha: alpha, x: step, y: w) }
        }
        withPointer(biasStep) { step in
            withMutablePointer(&bias) { b in S.axpy(count: biasCount, alpha: alpha, x: step, y: b) }
        }
    }

    /// Gives mutable access to W and b together, for optimizers that update element-wise.
    mutating func withMutableParameters<R>(
        _ body: (UnsafeMutablePointer<S>, UnsafeMutablePointer<S>) throws -> R
    ) rethrows -> R {
        try weight.withMutablePointer { w in try withMutablePointer(&bias) { b in try body(w, b) } }
    }

    /// The same layer in another precision.
    public func converted<Other: Scalar>(to _: Other.Type = Other.self) -> Dense<Other> {
        Dense<Other>(unchecked: weight.converted(), bias.map { Other($0) }, activation)
    }
}
