/// Predictions with nothing set up per call: the buffers for z and a are made once. One
/// example at a time, each layer is one matrix-vector product z^(l+1) = W^l a^l + b^l (onto a
/// copy of the bias) then a^(l+1) = g(z^(l+1)); a batch runs as forward propagation, up to
/// `batchSize` examples per pass. Inputs are read in place. With `precision` `.bfloat16` (a
/// `Float` network) every pass, one example's too, is forward propagation with bfloat16
/// products, the weights rounded and packed once.
///
/// A predictor writes to its buffers on every call: use one per thread.
public final class Predictor<S: Scalar> {
    /// The network it runs.
    public let network: Network<S>
    private let workspace: Workspace<S>

    private let batchWorkspace: Workspace<S>?

    /// A predictor for `network`, with its buffers allocated once: for one example, and for
    /// batches of up to `batchSize` examples where that is more than 1; the products in
    /// `precision` (bfloat16 only for a `Float` network; a `Double` one computes in Double).
    public init(_ network: Network<S>, batchSize: Int = 1, precision: Precision = .float32) {
        self.network = network
        workspace = Workspace(for: network, capacity: 1, training: false, storesInputs: false, precision: precision)
        batchWorkspace = batchSize > 1
            ? Workspace(for: network, capacity: batchSize, training: false, storesInputs: false, precision: precision) : nil
    }

    /// The class each input row predicts (as `Network.predictClasses` decides it), by forward
    /// propagation of up to `batchSize` rows at a time through buffers made once: on W4 (the
    /// test set in batches of 1,000) it saved the page faults of new buffers for every batch.
    /// - Throws: `BackpropError` if the column count is not the input size or an input is not finite.
    public func predictClasses(_ inputs: Matrix<S>) throws -> [Int] {
        try network.checkInputs(inputs)
        let workspace = batchWorkspace ?? self.workspace
        let width = network.outputSize, inputWidth = network.inputSize, output = network.layers.count
        var classes = [Int](repeating: 0, count: inputs.rows)
        inputs.withPointer { x in
            classes.withUnsafeMutableBufferPointer { classes in
                for start in stride(from: 0, to: inputs.rows, by: workspace.capacity) {
                    let count = Swift.min(workspace.capacity, inputs.rows - start)
                    network.forward(workspace, rows: count, inputs: x + start * inputWidth)
                    let a = UnsafePointer(workspace.a[output])
                    for i in 0..<count { classes[start + i] = predictedClass(a + i * width, width) }
                }
            }
        }
        return classes
    }

    /// The output a^L for one input x, valid until the next call.
    /// - Throws: `BackpropError` if x does not have the network's input size or is not finite.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func predict(_ input: UnsafeBufferPointer<S>) throws -> UnsafeBufferPointer<S> {
        guard input.count == network.inputSize, let x = input.baseAddress else {
            throw BackpropError.shapeMismatch(
                what: "input", expected: "\(network.inputSize) values (the network's input size)",
                got: "\(input.count)")
        }
        if let column = firstNonFiniteIndex(x, count: input.count) {
            throw BackpropError.nonFinite(what: "input", row: 0, column: column)
        }
        if workspace.bfloat16 != nil {
            network.forward(workspace, rows: 1, inputs: x)
            return UnsafeBufferPointer(start: workspace.a[network.layers.count], count: network.outputSize)
        }
        var a = x
        for k in network.layers.indices {
            let layer = network.layers[k]
            let z = workspace.z[k + 1], next = workspace.a[k + 1]
            withPointer(layer.bias) { b in copyValues(layer.outputSize, from: b, to: z) }
            layer.weight.withPointer { w in  // z = W a + b, onto the copy of b
                S.multiply(MatrixVectorProduct(
                    MatrixOperand(w, rows: layer.outputSize, columns: layer.inputSize), a, into: z, beta: 1))
            }
            activate(layer.activation, z: z, a: next, rows: 1, columns: layer.outputSize)
            a = UnsafePointer(next)
        }
        return UnsafeBufferPointer(start: a, count: network.outputSize)
    }

    /// The output a^L for one input x.
    public func predict(_ input: [S]) throws -> [S] {
        try Array(input.withUnsafeBufferPointer { try predict($0) })
    }

    /// The class one input x predicts (as `Network.predictClasses` decides it), without
    /// allocating.
    public func predictClass(_ input: UnsafeBufferPointer<S>) throws -> Int {
        let output = try predict(input)
        return output.baseAddress.map { predictedClass($0, output.count) } ?? 0
    }

    /// The class one input x predicts.
    public func predictClass(_ input: [S]) throws -> Int {
        try input.withUnsafeBufferPointer { try predictClass($0) }
    }
}
