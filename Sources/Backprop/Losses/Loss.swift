/// A cost C_x for one example x with target y and network output a = a^L = g(z^L).
///
/// The cost of a mini-batch of m examples is their mean, C = (1/m) Σ_x C_x.
///
/// | name | C_x | output activation | δ^L = ∂C_x/∂z^L |
/// |---|---|---|---|
/// | quadratic | ½ ‖y − a‖² | any | (a − y) ⊙ g′(z^L) |
/// | binary-cross-entropy | −Σ_j [y_j log a_j + (1 − y_j) log(1 − a_j)] | sigmoid | a − y |
/// | cross-entropy | −Σ_j y_j log a_j | softmax | a Σ_j y_j − y (= a − y for one-hot y) |
///
/// The two cross-entropies are computed from the logits z^L, never from log a, so they
/// stay finite for logits of any size (see `Loss+Kernels.swift`).
public enum Loss: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    /// C_x = ½‖y − a‖².
    case quadratic
    /// C_x = −Σ_j [y_j log a_j + (1 − y_j) log(1 − a_j)], on a sigmoid output.
    case binaryCrossEntropy = "binary-cross-entropy"
    /// C_x = −Σ_j y_j log a_j, on a softmax output.
    case crossEntropy = "cross-entropy"

    /// The command-line and model-file name.
    public var name: String { rawValue }
    public var description: String { rawValue }

    /// The loss with this command-line name.
    public init?(name: String) {
        switch name.lowercased() {
        case "quadratic", "mse", "mean-squared-error": self = .quadratic
        case "binary-cross-entropy", "bce": self = .binaryCrossEntropy
        case "cross-entropy", "softmax-cross-entropy", "categorical-cross-entropy": self = .crossEntropy
        default: return nil
        }
    }

    /// The output activation this loss is defined on, if it fixes one.
    public var requiredOutputActivation: Activation? {
        switch self {
        case .quadratic: nil
        case .binaryCrossEntropy: .sigmoid
        case .crossEntropy: .softmax
        }
    }

    /// C_x for one example, from its logits z^L, output a^L = g(z^L) and target y.
    /// - Throws: `BackpropError.shapeMismatch` unless the three have one length.
    public func value<S: Scalar>(z: [S], a: [S], target y: [S]) throws -> Double {
        try checkLengths(a.count, z.count, y.count)
        let zm = Matrix(unchecked: 1, z.count, z), am = Matrix(unchecked: 1, a.count, a)
        let ym = Matrix(unchecked: 1, y.count, y)
        return lossSum(self, z: zm, a: am, y: ym, rows: 1)
    }

    private func checkLengths(_ outputs: Int, _ others: Int...) throws {
        for count in others where count != outputs {
            throw BackpropError.shapeMismatch(
                what: "\(name) loss", expected: "vectors of \(outputs) values", got: "\(count)")
        }
    }

    /// ∇_a C_x, the gradient of one example's cost with respect to the output a^L:
    /// a − y (quadratic), (a − y) / (a (1 − a)) (binary cross-entropy), −y / a (cross-entropy).
    ///
    /// Backpropagation does not use it: it gets δ^L directly, which is exact even where
    /// this quotient overflows. It is here for teaching and for tests.
    /// - Throws: `BackpropError.shapeMismatch` unless `a` and `y` have one length.
    public func outputGradient<S: Scalar>(a: [S], target y: [S]) throws -> [S] {
        try checkLengths(a.count, y.count)
        return zip(a, y).map { a, y in
            switch self {
            case .quadratic: a - y
            case .binaryCrossEntropy: (a - y) / (a * (1 - a))
            case .crossEntropy: -y / a
            }
        }
    }
}
