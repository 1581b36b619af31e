/// Every quantity of forward propagation and backpropagation for one example, in the
/// lecture's notation, for students to follow and check by hand.
///
/// Layers are numbered 1 … L as in the lecture: a^1 = x, and for l = 1 … L−1,
/// z^(l+1) = W^l a^l + b^l, a^(l+1) = g(z^(l+1)). Arrays are indexed from 0, so
/// `a[0]` is a^1, `z[0]` is z^2, `delta[0]` is δ^2 and `weightGradients[0]` is ∂C/∂W^1.
public struct Explanation<S: Scalar>: Sendable {
    /// The network that was run.
    public let network: Network<S>
    /// x = a^1.
    public let input: [S]
    /// y.
    public let target: [S]
    /// a^1 … a^L.
    public let a: [[S]]
    /// z^2 … z^L.
    public let z: [[S]]
    /// δ^2 … δ^L, where δ^l = ∂C/∂z^l.
    public let delta: [[S]]
    /// ∂C/∂W^1 … ∂C/∂W^(L−1); ∂C/∂W^l = δ^(l+1) (a^l)ᵀ.
    public let weightGradients: [Matrix<S>]
    /// ∂C/∂b^1 … ∂C/∂b^(L−1); ∂C/∂b^l = δ^(l+1).
    public let biasGradients: [[S]]
    /// C for this example.
    public let loss: Double

    /// Runs forward propagation and backpropagation of `input` against `target`.
    /// - Throws: `BackpropError` if the lengths do not fit the network or a value is not finite.
    public init(network: Network<S>, input: [S], target: [S]) throws {
        let data = try Dataset(
            inputs: Matrix(rows: 1, columns: input.count, elements: input),
            targets: .values(Matrix(rows: 1, columns: target.count, elements: target)))
        try data.validate(for: network)
        let sizes = network.sizes
        let workspace = Workspace(for: network, capacity: 1)
        [0].withUnsafeBufferPointer { workspace.load(data, indices: $0) }
        network.forward(workspace, rows: 1)
        loss = network.batchLoss(workspace, rows: 1)
        network.backward(workspace, rows: 1)
        func vector(_ pointer: UnsafeMutablePointer<S>, _ width: Int) -> [S] {
            Array(UnsafeBufferPointer(start: pointer, count: width))
        }
        self.network = network
        self.input = input
        self.target = target
        a = sizes.indices.map { vector(workspace.a[$0], sizes[$0]) }
        z = sizes.indices.dropFirst().map { vector(workspace.z[$0], sizes[$0]) }
        delta = sizes.indices.dropFirst().map { vector(workspace.delta[$0], sizes[$0]) }
        weightGradients = workspace.gradients.weight
        biasGradients = workspace.gradients.bias
    }
}
