/// Predictions for one example at a time with nothing allocated or set up per call: the
/// buffers for z and a are made once, and each layer is one matrix-vector product
/// z^(l+1) = W^l a^l + b^l (BLAS gemv onto a copy of the bias) then a^(l+1) = g(z^(l+1)).
/// The input is read in place.
///
/// A predictor writes to its buffers on every call: use one per thread.
public final class Predictor<S: Scalar> {
    /// The network it runs.
    public let network: Network<S>
    private let workspace: Workspace<S>

    /// A predictor for `network`, with its buffers allocated once.
    public init(_ network: Network<S>) {
        self.network = network
        workspace = Workspace(for: network, capacity: 1, training: false, storesInputs: false)
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
