/// An activation function g, applied as a^(l+1) = g(z^(l+1)).
///
/// | name | g(z) | g′(z) |
/// |---|---|---|
/// | identity | z | 1 |
/// | sigmoid | σ(z) = 1 / (1 + e^(−z)) | σ(z)(1 − σ(z)) |
/// | tanh | tanh z | 1 − tanh² z |
/// | relu | max(0, z) | 1 if z > 0, else 0 |
/// | leaky-relu | z if z > 0, else slope·z | 1 if z > 0, else slope |
/// | softmax | e^(z_j) / Σ_k e^(z_k) (per example) | ∂a_j/∂z_k = a_j(δ_jk − a_k) |
///
/// Softmax couples the outputs of one example, so it is allowed on the output layer only.
public enum Activation: Hashable, Sendable, CustomStringConvertible {
    /// g(z) = z.
    case identity
    /// g(z) = σ(z) = 1 / (1 + e^(−z)).
    case sigmoid
    /// g(z) = tanh z.
    case tanh
    /// g(z) = max(0, z).
    case relu
    /// Leaky ReLU; PyTorch's default slope is 0.01.
    case leakyReLU(slope: Double = 0.01)
    /// g(z)_j = e^(z_j) / Σ_k e^(z_k) over one example's outputs; output layer only.
    case softmax

    /// The element-wise activations, as listed on the command line.
    public static let elementwise: [Activation] = [.identity, .sigmoid, .tanh, .relu, .leakyReLU()]

    /// Every activation.
    public static let all: [Activation] = elementwise + [.softmax]

    /// The name used on the command line and in model files.
    public var name: String {
        switch self {
        case .identity: "identity"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .relu: "relu"
        case .leakyReLU: "leaky-relu"
        case .softmax: "softmax"
        }
    }

    public var description: String {
        if case .leakyReLU(let slope) = self, slope != 0.01 { return "leaky-relu(\(slope))" }
        return name
    }

    /// The activation with this command-line name; `slope` is used for leaky ReLU.
    public init?(name: String, slope: Double = 0.01) {
        switch name.lowercased() {
        case "identity", "linear": self = .identity
        case "sigmoid", "logistic": self = .sigmoid
        case "tanh": self = .tanh
        case "relu": self = .relu
        case "leaky-relu", "leakyrelu", "leaky_relu": self = .leakyReLU(slope: slope)
        case "softmax": self = .softmax
        default: return nil
        }
    }
}
