extension Network {
    /// Backpropagation for the first `m` examples of `workspace`, after `forward`.
    ///
    /// Per example, the lecture's four equations; per batch, one matrix product each:
    /// - δ^L = ∇_a C ⊙ g′(z^L) (the loss computes it, fused where that is exact and stable);
    /// - δ^l = ((W^l)ᵀ δ^(l+1)) ⊙ g′(z^l)      → Δ^l = (Δ^(l+1) W^l) ⊙ g′(Z^l);
    /// - ∂C/∂W^l = δ^(l+1) (a^l)ᵀ             → (1/m) (Δ^(l+1))ᵀ A^l;
    /// - ∂C/∂b^l = δ^(l+1)                    → (1/m) (Δ^(l+1))ᵀ 1.
    /// Where dropout was applied, a^l is the dropped-out activation and δ^l gains the
    /// factor of the mask, since the mask multiplies a^l.
    /// The gradients land in `workspace.gradients`.
    ///
    /// - Parameters:
    ///   - batchSize: the m of 1/m: `m` itself, or in data-parallel training the whole
    ///     mini-batch of which these `m` examples are one process's share, so that the sum
    ///     of the shares' gradients is the batch's.
    ///   - layerFinished: called with k as soon as layer k's gradients (index k of
    ///     `gradients.weight` and `.bias`) are final, before the layers below it are done.
    @_specialize(where S == Float)
    func backward(
        _ workspace: Workspace<S>, rows m: Int, batchSize: Int? = nil, layerFinished: ((Int) -> Void)? = nil
    ) {
        let count = layers.count
        outputDelta(loss, outputActivation: layers[count - 1].activation, workspace: workspace, rows: m)
        let scale = 1 / S(batchSize ?? m)
        for k in stride(from: count - 1, through: 0, by: -1) {
            workspace.gradients.weight[k].withMutablePointer { dw in  // (1/m) Δᵀ A^l
                Self.weightProduct(k, layers[k].shape, workspace, rows: m, into: dw, scaling: .gradient(scale))
            }
            withMutablePointer(&workspace.gradients.bias[k]) { db in  // (1/m) Δᵀ 1
                Self.biasProduct(k, layers[k].shape, workspace, rows: m, into: db, scaling: .gradient(scale))
            }
            layerFinished?(k)
            guard k > 0 else { break }
            propagateDelta(to: k, workspace, rows: m)
        }
    }

    /// Backpropagation with plain SGD applied as it goes, for the first `m` examples of
    /// `workspace`, after `forward`: each layer's update w ← w − η ∂C/∂w is the product
    /// of its gradient made with β = 1 into the parameters themselves,
    /// - W^l ← W^l − (η/m) (Δ^(l+1))ᵀ A^l,  b^l ← b^l − (η/m) (Δ^(l+1))ᵀ 1,
    /// after Δ^l = (Δ^(l+1) W^l) ⊙ g′(Z^l) has used W^l. The same step as `backward` then
    /// `SGD.update` (to rounding), without writing the gradients or reading them back;
    /// `workspace.gradients` is left as it was. With bfloat16 products, −η/m multiplies Δ
    /// before it is rounded.
    @_specialize(where S == Float)
    mutating func backwardApplyingSGD(_ workspace: Workspace<S>, rows m: Int, learningRate eta: S) {
        let count = layers.count
        outputDelta(loss, outputActivation: layers[count - 1].activation, workspace: workspace, rows: m)
        let step = -eta / S(m)
        for k in stride(from: count - 1, through: 0, by: -1) {
            if k > 0 { propagateDelta(to: k, workspace, rows: m) }
            let shape = layers[k].shape  // not the layer: a copy would make W^l shared, and its update copy it
            layers[k].withMutableParameters { w, b in
                Self.weightProduct(k, shape, workspace, rows: m, into: w, scaling: .step(step))
                Self.biasProduct(k, shape, workspace, rows: m, into: b, scaling: .step(step))
            }
        }
    }

