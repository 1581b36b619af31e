extension Network {
    /// One epoch of mini-batch SGD: shuffles the examples with `random`, then for each
    /// mini-batch of `batchSize` (the last one may be smaller) runs forward propagation,
    /// backpropagation and one optimizer step.
    ///
    /// - Returns: the mean training cost and, for class targets, the accuracy over the
    ///   epoch's examples, each measured before its batch's update (as Keras reports them).
    /// - Throws: `BackpropError` if the data does not fit, `batchSize` is not positive,
    ///   or the cost becomes NaN or ±∞ (the error names the batch).
    public mutating func trainEpoch(
        on data: Dataset<S>, batchSize: Int, optimizer: inout some Optimizer,
        random: inout RandomSource, epoch: Int = 1
    ) throws -> Evaluation {
        try data.validate(for: self)
        guard batchSize > 0 else {
            throw BackpropError.invalidHyperparameter(
                name: "batch size", value: "\(batchSize)", expected: "an integer ≥ 1")
        }
        guard data.count > 0 else {
            throw BackpropError.shapeMismatch(what: "training data", expected: "at least 1 example", got: "0")
        }
        let workspace = Workspace(for: self, capacity: Swift.min(batchSize, data.count))
        var order = Array(0..<data.count)
        random.shuffle(&order)
        var total: Double = 0
        var correct = 0
        let width = outputSize
        try order.withUnsafeBufferPointer { order in
            for (batch, start) in stride(from: 0, to: order.count, by: batchSize).enumerated() {
                let m = Swift.min(batchSize, order.count - start)
                workspace.load(data, indices: UnsafeBufferPointer(rebasing: order[start ..< start + m]))
                forward(workspace, rows: m)
                let loss = batchLoss(workspace, rows: m)
                guard loss.isFinite else {
                    throw BackpropError.diverged(epoch: epoch, batch: batch + 1, what: "the loss")
                }
                total += loss * Double(m)
                if case .classes(let labels) = data.targets {
                    let a = workspace.a[layers.count]
                    for r in 0..<m where predictedClass(a + r * width, width) == labels[order[start + r]] {
                        correct += 1
                    }
                }
                backward(workspace, rows: m)
                optimizer.update(&self, with: workspace.gradients)
            }
        }
        var accuracy: Double?
        if case .classes = data.targets { accuracy = Double(correct) / Double(data.count) }
        return Evaluation(loss: total / Double(data.count), accuracy: accuracy, count: data.count)
    }
}
