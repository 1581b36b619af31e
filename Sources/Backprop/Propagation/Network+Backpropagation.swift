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
        let output = layers[count - 1]
        outputDelta(loss, outputActivation: output.activation, workspace: workspace, rows: m)
        let scale = 1 / S(batchSize ?? m)
        for k in stride(from: count - 1, through: 0, by: -1) {
            let layer = layers[k]
            let nIn = layer.inputSize, nOut = layer.outputSize
            let delta = workspace.delta[k + 1]
            let deltaT = MatrixOperand(UnsafePointer(delta), rows: m, columns: nOut, transposed: true)
            workspace.gradients.weight[k].withMutablePointer { dw in  // (1/m) Δᵀ A^l
                S.multiply(MatrixProduct(
                    deltaT, MatrixOperand(workspace.output(k), rows: m, columns: nIn), into: dw, alpha: scale))
            }
            withMutablePointer(&workspace.gradients.bias[k]) { db in  // (1/m) Δᵀ 1
                S.multiply(MatrixVectorProduct(deltaT, workspace.ones, into: db, alpha: scale))
            }
            layerFinished?(k)
            guard k > 0 else { break }
            layer.weight.withPointer { w in  // Δ^(l+1) W^l
                S.multiply(MatrixProduct(
                    MatrixOperand(delta, rows: m, columns: nOut), MatrixOperand(w, rows: nOut, columns: nIn),
                    into: workspace.delta[k]))
            }
            if workspace.dropoutApplied[k] {
                multiply(workspace.delta[k], by: workspace.mask[k], count: m * nIn)
            }
            multiplyByDerivative(
                layers[k - 1].activation, delta: workspace.delta[k], z: workspace.z[k], a: workspace.a[k],
                rows: m, columns: nIn)
        }
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
