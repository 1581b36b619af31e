extension TrainingState {
    /// Backpropagation of this rank's `rows` examples of an `m`-example batch, with more
    /// than one rank: each layer's gradients are summed across ranks as soon as they are
    /// final — or, without `overlaps`, after backpropagation — one message per tensor, or
    /// with `buckets` one per bucket of layers; all sums are awaited at the end.
    @_specialize(where S == Float)
    func backpropagateAcrossRanks(
        _ workspace: Workspace<S>, rows: Int, of m: Int, communication: (communicator: any Communicator, overlaps: Bool),
        buckets: GradientBuckets<S>?
    ) throws {
        let communicator = communication.communicator
        var failure: (any Error)?
        func reduce(_ k: Int) {
            do {
                if let buckets { return try buckets.add(k, of: workspace.gradients, over: communicator) }
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
        buckets?.unpack(into: &workspace.gradients)
    }
}
