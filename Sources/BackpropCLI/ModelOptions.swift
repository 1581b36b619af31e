import ArgumentParser
import Backprop

/// Flags that shape the network `train` builds.
struct ModelOptions: ParsableArguments {
    @Option(help: "Hidden layer widths, comma-separated.")
    var hidden = List([100])

    @Option(help: "Activation of the hidden layers (\(Activation.elementwise.map(\.name).joined(separator: ", "))).")
    var activation: Activation = .relu

    @Option(help: "Activation of the output layer (default: softmax for cross-entropy, sigmoid for binary cross-entropy and for classification with the quadratic loss, identity for regression).")
    var outputActivation: Activation?

    @Option(help: "Loss: \(Loss.allValueStrings.joined(separator: ", ")) (default: cross-entropy for classification, quadratic for regression).")
    var loss: Loss?

    @Option(name: .customLong("init"), help: "Initialization: normal, xavier or he (default: he for ReLU, else xavier).")
    var initialization: Initialization?

    @Option(help: "Dropout probability for every hidden layer, 0 ≤ p < 1.")
    var dropout: Double = 0

    func check() throws {
        if let bad = hidden.values.first(where: { $0 < 1 }) {
            throw ValidationError("--hidden: every width must be at least 1, got \(bad)")
        }
        guard dropout >= 0, dropout < 1 else {
            throw ValidationError("--dropout must be at least 0 and below 1, got \(dropout)")
        }
        if activation == .softmax {
            throw ValidationError("--activation softmax is allowed only as --output-activation")
        }
        try checkOutputActivation(outputActivation, loss: loss)
    }

    /// The network for `data`: its input size, and the outputs, loss and output activation
    /// that `OutputLayout` chooses for its labels.
    func makeNetwork(for encoding: DataEncoding, seed: UInt64) throws -> Network<Float> {
        let output = try OutputLayout(for: encoding.labels, loss: loss, activation: outputActivation)
        return try Network(
            sizes: [encoding.scaler.shift.count] + hidden.values + [output.size], activation: activation,
            outputActivation: output.activation, loss: output.loss, initialization: initialization, seed: seed
        ).withDropout(dropout)
    }
}
