extension TrainingSession {
    /// The lecture's SGD step on one example (x, y): every weight and bias takes
    /// w ← w − η ∂C_x/∂w, with the gradients of this example alone computed in Double, as
    /// `Explanation` computes them (dropout off). It is plain SGD whatever the trainer's
    /// optimizer, whose state is kept, and the run's position does not move: the next `step()`
    /// trains the mini-batch it would have trained.
    /// - Returns: the example walked through before the update; its gradients are the step's.
    /// - Throws: `BackpropError` if x or y does not fit the network, or `.diverged` if a
    ///   parameter would become NaN or ±∞ (the parameters are then left as they were).
    public mutating func lectureStep(input x: [S], target y: [S], learningRate eta: Double) throws -> Explanation<Double> {
        let before = try Explanation(
            network: state.network.withDropout(0).converted(to: Double.self), input: x.map { Double($0) },
            target: y.map { Double($0) })
        var layers = state.network.layers
        for l in layers.indices {
            layers[l].weight = try Matrix(
                rows: layers[l].outputSize, columns: layers[l].inputSize,
                elements: zip(layers[l].weight.elements, before.weightGradients[l].elements).map { w, g in S(Double(w) - eta * g) })
            layers[l].bias = zip(layers[l].bias, before.biasGradients[l]).map { b, g in S(Double(b) - eta * g) }
        }
        guard layers.allSatisfy({ $0.weight.elements.allSatisfy(\.isFinite) && $0.bias.allSatisfy(\.isFinite) }) else {
            throw BackpropError.diverged(epoch: state.epoch, batch: state.batch + 1, what: "a parameter, in the one-example step")
        }
        for l in layers.indices {
            state.network.layers[l].weight = layers[l].weight
            state.network.layers[l].bias = layers[l].bias
        }
        return before
    }
}
