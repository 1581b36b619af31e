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
    /// A batch's loss and correct count, summed across ranks while backpropagation runs.
    let sums = UnsafeMutableBufferPointer<Double>.allocate(capacity: 2)

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
        sums.initialize(repeating: 0)
    }

    deinit {
        sums.deallocate()
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
    /// transform and clipping, then the optimizer's update. Plain SGD in one process with
    /// neither transform nor clipping is applied during backpropagation instead
    /// (`Optimizer.fusedGradientDescentStep()`).
    ///
    /// With a `communicator` of N processes, this rank takes its share of the batch (rows
    /// ⌊m r/N⌋ ..< ⌊m (r+1)/N⌋), its gradients are scaled by 1/m for the whole batch and
    /// summed across ranks layer by layer as backpropagation finishes each (overlapping the
    /// layers below), and the loss and correct counts are summed too: every rank then holds
    /// the batch's gradients and applies the same update. Dropout masks come from a
    /// generator seeded by the epoch's, the batch and the rank, so that the shared generator
    /// (the shuffle) stays as one process's.
    /// - Throws: `BackpropError.diverged` if the cost is NaN or ±∞; what `transform` or
    ///   the communicator throws.
    @_specialize(where S == Float, O == SGD<Float>)
    @_specialize(where S == Float, O == Adam<Float>)
    @_specialize(where S == Float, O == RMSProp<Float>)
    mutating func trainBatch<O: Optimizer<S>>(
        _ batches: MiniBatches<S>, optimizer: inout O, clipNorm: Double?, transform: GradientTransform<S>?,
        communication: (communicator: any Communicator, overlaps: Bool) = (SingleProcess.alone, true)
    ) throws -> BatchProgress {
        let communicator = communication.communicator
        let workspace = batches.workspace
        let start = batch * batches.size
        let m = Swift.min(batches.size, batches.data.count - start)
        let (rank, ranks) = (communicator.rank, communicator.size)
        let first = start + m * rank / ranks, rows = start + m * (rank + 1) / ranks - first
        var loss = 0.0, correct = 0
        if rows > 0 {
            batches.order.withUnsafeBufferPointer { order in
                workspace.load(batches.data, indices: UnsafeBufferPointer(rebasing: order[first ..< first + rows]))
                let nextStart = start + m, nextM = Swift.min(batches.size, batches.data.count - nextStart)
                if nextM > 0 {  // this rank's share of the next batch
                    let nextFirst = nextStart + nextM * rank / ranks, nextEnd = nextStart + nextM * (rank + 1) / ranks
                    workspace.prefetch(batches.data, indices: UnsafeBufferPointer(rebasing: order[nextFirst ..< nextEnd]))
                }
            }
            if ranks == 1 {
                withUnsafeMutablePointer(to: &random) { network.forward(workspace, rows: rows, dropout: $0) }
            } else {
                // Each rank's own masks, drawn without touching the shared generator.
                var epochStart = epochRandom
                let seed = epochStart.next() ^ UInt64(batch) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(rank + 1) &* 0xBF58_476D_1CE4_E5B9
                var dropout = RandomSource(seed: seed)
                network.forward(workspace, rows: rows, dropout: &dropout)
            }
            loss = network.batchLoss(workspace, rows: rows) * Double(rows)
            if case .classes(let labels) = batches.data.targets {
                correct = network.correctCount(workspace, rows: rows, labels: labels, indices: batches.order, from: first)
            }
        }
        if ranks > 1 {  // summed with the gradients, awaited at the end of backpropagation
            (batches.sums[0], batches.sums[1]) = (loss, Double(correct))
            try communicator.startAllReduceSum(batches.sums)
            try backpropagate(workspace, rows: rows, of: m, communication: communication)
            (loss, correct) = (batches.sums[0], Int(batches.sums[1]))
        }
        guard loss.isFinite else {
            let what = rows > 0 ? network.firstNonFiniteOutput(workspace, rows: rows) : "the loss"
            throw BackpropError.diverged(epoch: epoch, batch: batch + 1, what: what)
        }
        partialLoss += loss
        partialCorrect += correct
        if ranks == 1, transform == nil, clipNorm == nil, let eta = optimizer.fusedGradientDescentStep() {
            network.backwardApplyingSGD(workspace, rows: rows, learningRate: S(eta))
        } else {
            if ranks == 1 { network.backward(workspace, rows: rows) }
            try transform?(&workspace.gradients)
            if let clipNorm { workspace.gradients.clip(toNorm: S(clipNorm)) }
            optimizer.update(&network, with: workspace.gradients)
        }
        batch += 1
        return BatchProgress(
            epoch: epoch, batch: batch, batchCount: batches.count, examples: start + m,
            runningLoss: partialLoss / Double(start + m))
    }

    /// Backpropagation of this rank's `rows` examples of an `m`-example batch, with more
    /// than one rank: each layer's gradients are summed across ranks as soon as they are
    /// final (as PyTorch DDP's gradient buckets are) — or, without `overlaps`, after
    /// backpropagation — and all sums are awaited at the end.
    @_specialize(where S == Float)
    private func backpropagate(
        _ workspace: Workspace<S>, rows: Int, of m: Int, communication: (communicator: any Communicator, overlaps: Bool)
    ) throws {
        let communicator = communication.communicator
        var failure: (any Error)?
        func reduce(_ k: Int) {
            do {
                let weights = workspace.gradients.weight[k].elements.count
                try workspace.gradients.weight[k].withMutablePointer {
                    try communicator.startAllReduceSum(UnsafeMutableBufferPointer(start: $0, count: weights))
                }
                try workspace.gradients.bias[k].withUnsafeMutableBufferPointer { try communicator.startAllReduceSum($0) }
            } catch {
                failure = failure ?? error
            }
        }
        if rows > 0 {
            network.backward(workspace, rows: rows, batchSize: m, layerFinished: communication.overlaps ? reduce : nil)
        } else {
            workspace.gradients.zero()
        }
        if rows == 0 || !communication.overlaps {
            for k in stride(from: network.layers.count - 1, through: 0, by: -1) { reduce(k) }
        }
        try communicator.finishReductions()
        if let failure { throw failure }
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
