/// Feature scaling fitted on training data: x′_j = (x_j − shift_j) / scale_j.
///
/// Kept with the model, so prediction applies exactly the transform training used.
public struct FeatureScaler: Codable, Equatable, Sendable {
    /// Which statistics a scaler fits as its shift and scale.
    public enum Kind: String, Codable, CaseIterable, Sendable {
        /// shift = mean, scale = standard deviation (population, as scikit-learn's `StandardScaler`).
        case standardize
        /// shift = minimum, scale = maximum − minimum: features land in [0, 1].
        case minMax = "min-max"
        /// x′ = x.
        case none
    }

    /// The statistics that `shift` and `scale` hold.
    public let kind: Kind
    /// shift_j for each feature j: its mean or minimum (0 for `none`).
    public let shift: [Double]
    /// scale_j > 0 for each feature j: its standard deviation or maximum − minimum (1 for `none` or a constant column).
    public let scale: [Double]

    /// The identity transform for `count` features.
    public static func identity(count: Int) -> FeatureScaler {
        FeatureScaler(kind: .none, uncheckedShift: .init(repeating: 0, count: count), scale: .init(repeating: 1, count: count))
    }

    /// A scaler of this kind from its statistics.
    /// - Throws: `BackpropError` unless both lists have one length and every scale is finite and positive.
    public init(kind: Kind, shift: [Double], scale: [Double]) throws {
        guard shift.count == scale.count else {
            throw BackpropError.shapeMismatch(what: "scaler", expected: "\(shift.count) scales", got: "\(scale.count)")
        }
        if let j = shift.indices.first(where: { !shift[$0].isFinite || !scale[$0].isFinite || scale[$0] <= 0 }) {
            throw BackpropError.invalidHyperparameter(
                name: "scaler feature \(j + 1)", value: "shift \(shift[j]), scale \(scale[j])",
                expected: "a finite shift and a finite scale > 0")
        }
        self.kind = kind
        self.shift = shift
        self.scale = scale
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            kind: container.decode(Kind.self, forKey: .kind), shift: container.decode([Double].self, forKey: .shift),
            scale: container.decode([Double].self, forKey: .scale))
    }

    init(kind: Kind, uncheckedShift shift: [Double], scale: [Double]) {
        self.kind = kind
        self.shift = shift
        self.scale = scale
    }

    /// Fits the statistics of `kind` to the columns of `data`. A constant column gets scale 1.
    public static func fit<S: Scalar>(_ kind: Kind, to data: Matrix<S>) -> FeatureScaler {
        let n = data.rows, d = data.columns
        guard kind != .none, n > 0 else { return identity(count: d) }
        var shift = [Double](repeating: 0, count: d), scale = [Double](repeating: 1, count: d)
        data.withPointer { x in
            for j in 0..<d {
                var low = Double.infinity, high = -Double.infinity, sum = 0.0
                for i in 0..<n {
                    let v = Double(x[i * d + j])
                    low = Swift.min(low, v)
                    high = Swift.max(high, v)
                    sum += v
                }
                let mean = sum / Double(n)
                var squares = 0.0
                for i in 0..<n {
                    let v = Double(x[i * d + j]) - mean
                    squares += v * v
                }
                let spread = kind == .standardize ? (squares / Double(n)).squareRoot() : high - low
                shift[j] = kind == .standardize ? mean : low
                scale[j] = spread > 0 && spread.isFinite ? spread : 1
            }
        }
        return FeatureScaler(kind: kind, uncheckedShift: shift, scale: scale)
    }

    /// Applies the transform.
    /// - Throws: `BackpropError.shapeMismatch` if the column count differs from the fitted one.
    public func transform<S: Scalar>(_ data: Matrix<S>) throws -> Matrix<S> {
        guard data.columns == shift.count else {
            throw BackpropError.shapeMismatch(
                what: "features", expected: "\(shift.count) columns", got: "\(data.columns)")
        }
        guard kind != .none else { return data }
        var out = data
        let d = data.columns, n = data.rows
        let shift = self.shift.map { S($0) }, inverse = self.scale.map { 1 / S($0) }
        out.withMutablePointer { x in
            withPointer(shift) { s in
                withPointer(inverse) { r in
                    for i in 0..<n { shiftAndScale(x + i * d, s, r, d) }
                }
            }
        }
        return out
    }
}

/// x ← (x − s) ⊙ r.
@_specialize(where S == Float)
@_specialize(where S == Double)
func shiftAndScale<S: Scalar>(_ x: UnsafeMutablePointer<S>, _ s: UnsafePointer<S>, _ r: UnsafePointer<S>, _ n: Int) {
    for j in 0..<n { x[j] = (x[j] - s[j]) * r[j] }
}
