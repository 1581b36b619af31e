/// The mini-batches of a training set: the data, the batch size, the shuffled order of the
/// epoch in progress, and the buffers every step reuses (allocated once).
final class MiniBatches<S: Scalar> {
    let data: Dataset<S>
    let size: Int
    /// Batches per epoch; the last one may be smaller.
    let count: Int
    let workspace: Workspace<S>
    /// The order of the examples in the epoch `orderEpoch`.
    private(set) var order: [Int]
    private(set) var orderEpoch = 0

    /// - Throws: `BackpropError` if the data do not fit `network`, are empty, or `size` < 1.
    init(_ data: Dataset<S>, size: Int, for network: Network<S>) throws {
        try data.validate(for: network)
        guard size > 0 else {
            throw BackpropError.invalidHyperparameter(name: "batch size", value: "\(size)", expected: "an integer ≥ 1")
        }
        guard data.count > 0 else {
            throw BackpropError.shapeMismatch(what: "training data", expected: "at least 1 example", got: "0")
        }
        self.data = data
        self.size = size
        count = (data.count + size - 1) / size
        workspace = Workspace(for: network, capacity: Swift.min(size, data.count))
        order = Array(0..<data.count)
    }

    /// Shuffles the examples for `epoch` with `random` (a permutation of 0 ..< n).
    func shuffle(for epoch: Int, with random: inout RandomSource) {
        for i in order.indices { order[i] = i }
        random.shuffle(&order)
        orderEpoch = epoch
    }
}

/// What happens to the gradients between backpropagation and the optimizer's update:
/// summing them across processes, for instance. Clipping (`Trainer.clipNorm`) follows it.
public typealias GradientTransform<S: Scalar> = (inout Gradients<S>) throws -> Void

extension TrainingState {
    /// Starts `epoch` (when `batch` is 0) or, after a resume within it, redraws its order.
    ///
    /// A new epoch keeps the generator as it began (`epochRandom`), shuffles with it, lets
    /// dropout continue from the shuffled generator, and moves the schedule to the epoch.
    mutating func prepareEpoch(_ batches: MiniBatches<S>) {
        if batch == 0 {
            epochRandom = random
            _ = scheduler.rate(forEpoch: epoch, previousLoss: previousLoss)
            batches.shuffle(for: epoch, with: &random)
        } else if batches.orderEpoch != epoch {
            var shuffler = epochRandom
            batches.shuffle(for: epoch, with: &shuffler)
        }
    }

    /// One mini-batch of the epoch in progress, the body of the one training loop:
    /// forward propagation (with dropout), the cost, backpropagation, the gradient
    /// transform and clipping, then the optimizer's update.
    /// - Throws: `BackpropError.diverged` if the cost is NaN or ±∞; what `transform` throws.
    mutating func trainBatch<O: Optimizer<S>>(
        _ batches: MiniBatches<S>, optimizer: inout O, clipNorm: Double?, transform: GradientTransform<S>?
    ) throws -> BatchProgress {
        let workspace = batches.workspace
        let start = batch * batches.size
        let m = Swift.min(batches.size, batches.data.count - start)
        batches.order.withUnsafeBufferPointer { order in
            workspace.load(batches.data, indices: UnsafeBufferPointer(rebasing: order[start ..< start + m]))
        }
        withUnsafeMutablePointer(to: &random) { network.forward(workspace, rows: m, dropout: $0) }
        let loss = network.batchLoss(workspace, rows: m)
        guard loss.isFinite else {
            throw BackpropError.diverged(epoch: epoch, batch: batch + 1, what: network.firstNonFiniteOutput(workspace, rows: m))
        }
        partialLoss += loss * Double(m)
        if case .classes(let labels) = batches.data.targets {
            partialCorrect += network.correctCount(workspace, rows: m, labels: labels, indices: batches.order, from: start)
        }
        network.backward(workspace, rows: m)
        try transform?(&workspace.gradients)
        if let clipNorm { workspace.gradients.clip(toNorm: S(clipNorm)) }
        optimizer.update(&network, with: workspace.gradients)
        batch += 1
        return BatchProgress(
            epoch: epoch, batch: batch, batchCount: batches.count, examples: start + m,
            runningLoss: partialLoss / Double(start + m))
    }

    /// Records the finished epoch, applies early stopping and moves to the next epoch.
    /// - Throws: `BackpropError.diverged` if a parameter became NaN or ±∞.
    mutating func finishEpoch(
        _ trainer: Trainer, data: Dataset<S>, validation: Dataset<S>?, test: Dataset<S>?
    ) throws -> EpochRecord {
        if let (l, what) = network.firstNonFiniteParameter() {
            throw BackpropError.diverged(epoch: epoch, batch: batch, what: "a \(what) of layer \(l)")
        }
        let checked = try validation.map { try network.evaluate(on: $0) }
        let tested = try test.map { try network.evaluate(on: $0) }
        let trainLoss = partialLoss / Double(data.count)
        var trainAccuracy: Double?
        if case .classes = data.targets { trainAccuracy = Double(partialCorrect) / Double(data.count) }
        let record = EpochRecord(
            epoch: epoch, learningRate: scheduler.rate,
            train: Evaluation(loss: trainLoss, accuracy: trainAccuracy, count: data.count),
            validation: checked, test: tested, seconds: partialSeconds)
        history.epochs.append(record)
        history.bestEpoch = epoch
        let monitored = checked?.loss ?? trainLoss
        previousLoss = monitored
        if let stopping = trainer.earlyStopping {
            if monitored < (best?.loss ?? .infinity) - stopping.minimumImprovement {
                best = BestEpoch(loss: monitored, epoch: epoch, network: network)
            } else if let best, epoch - best.epoch >= stopping.patience {
                if stopping.restoresBestWeights {
                    network = best.network
                    history.bestEpoch = best.epoch
                }
                history.stoppedEarly = true
                isFinished = true
            }
        }
        epoch += 1
        batch = 0
        partialLoss = 0
        partialCorrect = 0
        partialSeconds = 0
        if epoch > trainer.epochs { isFinished = true }
        return record
    }
}

extension Network {
    /// How many of the `m` examples in `workspace` (examples `indices[start...]`) have
    /// their predicted class equal to their label.
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
