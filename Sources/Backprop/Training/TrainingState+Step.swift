/// What happens to the gradients between backpropagation and the optimizer's update:
/// summing them across processes, for instance. Clipping (`Trainer.clipNorm`) follows it.
public typealias GradientTransform<S: Scalar> = (inout Gradients<S>) throws -> Void

extension TrainingState {
    /// Starts `epoch` (when `batch` is 0) or, after a resume within it, redraws its order
    /// (for a stream, reads it again up to `batch`).
    ///
    /// A new epoch keeps the generator as it began (`epochRandom`), shuffles with it, lets
    /// dropout continue from the shuffled generator, and moves the schedule to the epoch.
    /// - Throws: `DataError` for a stream's file that cannot be read or a malformed example.
    mutating func prepareEpoch(_ batches: MiniBatches<S>) throws {
        if batch == 0 {
            epochRandom = random
            _ = scheduler.rate(forEpoch: epoch, previousLoss: previousLoss)
            try batches.shuffle(for: epoch, with: &random)
        } else if batches.orderEpoch != epoch {
            var shuffler = epochRandom
            try batches.shuffle(for: epoch, with: &shuffler, from: batch)
        }
    }

    /// One mini-batch of the epoch in progress, the body of the one training loop:
    /// forward propagation (with dropout), the cost, backpropagation, the gradient
    /// transform and clipping, then the optimizer's update. Plain SGD in one process with
    /// neither transform nor clipping is applied during backpropagation instead
    /// (`Optimizer.fusedGradientDescentStep()`).
    ///
    /// With a `communicator` of N processes, this rank takes its share of the batch (rows
    /// ⌊m r/N⌋ ..< ⌊m (r+1)/N⌋, or with data shards its part's share, see `DataShards`), its gradients are scaled by 1/m for the whole batch and
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
        let (rank, ranks) = (communicator.rank, communicator.size)
        let (first, rows, m, done) = batches.batch(batch, rank: rank, of: ranks)
        var loss = 0.0, correct = 0
        try batches.read(batch)
        if rows > 0 {
            batches.order.withUnsafeBufferPointer { order in
                workspace.load(batches.data, indices: UnsafeBufferPointer(rebasing: order[first ..< first + rows]))
                if batch + 1 < batches.count, batches.stream == nil {  // this rank's share of the next batch
                    let next = batches.batch(batch + 1, rank: rank, of: ranks)
                    workspace.prefetch(batches.data, indices: UnsafeBufferPointer(rebasing: order[next.first ..< next.first + next.rows]))
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
            try backpropagateAcrossRanks(workspace, rows: rows, of: m, communication: communication, buckets: batches.buckets)
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
            epoch: epoch, batch: batch, batchCount: batches.count, examples: done,
            runningLoss: partialLoss / Double(done))
    }
}
