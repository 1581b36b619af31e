extension Gradients {
    /// ‖g‖₂ over every entry of every gradient.
    public var norm: Double {
        var sum: Double = 0
        for w in weight { sum += w.withPointer { sumOfSquares($0, count: w.elements.count) } }
        for b in bias { sum += withPointer(b) { sumOfSquares($0, count: b.count) } }
        return sum.squareRoot()
    }

    /// Scales every gradient by maxNorm / ‖g‖₂ when ‖g‖₂ > maxNorm (PyTorch's `clip_grad_norm_`).
    mutating func clip(toNorm maxNorm: S) {
        let total = norm
        guard total > Double(maxNorm) else { return }
        scale(by: S(Double(maxNorm) / (total + 1e-6)))
    }

    /// g ← 0 for every gradient.
    mutating func zero() {
        for l in weight.indices {
            let count = weight[l].elements.count
            weight[l].withMutablePointer { $0.update(repeating: 0, count: count) }
            bias[l].withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
    }

    /// g ← c g for every gradient.
    public mutating func scale(by factor: S) {
        for l in weight.indices {
            let count = weight[l].elements.count
            weight[l].withMutablePointer { Backprop.scale($0, by: factor, count: count) }
            let biasCount = bias[l].count
            withMutablePointer(&bias[l]) { Backprop.scale($0, by: factor, count: biasCount) }
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
