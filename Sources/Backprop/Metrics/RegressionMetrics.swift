/// Mean squared error, mean absolute error and R² per output, and their means over
/// outputs (scikit-learn's `uniform_average`).
public struct RegressionMetrics: Codable, Equatable, Sendable {
    /// Per output j: (1/n) Σ_i (y_ij − ŷ_ij)².
    public let mseByOutput: [Double]
    /// Per output j: (1/n) Σ_i |y_ij − ŷ_ij|.
    public let maeByOutput: [Double]
    /// Per output j: 1 − Σ_i (y_ij − ŷ_ij)² / Σ_i (y_ij − ȳ_j)²; for a constant target,
    /// 1 if predicted exactly and 0 otherwise (as scikit-learn).
    public let r2ByOutput: [Double]

    /// MSE, the mean of `mseByOutput` over the outputs.
    public var mse: Double { mean(mseByOutput) }
    /// MAE, the mean of `maeByOutput` over the outputs.
    public var mae: Double { mean(maeByOutput) }
    /// R², the mean of `r2ByOutput` over the outputs.
    public var r2: Double { mean(r2ByOutput) }

    /// The metrics from their sums over n examples, per output: the squared errors, the
    /// absolute errors and the squared deviations of the targets from their mean.
    init(count n: Double, squaredErrors: [Double], absoluteErrors: [Double], spreads: [Double]) {
        let n = Swift.max(n, 1)
        mseByOutput = squaredErrors.map { $0 / n }
        maeByOutput = absoluteErrors.map { $0 / n }
        r2ByOutput = zip(squaredErrors, spreads).map { residual, spread in
            spread == 0 ? (residual == 0 ? 1 : 0) : 1 - residual / spread
        }
    }

    /// - Throws: `BackpropError.shapeMismatch` unless both matrices have one shape.
    public init<S: Scalar>(predicted: Matrix<S>, actual: Matrix<S>) throws {
        guard predicted.rows == actual.rows, predicted.columns == actual.columns else {
            throw BackpropError.shapeMismatch(
                what: "predictions", expected: "\(actual.rows) × \(actual.columns)",
                got: "\(predicted.rows) × \(predicted.columns)")
        }
        let n = Double(max(actual.rows, 1))
        var mse: [Double] = [], mae: [Double] = [], r2: [Double] = []
        for j in 0..<actual.columns {
            let y = (0..<actual.rows).map { Double(actual[$0, j]) }
            let p = (0..<actual.rows).map { Double(predicted[$0, j]) }
            let mean = y.reduce(0, +) / n
            let residual = zip(y, p).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            let spread = y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            mse.append(residual / n)
            mae.append(zip(y, p).reduce(0) { $0 + abs($1.0 - $1.1) } / n)
            r2.append(spread == 0 ? (residual == 0 ? 1 : 0) : 1 - residual / spread)
        }
        mseByOutput = mse
        maeByOutput = mae
        r2ByOutput = r2
    }
}

private func mean(_ values: [Double]) -> Double {
    values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
}
