import Foundation

/// The explanation as JSON, every quantity at full precision (as Double): matrices as lists
/// of rows, per-layer quantities as lists by layer. `backprop explain --json` prints it, and
/// the playground's lecture view shows it.
extension Explanation: Encodable {
    enum CodingKeys: String, CodingKey {
        case sizes, activations, lossName = "loss_name", weights, biases, input, target, a, z, delta
        case weightGradients = "weight_gradients", biasGradients = "bias_gradients", loss, notation
    }

    /// What each list holds, in the lecture's numbering.
    public static var notation: String {
        "a lists a^1..a^L; z and delta list z^2..z^L and delta^2..delta^L; "
            + "weights, biases, weight_gradients and bias_gradients list W^1..W^(L-1), b^1..b^(L-1) "
            + "and their gradients; z^(l+1) = W^l a^l + b^l, a^(l+1) = g(z^(l+1))"
    }

    /// Encodes sizes, activations, loss_name, weights, biases, input, target, a, z, delta,
    /// weight_gradients, bias_gradients, loss and notation.
    public func encode(to encoder: Encoder) throws {
        func values(_ v: [S]) -> [Double] { v.map { Double($0) } }
        func rows(_ m: Matrix<S>) -> [[Double]] { m.rowArrays.map(values) }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(network.sizes, forKey: .sizes)
        try container.encode(network.layers.map(\.activation.description), forKey: .activations)
        try container.encode(network.loss.name, forKey: .lossName)
        try container.encode(network.layers.map { rows($0.weight) }, forKey: .weights)
        try container.encode(network.layers.map { values($0.bias) }, forKey: .biases)
        try container.encode(values(input), forKey: .input)
        try container.encode(values(target), forKey: .target)
        try container.encode(a.map(values), forKey: .a)
        try container.encode(z.map(values), forKey: .z)
        try container.encode(delta.map(values), forKey: .delta)
        try container.encode(weightGradients.map(rows), forKey: .weightGradients)
        try container.encode(biasGradients.map(values), forKey: .biasGradients)
        try container.encode(loss, forKey: .loss)
        try container.encode(Self.notation, forKey: .notation)
    }

    /// The explanation as one JSON object with sorted keys.
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
