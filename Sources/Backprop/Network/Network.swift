import Foundation

/// A feed-forward network of dense layers, trained by backpropagation.
///
/// With L layers of widths n_1 … n_L (n_1 the input size), layer l = 1 … L−1 maps
/// a^l to z^(l+1) = W^l a^l + b^l and a^(l+1) = g(z^(l+1)). `layers[l - 1]` holds W^l and b^l.
///
/// ```swift
/// var network = try Network<Float>(sizes: [784, 30, 10], activation: .sigmoid,
///                                  loss: .quadratic, initialization: .normal, seed: 1)
/// ```
public struct Network<S: Scalar>: Equatable, Sendable {
    /// The L − 1 layers; `layers[l - 1]` holds W^l and b^l.
    public internal(set) var layers: [Dense<S>]
    /// C, the cost the network is trained to minimize.
    public let loss: Loss

    /// n_1 … n_L: the input size, then each layer's output size.
    public var sizes: [Int] { [layers[0].inputSize] + layers.map(\.outputSize) }
    /// n_1, the number of inputs.
    public var inputSize: Int { layers[0].inputSize }
    /// n_L, the number of outputs.
    public var outputSize: Int { layers[layers.count - 1].outputSize }
    /// The number of weights and biases over all layers.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// A network from its layers.
    /// - Throws: `BackpropError` if consecutive layers do not fit together, a layer other
    ///   than the last uses softmax, or the loss needs another output activation.
    public init(layers: [Dense<S>], loss: Loss) throws {
        guard let last = layers.last else {
            throw BackpropError.invalidArchitecture("a network needs at least one layer")
        }
        for l in 1..<layers.count where layers[l].inputSize != layers[l - 1].outputSize {
            throw BackpropError.shapeMismatch(
                what: "layer \(l + 1) weight", expected: "\(layers[l - 1].outputSize) columns",
                got: "\(layers[l].inputSize)")
        }
        for layer in layers.dropLast() where layer.activation == .softmax {
            throw BackpropError.invalidArchitecture("softmax is allowed on the output layer only")
        }
        if last.dropout != 0 {
            throw BackpropError.invalidArchitecture("dropout is allowed on hidden layers only")
        }
        if let required = loss.requiredOutputActivation, last.activation != required {
            throw BackpropError.invalidArchitecture(
                "the \(loss.name) loss needs a \(required.name) output layer, not \(last.activation.name)")
        }
        if last.activation == .softmax, last.outputSize < 2 {
            throw BackpropError.invalidArchitecture("a softmax output needs at least 2 classes, got \(last.outputSize)")
        }
        self.layers = layers
        self.loss = loss
    }

    /// A network with fresh parameters.
    ///
    /// - Parameters:
    ///   - sizes: n_1 … n_L, every layer's width from input to output (at least two).
    ///   - activation: g for the hidden layers.
    ///   - outputActivation: g for the output layer; by default the one the loss needs
    ///     (softmax for cross-entropy, sigmoid for binary cross-entropy), else `activation`.
    ///   - loss: the cost C the network is trained to minimize.
    ///   - initialization: by default He for ReLU-like activations, Xavier otherwise.
    ///   - seed: seeds the parameters; the same seed gives the same network.
    public init(
        sizes: [Int], activation: Activation = .sigmoid, outputActivation: Activation? = nil,
        loss: Loss = .quadratic, initialization: Initialization? = nil, seed: UInt64 = 0
    ) throws {
        guard sizes.count >= 2 else {
            throw BackpropError.invalidArchitecture(
                "give at least two layer sizes (input and output), got \(sizes.count)")
        }
        if let index = sizes.firstIndex(where: { $0 < 1 }) {
            throw BackpropError.invalidArchitecture(
                "layer \(index + 1) has width \(sizes[index]); every layer needs at least 1 neuron")
        }
        try Self.checkFits(sizes, bytesPerValue: MemoryLayout<S>.stride)
        let output = outputActivation ?? loss.requiredOutputActivation ?? activation
        var random = RandomSource(seed: seed)
        var layers: [Dense<S>] = []
        for l in 0..<(sizes.count - 1) {
            let isOutput = l == sizes.count - 2
            layers.append(Dense(
                inputSize: sizes[l], outputSize: sizes[l + 1], activation: isOutput ? output : activation,
                initialization: initialization ?? .default(for: activation), random: &random))
        }
        try self.init(layers: layers, loss: loss)
    }

    /// Throws unless the parameters of a network of widths `sizes` can be counted without
    /// overflow and fit in this machine's memory: a clear error before any allocation.
    static func checkFits(_ sizes: [Int], bytesPerValue: Int) throws {
        var count = 0, overflow = false
        for l in 0..<(sizes.count - 1) {
            let (weights, o1) = sizes[l].multipliedReportingOverflow(by: sizes[l + 1])
            let (layer, o2) = weights.addingReportingOverflow(sizes[l + 1])
            let (total, o3) = count.addingReportingOverflow(layer)
            (count, overflow) = (total, overflow || o1 || o2 || o3)
        }
        let (bytes, o4) = count.multipliedReportingOverflow(by: bytesPerValue)
        let memory = ProcessInfo.processInfo.physicalMemory
        guard !overflow, !o4, UInt64(bytes) <= memory else {
            throw BackpropError.invalidArchitecture(
                "widths \(sizes) need \(overflow || o4 ? "more than \(Int.max)" : "\(bytes)") bytes of parameters, more than this machine's \(memory) bytes of memory")
        }
    }

    /// This network with inverted dropout of probability p on every hidden layer (0: none).
    ///
    /// During training each hidden unit is kept with probability 1 − p and scaled by
    /// 1/(1 − p); inference uses every unit unscaled.
    /// - Throws: `BackpropError.invalidHyperparameter` unless 0 ≤ p < 1.
    public func withDropout(_ p: Double) throws -> Network {
        guard p.isFinite, p >= 0, p < 1 else {
            throw BackpropError.invalidHyperparameter(name: "dropout", value: "\(p)", expected: "a number ≥ 0 and < 1")
        }
        var copy = self
        for l in copy.layers.indices.dropLast() { copy.layers[l].dropout = p }
        return copy
    }

    /// The same network in another precision (e.g. Double for gradient checks).
    public func converted<Other: Scalar>(to _: Other.Type = Other.self) -> Network<Other> {
        Network<Other>(unchecked: layers.map { $0.converted() }, loss)
    }

    init(unchecked layers: [Dense<S>], _ loss: Loss) {
        self.layers = layers
        self.loss = loss
    }
}
