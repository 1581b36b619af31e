import CKernels

// Element-wise kernels for the activations: one `switch` per matrix, then a tight loop
// over raw buffers. `@_specialize` makes a generic caller jump to the Float or Double
// version at run time, so the loops run at full speed even from unspecialized code.

/// Z ← Z + 1 bᵀ, then A ← g(Z), over the first `rows` rows of (rows × columns) buffers.
@_specialize(where S == Float)
@_specialize(where S == Double)
func addBiasAndActivate<S: Scalar>(
    _ activation: Activation, z: UnsafeMutablePointer<S>, a: UnsafeMutablePointer<S>,
    bias: UnsafePointer<S>, rows: Int, columns: Int
) {
    for i in 0..<rows {
        let zRow = z + i * columns
        for j in 0..<columns { zRow[j] += bias[j] }
    }
    activate(activation, z: z, a: a, rows: rows, columns: columns)
}

/// A ← g(Z) over (rows × columns) buffers.
@_specialize(where S == Float)
@_specialize(where S == Double)
func activate<S: Scalar>(
    _ activation: Activation, z: UnsafePointer<S>, a: UnsafeMutablePointer<S>, rows: Int, columns: Int
) {
    let count = rows * columns
    switch activation {
    case .identity:
        copyValues(count, from: z, to: a)
    case .sigmoid:
        if S.self == Float.self {  // the vectorized kernel; this test vanishes when specialized
            return z.withMemoryRebound(to: Float.self, capacity: count) { z in
                a.withMemoryRebound(to: Float.self, capacity: count) { backprop_sigmoid_f32(z, $0, count) }
            }
        }
        for i in 0..<count { a[i] = 1 / (1 + S.exp(-z[i])) }
    case .tanh:
        for i in 0..<count { a[i] = S.tanh(z[i]) }
    case .relu:
        for i in 0..<count { a[i] = z[i] > 0 ? z[i] : 0 }
    case .leakyReLU(let slope):
        let s = S(slope)
        for i in 0..<count { a[i] = z[i] > 0 ? z[i] : s * z[i] }
    case .softmax:
        for r in 0..<rows {
            softmaxRow(z + r * columns, a + r * columns, columns)
        }
    }
}

/// a_j = e^(z_j − max z) / Σ_k e^(z_k − max z): subtracting the maximum keeps every
/// exponent ≤ 0, so no logit, however large, overflows.
@inline(__always)
func softmaxRow<S: Scalar>(_ z: UnsafePointer<S>, _ a: UnsafeMutablePointer<S>, _ n: Int) {
    var maximum = -S.infinity
    for j in 0..<n where z[j] > maximum { maximum = z[j] }
    var sum: S = 0
    for j in 0..<n { a[j] = z[j] - maximum }
    if S.self == Float.self {  // the vectorized e^x, in place
        a.withMemoryRebound(to: Float.self, capacity: n) { backprop_exp_f32($0, $0, n) }
    } else {
        for j in 0..<n { a[j] = S.exp(a[j]) }
    }
    for j in 0..<n { sum += a[j] }
    let scale = 1 / sum
    for j in 0..<n { a[j] *= scale }
}

/// Δ ← Δ ⊙ g′(Z): turns ∂C/∂a into ∂C/∂z, given Z and A = g(Z) from the forward pass.
///
/// For softmax, whose Jacobian is not diagonal, this is the product with the Jacobian:
/// δ_j = a_j (∂C/∂a_j − Σ_k a_k ∂C/∂a_k).
@_specialize(where S == Float)
@_specialize(where S == Double)
func multiplyByDerivative<S: Scalar>(
    _ activation: Activation, delta: UnsafeMutablePointer<S>, z: UnsafePointer<S>,
    a: UnsafePointer<S>, rows: Int, columns: Int
) {
    let count = rows * columns
    switch activation {
    case .identity:
        break
    case .sigmoid:
        for i in 0..<count { delta[i] *= a[i] * (1 - a[i]) }
    case .tanh:
        for i in 0..<count { delta[i] *= 1 - a[i] * a[i] }
    case .relu, .leakyReLU:
        let slope: S = if case .leakyReLU(let s) = activation { S(s) } else { 0 }
        if S.self == Float.self {  // the vectorized kernel; this test vanishes when specialized
            return z.withMemoryRebound(to: Float.self, capacity: count) { z in
                delta.withMemoryRebound(to: Float.self, capacity: count) {
                    backprop_relu_backward_f32($0, z, count, Float(slope))
                }
            }
        }
        for i in 0..<count { delta[i] = z[i] > 0 ? delta[i] : slope == 0 ? 0 : slope * delta[i] }
    case .softmax:
        for r in 0..<rows {
            let d = delta + r * columns, p = a + r * columns
            var dot: S = 0
            for j in 0..<columns { dot += p[j] * d[j] }
            for j in 0..<columns { d[j] = p[j] * (d[j] - dot) }
        }
    }
}
