/// How well a network does on a data set.
public struct Evaluation: Equatable, Sendable {
    /// The mean cost (1/n) Σ_x C_x.
    public var loss: Double
    /// The fraction of examples whose predicted class is the target class, when the
    /// targets are classes.
    public var accuracy: Double?
    /// n, the number of examples evaluated.
    public var count: Int

    /// An evaluation of `count` examples with mean cost `loss` and, for class targets, `accuracy`.
    public init(loss: Double, accuracy: Double? = nil, count: Int) {
        (self.loss, self.accuracy, self.count) = (loss, accuracy, count)
    }
}

extension Network {
    /// The mean cost and, for class targets, the accuracy over `data`, in batches of up to
    /// 1,024, with the products in `precision` (bfloat16 only for `Float`).
    public func evaluate(on data: Dataset<S>, precision: Precision = .float32) throws -> Evaluation {
        try evaluate(on: data, keepingOutputs: false, precision: precision).evaluation
    }

    /// The evaluation and, with `keepingOutputs`, the outputs a^L for every example, from
    /// one forward pass over `data`.
    func evaluate(
        on data: Dataset<S>, keepingOutputs: Bool, precision: Precision = .float32
    ) throws -> (evaluation: Evaluation, outputs: Matrix<S>?) {
        try data.validate(for: self)
        try precision.check(for: S.self)
        let chunk = Swift.max(1, Swift.min(data.count, 1024))
        let workspace = Workspace(for: self, capacity: chunk, training: false, precision: precision)
        var outputs = keepingOutputs ? Matrix<S>(rows: data.count, columns: outputSize) : nil
        let indices = Array(0..<data.count)
        var total: Double = 0
        var correct = 0
        let width = outputSize
        indices.withUnsafeBufferPointer { order in
            for start in stride(from: 0, to: order.count, by: chunk) {
                let m = Swift.min(chunk, order.count - start)
                workspace.load(data, indices: UnsafeBufferPointer(rebasing: order[start ..< start + m]))
                forward(workspace, rows: m)
                total += batchLoss(workspace, rows: m) * Double(m)
                outputs?.withMutablePointer { copyValues(m * width, from: workspace.a[layers.count], to: $0 + start * width) }
                if case .classes(let labels) = data.targets {
                    correct += correctCount(workspace, rows: m, labels: labels, indices: indices, from: start)
                }
            }
        }
        var accuracy: Double?
        if case .classes = data.targets, data.count > 0 { accuracy = Double(correct) / Double(data.count) }
        let evaluation = Evaluation(loss: data.count > 0 ? total / Double(data.count) : 0, accuracy: accuracy, count: data.count)
        return (evaluation, outputs)
    }
}

/// The class an output vector a^L predicts: the index of its largest value, or for a
/// single (sigmoid) output, 1 when a > ½.
func predictedClass<S: Scalar>(_ a: UnsafePointer<S>, _ width: Int) -> Int {
    if width == 1 { return a[0] > 0.5 ? 1 : 0 }
    var best = 0
    for j in 1..<width where a[j] > a[best] { best = j }
    return best
}
