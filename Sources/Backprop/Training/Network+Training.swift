/// Progress within an epoch, reported after every mini-batch.
public struct BatchProgress: Sendable {
    public var epoch: Int
    /// 1-based.
    public var batch: Int
    public var batchCount: Int
    /// Examples seen so far in this epoch.
    public var examples: Int
    /// The mean cost over the examples seen so far in this epoch.
    public var runningLoss: Double
}

extension Network {
    /// One epoch of mini-batch training: shuffles the examples with `random`, then for each
    /// mini-batch of `batchSize` (the last one may be smaller) runs forward propagation
    /// (with dropout, drawn from `random`), backpropagation and one optimizer step.
    ///
    /// - Parameters:
    ///   - clipNorm: if set, gradients whose global norm ‖g‖₂ (over every parameter)
    ///     exceeds it are scaled by clipNorm / ‖g‖₂ before the step, as PyTorch's
    ///     `clip_grad_norm_` does.
    ///   - onBatch: called after every mini-batch; throwing stops training.
    /// - Returns: the mean training cost and, for class targets, the accuracy over the
    ///   epoch's examples, each measured before its batch's update (as Keras reports them).
    /// - Throws: `BackpropError` if the data does not fit, `batchSize` is not positive,
    ///   or the cost or a parameter becomes NaN or ±∞ (the error names epoch and batch).
    public mutating func trainEpoch<O: Optimizer<S>>(
        on data: Dataset<S>, batchSize: Int, optimizer: inout O, random: inout RandomSource,
        epoch: Int = 1, clipNorm: Double? = nil, onBatch: (BatchProgress) throws -> Void = { _ in }
    ) throws -> Evaluation {
        try data.validate(for: self)
        guard batchSize > 0 else {
            throw BackpropError.invalidHyperparameter(
                name: "batch size", value: "\(batchSize)", expected: "an integer ≥ 1")
        }
        guard data.count > 0 else {
            throw BackpropError.shapeMismatch(what: "training data", expected: "at least 1 example", got: "0")
        }
        if let clipNorm { try checkHyperparameter("gradient clipping norm", clipNorm, 0...Double.infinity, open: true) }
        var order = Array(0..<data.count)
        random.shuffle(&order)
        var batch = 0, loss = 0.0, correct = 0
        try runBatches(
            of: data, order: order, batchSize: batchSize, epoch: epoch, batch: &batch, random: &random,
            loss: &loss, correct: &correct, optimizer: &optimizer, clipNorm: clipNorm
        ) { progress in
            try onBatch(progress)
            return true
        }
        if let (l, what) = firstNonFiniteParameter() {
            throw BackpropError.diverged(epoch: epoch, batch: batch, what: "a \(what) of layer \(l)")
        }
        var accuracy: Double?
        if case .classes = data.targets { accuracy = Double(correct) / Double(data.count) }
        return Evaluation(loss: loss / Double(data.count), accuracy: accuracy, count: data.count)
    }

    /// Runs the mini-batches of one epoch's `order` from batch index `batch` on, until the
    /// epoch ends or `onBatch` returns false. `batch`, `loss` (Σ of per-example costs) and
    /// `correct` advance with every batch; `random` draws the dropout masks.
    mutating func runBatches<O: Optimizer<S>>(
        of data: Dataset<S>, order: [Int], batchSize: Int, epoch: Int, batch: inout Int,
        random: inout RandomSource, loss: inout Double, correct: inout Int, optimizer: inout O,
        clipNorm: Double?, onBatch: (BatchProgress) throws -> Bool
    ) throws {
        let workspace = Workspace(for: self, capacity: Swift.min(batchSize, data.count))
        let batchCount = (data.count + batchSize - 1) / batchSize
        let width = outputSize
        try order.withUnsafeBufferPointer { order in
            try withUnsafeMutablePointer(to: &random) { random in
                while batch < batchCount {
                    let start = batch * batchSize
                    let m = Swift.min(batchSize, order.count - start)
                    workspace.load(data, indices: UnsafeBufferPointer(rebasing: order[start ..< start + m]))
                    forward(workspace, rows: m, dropout: random)
                    let batchLoss = batchLoss(workspace, rows: m)
                    guard batchLoss.isFinite else {
                        throw BackpropError.diverged(
                            epoch: epoch, batch: batch + 1, what: firstNonFiniteOutput(workspace, rows: m))
                    }
                    loss += batchLoss * Double(m)
                    if case .classes(let labels) = data.targets {
                        let a = workspace.a[layers.count]
                        for r in 0..<m where predictedClass(a + r * width, width) == labels[order[start + r]] {
                            correct += 1
                        }
                    }
                    backward(workspace, rows: m)
                    if let clipNorm { workspace.gradients.clip(toNorm: S(clipNorm)) }
                    optimizer.update(&self, with: workspace.gradients)
                    batch += 1
                    let proceed = try onBatch(BatchProgress(
                        epoch: epoch, batch: batch, batchCount: batchCount, examples: start + m,
                        runningLoss: loss / Double(start + m)))
                    if !proceed { return }
                }
            }
        }
    }

    /// Where a forward pass first produced NaN or ±∞, in the lecture's notation.
    func firstNonFiniteOutput(_ workspace: Workspace<S>, rows m: Int) -> String {
        for (k, layer) in layers.enumerated() {
            let z = UnsafeBufferPointer(start: workspace.z[k + 1], count: m * layer.outputSize)
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

extension Gradients {
    /// ‖g‖₂ over every entry of every gradient.
    public var norm: Double {
        var sum: Double = 0
        for w in weight { sum += w.withPointer { sumOfSquares($0, count: w.elements.count) } }
        for b in bias { sum += withPointer(b) { sumOfSquares($0, count: b.count) } }
        return sum.squareRoot()
    }

    /// Scales every gradient by maxNorm / ‖g‖₂ when ‖g‖₂ > maxNorm.
    mutating func clip(toNorm maxNorm: S) {
        let total = norm
        guard total > Double(maxNorm) else { return }
        let factor = S(Double(maxNorm) / (total + 1e-6))
        for l in weight.indices {
            let count = weight[l].elements.count
            weight[l].withMutablePointer { scale($0, by: factor, count: count) }
            let biasCount = bias[l].count
            withMutablePointer(&bias[l]) { scale($0, by: factor, count: biasCount) }
        }
    }
}

/// Σ x_i², accumulated in Double.
@_specialize(where S == Float)
@_specialize(where S == Double)
func sumOfSquares<S: Scalar>(_ x: UnsafePointer<S>, count: Int) -> Double {
    var sum: Double = 0
    for i in 0..<count { sum += Double(x[i]) * Double(x[i]) }
    return sum
}

/// x ← c x.
@_specialize(where S == Float)
@_specialize(where S == Double)
func scale<S: Scalar>(_ x: UnsafeMutablePointer<S>, by c: S, count: Int) {
    for i in 0..<count { x[i] *= c }
}
