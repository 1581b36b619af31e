extension Network {
    /// One epoch of mini-batch training with a caller's optimizer and generator: the loop of
    /// `TrainingSession` for one epoch, without a schedule, validation or early stopping.
    ///
    /// Shuffles the examples with `random`, then for each mini-batch of `batchSize` (the last
    /// one may be smaller) runs forward propagation (with dropout, drawn from `random`),
    /// backpropagation and one optimizer step — for plain `SGD`, the lecture's
    /// w ← w − (η/m) Σ_x ∂C_x/∂w.
    ///
    /// - Parameters:
    ///   - data: the training examples.
    ///   - batchSize: m, the examples per mini-batch.
    ///   - optimizer: updates the parameters after every mini-batch, keeping its state.
    ///   - random: shuffles the examples and draws the dropout masks; it advances.
    ///   - epoch: the epoch's number, for progress and error messages.
    ///   - precision: the arithmetic of the matrix products (`Precision`); float32 by default.
    ///   - onBatch: called after every mini-batch; throwing stops training.
    /// - Returns: the mean training cost and, for class targets, the accuracy over the
    ///   epoch's examples, each measured before its batch's update (as Keras reports them).
    /// - Throws: `BackpropError` if the data do not fit, `batchSize` is not positive,
    ///   or the cost or a parameter becomes NaN or ±∞ (the error names epoch and batch).
    public mutating func trainEpoch<O: Optimizer<S>>(
        on data: Dataset<S>, batchSize: Int, optimizer: inout O, random: inout RandomSource,
        epoch: Int = 1, precision: Precision = .float32, onBatch: (BatchProgress) throws -> Void = { _ in }
    ) throws -> Evaluation {
        try precision.check(for: S.self)
        let batches = try MiniBatches(data, size: batchSize, for: self, precision: precision)
        var state = TrainingState(
            network: self, random: random, scheduler: LearningRateScheduler(.constant, initialRate: optimizer.learningRate))
        state.epoch = epoch
        try state.prepareEpoch(batches)
        defer {
            self = state.network
            random = state.random
        }
        while state.batch < batches.count {
            try onBatch(try state.trainBatch(batches, optimizer: &optimizer, clipNorm: nil, transform: nil))
        }
        if let (l, what) = state.network.firstNonFiniteParameter() {
            throw BackpropError.diverged(epoch: epoch, batch: state.batch, what: "a \(what) of layer \(l)")
        }
        var accuracy: Double?
        if case .classes = data.targets { accuracy = Double(state.partialCorrect) / Double(data.count) }
        return Evaluation(loss: state.partialLoss / Double(data.count), accuracy: accuracy, count: data.count)
    }
}
