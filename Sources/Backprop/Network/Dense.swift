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
    /// p, the probability that dropout zeroes each of this layer's outputs during
    /// training (inverted dropout: kept outputs are scaled by 1/(1 − p)); 0 for none.
    public internal(set) var dropout: Double

    /// n_l, the number of inputs (columns of W).
    public var inputSize: Int { weight.columns }
    /// n_(l+1), the number of outputs (rows of W).
    public var outputSize: Int { weight.rows }
    /// n_l and n_(l+1) together.
    struct Shape {
        var inputs: Int, outputs: Int
    }

    /// The layer's inputs and outputs.
    var shape: Shape { Shape(inputs: weight.columns, outputs: weight.rows) }
    /// The number of weights and biases.
    public var parameterCount: Int { weight.elements.count + bias.count }

    /// A layer with the given parameters.
    /// - Throws: `BackpropError` if the bias length differs from the weight's row count,
    ///   a size is zero, or a parameter is not finite.
    public init(weight: Matrix<S>, bias: [S], activation: Activation, dropout: Double = 0) throws {
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
        guard dropout.isFinite, dropout >= 0, dropout < 1 else {
            throw BackpropError.invalidHyperparameter(name: "dropout", value: "\(dropout)", expected: "a number ≥ 0 and < 1")
        }
        self.init(unchecked: weight, bias, activation, dropout: dropout)
    }

    init(unchecked weight: Matrix<S>, _ bias: [S], _ activation: Activation, dropout: Double = 0) {
        self.weight = weight
        self.bias = bias
        self.activation = activation
        self.dropout = dropout
    }

    /// Gives mutable access to W and b together, for optimizers that update element-wise.
    mutating func withMutableParameters<R>(
        _ body: (UnsafeMutablePointer<S>, UnsafeMutablePointer<S>) throws -> R
    ) rethrows -> R {
        try weight.withMutablePointer { w in try withMutablePointer(&bias) { b in try body(w, b) } }
    }

    /// The same layer in another precision.
    public func converted<Other: Scalar>(to _: Other.Type = Other.self) -> Dense<Other> {
        Dense<Other>(unchecked: weight.converted(), bias.map { Other($0) }, activation, dropout: dropout)
    }
}
