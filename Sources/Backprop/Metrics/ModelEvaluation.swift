/// How well a model does on labelled data: the mean cost and the task's metrics.
public struct ModelEvaluation: Sendable {
    /// n, the number of examples evaluated.
    public var examples: Int
    /// The mean cost (1/n) Σ_x C_x.
    public var loss: Double
    /// Accuracy, per-class precision, recall and F1 and the confusion matrix, for a classifier.
    public var classification: ClassificationMetrics?
    /// MSE, MAE and R² per output, for a regressor.
    public var regression: RegressionMetrics?
}

extension Model {
    /// Evaluates the model on `data` (scaled inputs with targets, e.g. from
    /// `dataset(reading:options:)`), from one forward pass with products in `precision`.
    /// - Throws: `BackpropError` if the data do not fit the network, or for bfloat16 with a
    ///   network of `Double`.
    public func evaluate(on data: Dataset<S>, precision: Precision = .float32) throws -> ModelEvaluation {
        let (evaluation, outputs) = try network.evaluate(on: data, keepingOutputs: true, precision: precision)
        var result = ModelEvaluation(examples: data.count, loss: evaluation.loss)
        guard let outputs else { return result }
        switch data.targets {
        case .classes(let actual):
            result.classification = try ClassificationMetrics(
                predicted: network.classes(from: outputs), actual: actual, classCount: max(encoding.labels.classNames.count, 2))
        case .values(let actual):
            result.regression = try RegressionMetrics(predicted: outputs, actual: actual)
        }
        return result
    }
}
