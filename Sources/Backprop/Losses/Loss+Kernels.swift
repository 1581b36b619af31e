// Batch kernels for the losses, over (rows × columns) buffers with one example per row.

/// Σ_x C_x over the first `rows` examples, accumulated in Double.
///
/// The cross-entropies use only the logits z:
/// - binary: C = max(z, 0) − z y + log(1 + e^(−|z|)), which equals −[y log σ(z) + (1 − y) log(1 − σ(z))];
/// - softmax: C = Σ_j y_j (lse(z) − z_j) with lse(z) = max z + log Σ_k e^(z_k − max z).
/// Every exponent is ≤ 0, so both are finite for logits of any magnitude.
@_specialize(where S == Float)
@_specialize(where S == Double)
func lossSum<S: Scalar>(
    _ loss: Loss, z: UnsafePointer<S>, a: UnsafePointer<S>, y: UnsafePointer<S>, rows: Int, columns: Int
) -> Double {
    let count = rows * columns
    var total: Double = 0
    switch loss {
    case .quadratic:
        for i in 0..<count {
            let d = Double(a[i]) - Double(y[i])
            total += 0.5 * d * d
        }
    case .binaryCrossEntropy:
        for i in 0..<count {
            let zi = Double(z[i]), yi = Double(y[i])
            total += max(zi, 0) - zi * yi + Double.log1p(Double.exp(-abs(zi)))
        }
    case .crossEntropy:
        for r in 0..<rows {
            let zr = z + r * columns, yr = y + r * columns
            var maximum = -Double.infinity
            for j in 0..<columns { maximum = max(maximum, Double(zr[j])) }
            var sum: Double = 0
            for j in 0..<columns { sum += Double.exp(Double(zr[j]) - maximum) }
            let lse = maximum + Double.log(sum)
            for j in 0..<columns where yr[j] != 0 { total += Double(yr[j]) * (lse - Double(zr[j])) }
        }
    }
    return total
}

/// δ^L = ∇_a C ⊙ g′(z^L), the output error, for the first `rows` examples (rows) of
/// `workspace`: Δ^L from Z^L, A^L and the targets Y.
///
/// Quadratic: (a − y) ⊙ g′(z). Binary cross-entropy on sigmoid outputs: a − y.
/// Softmax cross-entropy: a Σ_j y_j − y, which is a − y when y sums to 1.
@_specialize(where S == Float)
@_specialize(where S == Double)
func outputDelta<S: Scalar>(_ loss: Loss, outputActivation: Activation, workspace: Workspace<S>, rows: Int) {
    let last = workspace.sizes.count - 1, columns = workspace.sizes[last]
    let z = UnsafePointer(workspace.z[last]), a = UnsafePointer(workspace.a[last]), y = UnsafePointer(workspace.y)
    let delta = workspace.delta[last]
    let count = rows * columns
    switch loss {
    case .quadratic:
        for i in 0..<count { delta[i] = a[i] - y[i] }
        multiplyByDerivative(outputActivation, delta: delta, z: z, a: a, rows: rows, columns: columns)
    case .binaryCrossEntropy:
        for i in 0..<count { delta[i] = a[i] - y[i] }
    case .crossEntropy:
        for r in 0..<rows {
            let base = r * columns
            var targetSum: S = 0
            for j in 0..<columns { targetSum += y[base + j] }
            for j in 0..<columns { delta[base + j] = a[base + j] * targetSum - y[base + j] }
        }
    }
}

/// Σ_x C_x over the first `rows` rows of Z, A and Y.
func lossSum<S: Scalar>(_ loss: Loss, z: Matrix<S>, a: Matrix<S>, y: Matrix<S>, rows: Int) -> Double {
    let columns = a.columns
    return z.withPointer { z in
        a.withPointer { a in
            y.withPointer { y in lossSum(loss, z: z, a: a, y: y, rows: rows, columns: columns) }
        }
    }
}
