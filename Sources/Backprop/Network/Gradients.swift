/// ∂C/∂W^l and ∂C/∂b^l for every layer, averaged over a mini-batch.
public struct Gradients<S: Scalar>: Equatable, Sendable {
    /// `weight[l - 1]` = ∂C/∂W^l = (1/m) Σ_x δ^(l+1) (a^l)ᵀ, shaped like W^l.
    public internal(set) var weight: [Matrix<S>]
    /// `bias[l - 1]` = ∂C/∂b^l = (1/m) Σ_x δ^(l+1).
    public internal(set) var bias: [[S]]

    /// Zero gradients for a network of widths `sizes`.
    init(sizes: [Int]) {
        guard sizes.count >= 2 else {
            (weight, bias) = ([], [])
            return
        }
        weight = (1..<sizes.count).map { Matrix(rows: sizes[$0], columns: sizes[$0 - 1]) }
        bias = (1..<sizes.count).map { [S](repeating: 0, count: sizes[$0]) }
    }
}
