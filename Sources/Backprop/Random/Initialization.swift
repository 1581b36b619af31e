/// How a layer's parameters are first drawn.
public enum Initialization: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    /// W_jk, b_j ~ N(0, 1): the lecture's and Nielsen's `network.py` setup.
    case normal
    /// Glorot/Xavier uniform: W_jk ~ U(−r, r), r = √(6 / (n_in + n_out)); b = 0.
    /// Keeps activation variance steady through sigmoid and tanh layers (Keras's default).
    case xavier
    /// He/Kaiming normal: W_jk ~ N(0, 2 / n_in); b = 0. Keeps ReLU activations from
    /// shrinking or growing layer by layer.
    case he

    public var description: String { rawValue }

    /// The default for a layer with this activation: He for ReLU-like, Xavier otherwise.
    public static func `default`(for activation: Activation) -> Initialization {
        switch activation {
        case .relu, .leakyReLU: .he
        default: .xavier
        }
    }
}

extension Dense {
    /// A layer of `outputSize` neurons fed by `inputSize` inputs, drawn with `initialization`.
    public init(
        inputSize: Int, outputSize: Int, activation: Activation, dropout: Double = 0,
        initialization: Initialization, random: inout RandomSource
    ) {
        let fanIn = Double(inputSize), fanOut = Double(outputSize)
        var weight = Matrix<S>(rows: outputSize, columns: inputSize)
        var bias = [S](repeating: 0, count: outputSize)
        switch initialization {
        case .normal:
            for i in weight.elements.indices { weight.elements[i] = S(random.normal()) }
            for j in bias.indices { bias[j] = S(random.normal()) }
        case .xavier:
            let r = (6 / (fanIn + fanOut)).squareRoot()
            for i in weight.elements.indices { weight.elements[i] = S(r * (2 * random.uniform() - 1)) }
        case .he:
            let sd = (2 / fanIn).squareRoot()
            for i in weight.elements.indices { weight.elements[i] = S(sd * random.normal()) }
        }
        self.init(unchecked: weight, bias, activation, dropout: dropout)
    }
}