    /// W ← α (Δ^(l+1))ᵀ A^l + β W for layer `k`: its weight gradient or an SGD step on its weights.
    @_specialize(where S == Float)
    private static func weightProduct(
        _ k: Int, _ shape: Dense<S>.Shape, _ workspace: Workspace<S>, rows m: Int, into w: UnsafeMutablePointer<S>,
        scaling: ProductScaling<S>
    ) {
        let deltaT = MatrixOperand(UnsafePointer(workspace.delta[k + 1]), rows: m, columns: shape.outputs, transposed: true)
        let input = MatrixOperand(workspace.output(k), rows: m, columns: shape.inputs)
        workspace.multiply(MatrixProduct(deltaT, input, into: w, alpha: scaling.alpha, beta: scaling.beta))
    }

    /// b ← α (Δ^(l+1))ᵀ 1 + β b for layer `k`: its bias gradient or an SGD step on its biases.
    @_specialize(where S == Float)
    private static func biasProduct(
        _ k: Int, _ shape: Dense<S>.Shape, _ workspace: Workspace<S>, rows m: Int, into b: UnsafeMutablePointer<S>,
        scaling: ProductScaling<S>
    ) {
        let deltaT = MatrixOperand(UnsafePointer(workspace.delta[k + 1]), rows: m, columns: shape.outputs, transposed: true)
        S.multiply(MatrixVectorProduct(deltaT, workspace.ones, into: b, alpha: scaling.alpha, beta: scaling.beta))
    }

    /// Δ^l = (Δ^(l+1) W^l) ⊙ g′(Z^l) for layer `k` > 0, times the dropout mask where
    /// dropout was applied (the mask multiplies a^l).
    @_specialize(where S == Float)
    private func propagateDelta(to k: Int, _ workspace: Workspace<S>, rows m: Int) {
        let nIn = layers[k].inputSize, nOut = layers[k].outputSize
        layers[k].weight.withPointer { w in
            workspace.multiply(MatrixProduct(
                MatrixOperand(UnsafePointer(workspace.delta[k + 1]), rows: m, columns: nOut),
                MatrixOperand(w, rows: nOut, columns: nIn), into: workspace.delta[k]))
        }
        if workspace.dropoutApplied[k] {
            multiply(workspace.delta[k], by: workspace.mask[k], count: m * nIn)
        }
        multiplyByDerivative(
            layers[k - 1].activation, delta: workspace.delta[k], z: workspace.z[k], a: workspace.a[k],
            rows: m, columns: nIn)
    }

    /// The mean cost C = (1/m) Σ_x C_x of the first `m` examples in `workspace`, after `forward`.
    @_specialize(where S == Float)
    func batchLoss(_ workspace: Workspace<S>, rows m: Int) -> Double {
        let count = layers.count
        return lossSum(
            loss, z: workspace.z[count], a: workspace.a[count], y: workspace.y, rows: m,
            columns: outputSize) / Double(m)
    }

    /// The mean cost and its gradients for a mini-batch, by forward propagation then backpropagation.
    /// - Throws: `BackpropError` if the data does not fit the network.
    public func gradients(for batch: Dataset<S>) throws -> (loss: Double, gradients: Gradients<S>) {
        try batch.validate(for: self)
        guard batch.count > 0 else {
            throw BackpropError.shapeMismatch(what: "batch", expected: "at least 1 example", got: "0")
        }
        let workspace = Workspace(for: self, capacity: batch.count)
        let indices = Array(0..<batch.count)
        indices.withUnsafeBufferPointer { workspace.load(batch, indices: $0) }
        forward(workspace, rows: batch.count)
        let loss = batchLoss(workspace, rows: batch.count)
        backward(workspace, rows: batch.count)
        return (loss, workspace.gradients)
    }

    /// The mean cost C = (1/n) Σ_x C_x over a data set.
    public func loss(on data: Dataset<S>) throws -> Double {
        try evaluate(on: data).loss
    }
}

/// How a parameter product P lands in its destination D: D ← α P + β D.
struct ProductScaling<S: Scalar> {
    var alpha: S
    var beta: S

    /// D ← scale · P: a gradient, with scale = 1/m.
    static func gradient(_ scale: S) -> Self { Self(alpha: scale, beta: 0) }

    /// D ← D + step · P: an SGD step on the parameters themselves, with step = −η/m.
    static func step(_ step: S) -> Self { Self(alpha: step, beta: 1) }
}
