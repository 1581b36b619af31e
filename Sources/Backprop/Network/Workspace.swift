import CKernels
/// The buffers one forward and backward pass needs, allocated once for up to `capacity`
/// examples and reused for every mini-batch.
///
/// Index k holds the lecture's layer k + 1: `a[0]` is a^1 = x (the input batch), and for
/// k ≥ 1, `z[k]`, `a[k]` and `delta[k]` hold Z^(k+1), A^(k+1) and Δ^(k+1), one example per row.
/// (`z[0]` and `delta[0]` are unused: the input layer has neither.)
///
/// During training with dropout, `mask[k]` holds the scaled dropout mask of layer k + 1
/// (0 or 1/(1 − p) per unit) and `dropped[k]` = A^(k+1) ⊙ mask, which the next layer reads.
final class Workspace<S: Scalar> {
    let sizes: [Int]
    let capacity: Int
    let z: [UnsafeMutablePointer<S>]
    let a: [UnsafeMutablePointer<S>]
    let delta: [UnsafeMutablePointer<S>]
    let mask: [UnsafeMutablePointer<S>]
    let dropped: [UnsafeMutablePointer<S>]
    /// Whether the last forward pass applied dropout to layer k + 1.
    var dropoutApplied: [Bool]
    /// Y, the targets of the batch, shape (capacity × n_L).
    let y: UnsafeMutablePointer<S>
    /// A column of ones: ∂C/∂b = (1/m) Δᵀ 1 is a matrix-vector product.
    let ones: UnsafeMutablePointer<S>
    /// ∂C/∂W^l and ∂C/∂b^l of the last backward pass.
    var gradients: Gradients<S>
    /// The buffers of the bfloat16 products, when the products of forward and backward
    /// propagation run in bfloat16 (only for `Float`).
    let bfloat16: BFloat16Buffers?

    /// Buffers for `capacity` examples; with `training` false only z and a (inference needs
    /// neither δ, dropout masks nor gradients), and without `storesInputs` no a^1 either
    /// (the forward pass then reads the caller's inputs in place). With `precision`
    /// `.bfloat16` (and S = Float) the products run in bfloat16.
    init(sizes: [Int], capacity: Int, training: Bool = true, storesInputs: Bool = true, precision: Precision = .float32) {
        let capacity = max(1, capacity)
        self.sizes = sizes
        self.capacity = capacity
        func buffer(_ width: Int) -> UnsafeMutablePointer<S> {
            let pointer = UnsafeMutablePointer<S>.allocate(capacity: capacity * width)
            zeroValues(pointer, count: capacity * width)
            return pointer
        }
        z = sizes.enumerated().map { k, width in buffer(k == 0 ? 0 : width) }
        a = sizes.enumerated().map { k, width in buffer(k == 0 && !storesInputs ? 0 : width) }
        let trainingSizes = training ? sizes : sizes.map { _ in 0 }
        delta = trainingSizes.map(buffer)
        mask = trainingSizes.map(buffer)
        dropped = trainingSizes.map(buffer)
        dropoutApplied = sizes.map { _ in false }
        y = buffer(sizes[sizes.count - 1])
        ones = buffer(1)
        ones.update(repeating: 1, count: capacity)
        gradients = training ? Gradients(sizes: sizes) : Gradients(sizes: [])
        bfloat16 = precision == .bfloat16 && S.self == Float.self
            ? Self.bfloat16Buffers(sizes: sizes, capacity: capacity, training: training) : nil
    }

    convenience init(
        for network: Network<S>, capacity: Int, training: Bool = true, storesInputs: Bool = true,
        precision: Precision = .float32
    ) {
        self.init(sizes: network.sizes, capacity: capacity, training: training, storesInputs: storesInputs, precision: precision)
        if !training, let bfloat16, let network = network as? Network<Float> {
            bfloat16.packWeights(network)  // inference: the weights stay as they are
        }
    }

    /// Buffers for the largest bfloat16 product of a pass over `capacity` examples: each
    /// layer's A Wᵀ and, in training, Δ W and Δᵀ A.
    private static func bfloat16Buffers(sizes: [Int], capacity: Int, training: Bool) -> BFloat16Buffers {
        var rounded = 0, packed = 0
        for (nIn, nOut) in zip(sizes, sizes.dropFirst()) {
            rounded = max(rounded, BFloat16.roundedCount(rows: capacity, columns: nIn))
            packed = max(packed, BFloat16.packedCount(rows: nOut, columns: nIn))
            if training {
                rounded = max(
                    rounded, BFloat16.roundedCount(rows: capacity, columns: nOut),
                    BFloat16.roundedCount(rows: nOut, columns: capacity))
                packed = max(
                    packed, BFloat16.packedCount(rows: nIn, columns: nOut), BFloat16.packedCount(rows: nIn, columns: capacity))
            }
        }
        return BFloat16Buffers(rounded: rounded, packed: packed)
    }

    /// Runs `product` in this workspace's precision: in bfloat16 where it has the buffers for
    /// it, else in S. `weightsOf` k says that op(B) is layer k's W (Z = A Wᵀ), which an
    /// inference workspace holds packed already.
    @inline(__always)
    func multiply(_ product: MatrixProduct<S>, weightsOf layer: Int? = nil) {
        if let bfloat16, S.self == Float.self {
            let packed = layer.flatMap { bfloat16.packedWeights.indices.contains($0) ? bfloat16.packedWeights[$0] : nil }
            if bfloat16.multiply(unsafeBitCast(product, to: MatrixProduct<Float>.self), packedB: packed) { return }
        }
        S.multiply(product)
    }

    deinit {
        for pointer in z + a + delta + mask + dropped + [y, ones] { pointer.deallocate() }
    }

    /// The input the layer after layer k + 1 sees: A^(k+1), or its dropped-out version.
    func output(_ k: Int) -> UnsafeMutablePointer<S> {
        dropoutApplied[k] ? dropped[k] : a[k]
    }

    /// Copies the inputs and targets of the examples `indices` into a^1 and Y.
    @_specialize(where S == Float)
    func load(_ data: Dataset<S>, indices: UnsafeBufferPointer<Int>) {
        let width = sizes[0]
        data.inputs.withPointer { x in
            for (r, index) in indices.enumerated() {
                copyValues(width, from: x + index * width, to: a[0] + r * width)
            }
        }
        data.targets.gather(indices, into: y, outputSize: sizes[sizes.count - 1])
    }

    /// Starts bringing the inputs of the examples `indices` into the caches, for the next
    /// `load`: rows of a shuffled data set come from anywhere in memory, and without this a
    /// small batch's step (W1's ten rows of 784 values) spends a noticeable part of its time
    /// waiting for them (docs/performance-choices.md).
    @_specialize(where S == Float)
    func prefetch(_ data: Dataset<S>, indices: UnsafeBufferPointer<Int>) {
        let bytes = sizes[0] * MemoryLayout<S>.stride
        data.inputs.withPointer { x in
            for index in indices { backprop_prefetch(x + index * sizes[0], bytes) }
        }
    }
}
