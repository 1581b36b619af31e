extension Model {
    /// The evaluation of every rank's part of a labelled data set together, each rank
    /// passing its own `part` (every rank of `communicator` calls this together): the costs
    /// and confusion matrices summed across ranks; for regression the squared and absolute
    /// errors and the targets' sums, then their squared deviations from the mean, summed.
    /// - Throws: what `evaluate(on:precision:)` or the communicator throws.
    public func evaluate(on part: Dataset<S>, precision: Precision = .float32, over communicator: any Communicator) throws -> ModelEvaluation {
        guard communicator.size > 1 else { return try evaluate(on: part, precision: precision) }
        let (evaluation, kept) = try network.evaluate(on: part, keepingOutputs: true, precision: precision)
        let outputs = kept ?? Matrix<S>(rows: 0, columns: network.outputSize)
        let n = Double(part.count)
        switch part.targets {
        case .classes(let actual):
            let classes = max(encoding.labels.classNames.count, 2)
            let local = try ClassificationMetrics(predicted: network.classes(from: outputs), actual: actual, classCount: classes)
            let sums = try communicator.sum([evaluation.loss * n, n] + local.confusionMatrix.joined().map(Double.init))
            let matrix = (0..<classes).map { i in (0..<classes).map { j in Int(sums[2 + i * classes + j]) } }
            var result = ModelEvaluation(examples: Int(sums[1]), loss: sums[1] > 0 ? sums[0] / sums[1] : 0)
            result.classification = ClassificationMetrics(confusionMatrix: matrix)
            return result
        case .values(let actual):
            let d = actual.columns, rows = 0..<actual.rows
            let y = { (j: Int) in rows.lazy.map { Double(actual[$0, j]) } }
            let error = { (i: Int, j: Int) in Double(actual[i, j]) - Double(outputs[i, j]) }
            let squared = (0..<d).map { j in rows.reduce(0.0) { $0 + error($1, j) * error($1, j) } }
            let absolute = (0..<d).map { j in rows.reduce(0.0) { $0 + abs(error($1, j)) } }
            let targetSums = (0..<d).map { y($0).reduce(0, +) }
            let sums = try communicator.sum([evaluation.loss * n, n] + squared + absolute + targetSums)
            let count = sums[1], mean = (0..<d).map { sums[2 + 2 * d + $0] / Swift.max(count, 1) }
            let spreads = try communicator.sum((0..<d).map { j in y(j).reduce(0) { $0 + ($1 - mean[j]) * ($1 - mean[j]) } })
            var result = ModelEvaluation(examples: Int(count), loss: count > 0 ? sums[0] / count : 0)
            result.regression = RegressionMetrics(
                count: count, squaredErrors: Array(sums[2 ..< 2 + d]), absoluteErrors: Array(sums[2 + d ..< 2 + 2 * d]),
                spreads: spreads)
            return result
        }
    }
}
