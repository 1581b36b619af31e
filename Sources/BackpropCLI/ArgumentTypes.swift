import ArgumentParser
import Backprop
import Foundation

extension Activation: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(name: argument)
    }

    public static var allValueStrings: [String] { Activation.all.map(\.name) }
}

extension Loss: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(name: argument)
    }

    public static var allValueStrings: [String] { Loss.allCases.map(\.name) }
}

extension Initialization: ExpressibleByArgument {}
extension LearningTask: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension FeatureScaler.Kind: ExpressibleByArgument {}
extension Precision: ExpressibleByArgument {}

/// A comma-separated list such as `784,30,10`.
struct List<Element: LosslessStringConvertible & Sendable>: ExpressibleByArgument {
    var values: [Element]

    init(_ values: [Element]) {
        self.values = values
    }

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        var values: [Element] = []
        for part in parts {
            guard let value = Element(part.trimmingCharacters(in: .whitespaces)) else { return nil }
            values.append(value)
        }
        self.values = values
    }

    var defaultValueDescription: String { values.map(String.init(describing:)).joined(separator: ",") }
}

/// Options that describe a fresh network, or name a saved one, shared by `gradcheck` and `explain`.
struct NetworkOptions: ParsableArguments {
    @Option(help: "Every layer's width from input to output, e.g. 784,30,10.")
    var layers: List<Int>?

    @Option(help: "Use the network of this model file instead of a fresh one (inputs are the network's, after feature scaling).")
    var model: String?

    @Option(help: "Activation of the hidden layers (\(Activation.allValueStrings.joined(separator: ", "))).")
    var activation: Activation = .sigmoid

    @Option(help: "Activation of the output layer (default: what the loss needs, else --activation).")
    var outputActivation: Activation?

    @Option(help: "Loss (\(Loss.allValueStrings.joined(separator: ", "))).")
    var loss: Loss = .quadratic

    @Option(
        name: .customLong("init"),
        help: "Parameter initialization (normal, xavier, he; default: he for ReLU, else xavier).")
    var initialization: Initialization?

    @Option(help: "Seed for the parameters and the generated data.")
    var seed: UInt64 = 1

    func validate() throws {
        guard (layers == nil) != (model == nil) else {
            throw ValidationError("give either --layers (a fresh network) or --model FILE (a saved one)")
        }
        if let widths = layers?.values {
            guard widths.count >= 2 else {
                throw ValidationError("--layers needs at least two widths (input and output), got \(widths.count)")
            }
            if let bad = widths.first(where: { $0 < 1 }) {
                throw ValidationError("--layers: every width must be at least 1, got \(bad)")
            }
        }
        try checkOutputActivation(outputActivation, loss: loss)
    }

    func makeNetwork<S: Scalar>(_: S.Type) throws -> Network<S> {
        if let model {
            let saved: Model<S> = try ModelFile.read(from: model)
            return saved.network
        }
        return try Network<S>(
            sizes: layers?.values ?? [], activation: activation, outputActivation: outputActivation,
            loss: loss, initialization: initialization, seed: seed)
    }
}

/// Rejects an --output-activation that the loss cannot use.
func checkOutputActivation(_ output: Activation?, loss: Loss?) throws {
    guard let output, let loss, let required = loss.requiredOutputActivation, output != required else { return }
    throw ValidationError(
        "--output-activation \(output.name) does not fit --loss \(loss.name), which needs \(required.name) (or leave it out)")
}

/// The limit on what one input file may hold, shared by the commands that read data.
struct InputLimitOptions: ParsableArguments {
    @Option(help: "Most bytes read from one input file: a CSV or model file, or an IDX file after decompression (default: 1 GiB).")
    var maxInputBytes = InputFile.defaultMaximumBytes

    func validate() throws {
        guard maxInputBytes >= 1 else { throw ValidationError("--max-input-bytes must be at least 1, got \(maxInputBytes)") }
    }

    /// `options` with this limit.
    func applied(to options: DataFileOptions) -> DataFileOptions {
        var options = options
        options.maximumBytes = maxInputBytes
        return options
    }
}
