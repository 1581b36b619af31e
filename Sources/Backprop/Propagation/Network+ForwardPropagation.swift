extension Network {
    /// Forward propagation of `rows` examples, from `inputs` (one example per row) or else
    /// from those already in `workspace.a[0]`:
    /// Z^(l+1) = A^l (W^l)ᵀ + 1 (b^l)ᵀ and A^(l+1) = g(Z^(l+1)), one matrix product per layer.
    ///
    /// With `dropout` (training only), each hidden layer with p > 0 then keeps each unit
    /// with probability 1 − p, scaled by 1/(1 − p), so inference needs no rescaling.
    @_specialize(where S == Float)
    func forward(
        _ workspace: Workspace<S>, rows m: Int, inputs: UnsafePointer<S>? = nil,
        dropout random: UnsafeMutablePointer<RandomSource>? = nil
    ) {
        for k in layers.indices {  // not enumerated(): its iterator allocates in generic code
            let layer = layers[k]
            let nIn = layer.inputSize, nOut = layer.outputSize
            let z = workspace.z[k + 1], a = workspace.a[k + 1]
            let input = k == 0 ? inputs ?? UnsafePointer(workspace.a[0]) : UnsafePointer(workspace.output(k))
            layer.weight.withPointer { w in  // Z = A (W^l)ᵀ
                workspace.multiply(MatrixProduct(
                    MatrixOperand(input, rows: m, columns: nIn), MatrixOperand(w, rows: nOut, columns: nIn, transposed: true),
                    into: z), weightsOf: k)
            }
            withPointer(layer.bias) { b in
                addBiasAndActivate(layer.activation, z: z, a: a, bias: b, rows: m, columns: nOut)
            }
            let applied = random != nil && layer.dropout > 0
            workspace.dropoutApplied[k + 1] = applied
            if applied, let random {
                applyDropout(
                    layer.dropout, a: a, mask: workspace.mask[k + 1], dropped: workspace.dropped[k + 1],
                    count: m * nOut, random: &random.pointee)
            }
        }
    }

    /// The network's outputs a^L for a batch of inputs, one example per row, with the
    /// products in `precision` (bfloat16 only for `Float`).
    ///
    /// These are class probabilities for softmax and sigmoid outputs.
    /// - Throws: `BackpropError` if the column count is not the input size or an input is not
    ///   finite, or for bfloat16 with a network of `Double`.
    public func predict(_ inputs: Matrix<S>, precision: Precision = .float32) throws -> Matrix<S> {
        try checkInputs(inputs)
        try precision.check(for: S.self)
        let chunk = Swift.min(inputs.rows, 1024)
        let workspace = Workspace(for: self, capacity: chunk, training: false, storesInputs: false, precision: precision)
        var outputs = Matrix<S>(rows: inputs.rows, columns: outputSize)
        let width = outputSize, inputWidth = inputSize
        inputs.withPointer { x in
            for start in stride(from: 0, to: inputs.rows, by: Swift.max(1, chunk)) {
                let count = Swift.min(chunk, inputs.rows - start)
                forward(workspace, rows: count, inputs: x + start * inputWidth)
                outputs.withMutablePointer { out in
                    copyValues(count * width, from: workspace.a[layers.count], to: out + start * width)
                }
            }
        }
        return outputs
    }

    /// Every layer's activations for a batch of inputs, one example per row: a^2 … a^L, as
    /// forward propagation computes them on the way to the output (a^1 is the input itself).
    /// For looking inside a network, as the playground draws each neuron's output.
    /// - Throws: `BackpropError` if the column count is not the input size or an input is not finite.
    public func layerActivations(_ inputs: Matrix<S>) throws -> [Matrix<S>] {
        try checkInputs(inputs)
        let rows = inputs.rows
        let workspace = Workspace(for: self, capacity: Swift.max(1, rows))
        inputs.withPointer { x in forward(workspace, rows: rows, inputs: x) }
        return layers.indices.map { k in
            let width = layers[k].outputSize
            var a = Matrix<S>(rows: rows, columns: width)
            a.withMutablePointer { copyValues(rows * width, from: workspace.a[k + 1], to: $0) }
            return a
        }
    }

    /// The output a^L for one input x.
    public func predict(_ input: [S]) throws -> [S] {
        try predict(Matrix(rows: 1, columns: input.count, elements: input)).elements
    }

    /// The predicted class of each input row: the largest output, or for a single
    /// output, 1 when it exceeds ½ (a sigmoid probability) and 0 otherwise.
    public func predictClasses(_ inputs: Matrix<S>) throws -> [Int] {
        classes(from: try predict(inputs))
    }

    /// The class each row of outputs a^L predicts (see `predictClasses`), without another
    /// forward pass.
    public func classes(from outputs: Matrix<S>) -> [Int] {
        let width = outputs.columns
        return outputs.withPointer { a in (0..<outputs.rows).map { predictedClass(a + $0 * width, width) } }
    }

    func checkInputs(_ inputs: Matrix<S>) throws {
        guard inputs.columns == inputSize else {
            throw BackpropError.shapeMismatch(
                what: "inputs", expected: "\(inputSize) columns (the network's input size)",
                got: "\(inputs.columns)")
        }
        if let (row, column) = inputs.firstNonFinite() {
            throw BackpropError.nonFinite(what: "inputs", row: row, column: column)
        }
    }
}
