/// Plain stochastic gradient descent: w ← w − η ∂C/∂w and b ← b − η ∂C/∂b.
///
/// With C the mean cost of a mini-batch of m examples, this is the lecture's
/// w ← w − (η/m) Σ_x ∂C_x/∂w.
public struct SGD: Optimizer, Sendable {
    /// η.
    public let learningRate: Double

    /// - Throws: `BackpropError.invalidHyperparameter` unless η is finite and positive.
    public init(learningRate: Double) throws {
        guard learningRate.isFinite, learningRate > 0 else {
            throw BackpropError.invalidHyperparameter(
                name: "learning rate", value: "\(learningRate)", expected: "a finite number > 0")
        }
        self.learningRate = learningRate
    }

    public mutating func update<S: Scalar>(_ network: inout Network<S>, with gradients: Gradients<S>) {
        let step = -S(learningRate)
        for l in network.layers.indices {
            network.layers[l].add(step, weightStep: gradients.weight[l], biasStep: gradients.bias[l])
        }
    }
}
