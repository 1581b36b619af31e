/// What a model predicts for one example, from its output a^L.
public enum Prediction<S: Scalar>: Equatable, Sendable {
    /// A class: the one with the largest probability, by index and name, and every class's
    /// probability in the order of `LabelEncoding.classNames`.
    case classification(index: Int, name: String, probabilities: [S])
    /// The predicted values of a regression, one per output.
    case values([S])
}

extension LabelEncoding {
    /// The prediction that an output vector a^L makes. For classes: the probabilities are
    /// a^L itself (softmax, or one sigmoid per class), or p = (1 − a, a) for a single sigmoid
    /// output; the class is the index of the largest output (the first, on a tie), or for a
    /// single output 1 when a > ½ — the rule accuracy is measured by. For regression: a^L.
    public func prediction<S: Scalar>(fromOutput a: some Collection<S>) -> Prediction<S> {
        guard task == .classification else { return .values(Array(a)) }
        let output = Array(a)
        let index = output.withUnsafeBufferPointer { $0.baseAddress.map { predictedClass($0, output.count) } ?? 0 }
        let probabilities = output.count == 1 ? [1 - output[0], output[0]] : output
        let name = classNames.indices.contains(index) ? classNames[index] : String(index)
        return .classification(index: index, name: name, probabilities: probabilities)
    }
}

extension Model {
    /// The prediction for each row of raw (unscaled) `inputs`: a class with every class's
    /// probability for a classifier, the values for a regressor; the products in `precision`.
    /// - Throws: `BackpropError` if the inputs do not fit the network.
    public func predictions(_ inputs: Matrix<S>, precision: Precision = .float32) throws -> [Prediction<S>] {
        let outputs = try predict(inputs, precision: precision)
        return (0..<outputs.rows).map { encoding.labels.prediction(fromOutput: outputs.row($0)) }
    }
}
