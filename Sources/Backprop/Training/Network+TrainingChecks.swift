/// What the training step asks of a forward pass and of the parameters.
extension Network {
    /// How many of the `m` examples in `workspace` (examples `indices[start...]`) have
    /// their predicted class equal to their label.
    @_specialize(where S == Float)
    func correctCount(_ workspace: Workspace<S>, rows m: Int, labels: [Int], indices: [Int], from start: Int) -> Int {
        let a = workspace.a[layers.count], width = outputSize
        var correct = 0
        for r in 0..<m where predictedClass(a + r * width, width) == labels[indices[start + r]] { correct += 1 }
        return correct
    }

    /// Where a forward pass first produced NaN or ±∞, in the lecture's notation.
    func firstNonFiniteOutput(_ workspace: Workspace<S>, rows m: Int) -> String {
        for k in layers.indices {
            let z = UnsafeBufferPointer(start: workspace.z[k + 1], count: m * layers[k].outputSize)
            if z.contains(where: { !$0.isFinite }) {
                return "z^\(k + 2) = W^\(k + 1) a^\(k + 1) + b^\(k + 1) (layer \(k + 1))"
            }
        }
        return "the loss"
    }

    /// The lecture's index l and "weight"/"bias" of the first parameter that is NaN or ±∞.
    func firstNonFiniteParameter() -> (Int, String)? {
        for (k, layer) in layers.enumerated() {
            if layer.weight.firstNonFinite() != nil { return (k + 1, "weight") }
            if layer.bias.contains(where: { !$0.isFinite }) { return (k + 1, "bias") }
        }
        return nil
    }
}
