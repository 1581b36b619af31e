/// The statistics a `FeatureScaler` is fitted to, gathered one example at a time (for a
/// streamed file): per column the count, the mean and the sum of squared deviations by
/// Welford's updates, the minimum and the maximum.
struct FeatureStatistics {
    private var count = 0
    private var mean: [Double]
    private var squares: [Double]
    private var low: [Double]
    private var high: [Double]

    /// Statistics of `count` columns, of no example yet.
    init(count columns: Int) {
        mean = .init(repeating: 0, count: columns)
        squares = mean
        low = .init(repeating: .infinity, count: columns)
        high = .init(repeating: -.infinity, count: columns)
    }

    /// Adds one example: mean ← mean + (x − mean)/n, M2 ← M2 + (x − mean_old)(x − mean_new).
    mutating func add<S: Scalar>(_ x: [S]) {
        count += 1
        let n = Double(count)
        for j in x.indices {
            let v = Double(x[j]), delta = v - mean[j]
            mean[j] += delta / n
            squares[j] += delta * (v - mean[j])
            low[j] = Swift.min(low[j], v)
            high[j] = Swift.max(high[j], v)
        }
    }

    /// The scaler of `kind` for the examples added, as `FeatureScaler.fit` gives for them held
    /// (to rounding): a constant column gets scale 1.
    func scaler(_ kind: FeatureScaler.Kind) -> FeatureScaler {
        guard kind != .none, count > 0 else { return .identity(count: mean.count) }
        let shift = kind == .standardize ? mean : low
        let spread = mean.indices.map { j in kind == .standardize ? (squares[j] / Double(count)).squareRoot() : high[j] - low[j] }
        return FeatureScaler(kind: kind, uncheckedShift: shift, scale: spread.map { $0 > 0 && $0.isFinite ? $0 : 1 })
    }
}
