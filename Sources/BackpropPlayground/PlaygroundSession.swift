import Backprop
import Foundation

/// A playground run: the examples, the network and the library's own training loop
/// (`TrainingSession`), stepped one mini-batch at a time, and what the page draws of it.
///
/// Not thread-safe: the server keeps each session behind a lock.
public final class PlaygroundSession {
    /// The settings of the run (for a run continued from a model file, its layers).
    public private(set) var settings: PlaygroundSettings
    /// The training and test examples.
    public let examples: PlaygroundExamples
    private var session: TrainingSession<Float>
    /// Mini-batches trained so far.
    public private(set) var steps = 0

    /// A fresh run: the examples drawn (or the table read), the network initialized, nothing
    /// trained — or, given `model`, that model's network trained on from where it was.
    /// - Throws: `BackpropError` naming a setting out of range, a run larger than
    ///   `PlaygroundBudget` allows, or a model that does not fit the examples; `DataError`
    ///   for a table that cannot be read.
    public init(_ settings: PlaygroundSettings, table: PlaygroundTable? = nil, continuing model: Model<Float>? = nil) throws {
        var settings = settings
        try settings.validate()
        let examples = try table.map { try PlaygroundExamples(table: $0, settings: settings) } ?? PlaygroundExamples(planar: settings)
        let output = try OutputLayout(for: examples.encoding.labels, loss: model?.network.loss ?? settings.lossFunction())
        let inputs = examples.encoding.featureNames.count
        let sizes = model?.network.sizes ?? [inputs] + settings.hidden + [output.size]
        try PlaygroundBudget.standard.check(
            values: examples.count * inputs, parameters: zip(sizes, sizes.dropFirst()).reduce(0) { $0 + ($1.0 + 1) * $1.1 })
        let network: Network<Float>
        if let model {
            network = try Self.fitting(model, to: examples, outputs: output.size)
            settings.hidden = Array(network.sizes.dropFirst().dropLast())
            settings.activations = network.layers.dropLast().map(\.activation.name)
            settings.loss = network.loss.name
            try settings.validate()
        } else {
            network = try Self.initialNetwork(settings, inputs: inputs, output: output)
        }
        self.settings = settings
        self.examples = examples
        let trainer = Trainer(
            epochs: Trainer.maximumEpochs, batchSize: min(settings.batchSize, examples.train.count),
            optimizer: settings.optimizerConfiguration, seed: settings.seed)
        session = try TrainingSession(trainer: trainer, network: network.withDropout(settings.dropout), data: examples.train)
    }

    /// The network the settings describe, initialized from the seed.
    private static func initialNetwork(_ settings: PlaygroundSettings, inputs: Int, output: OutputLayout) throws -> Network<Float> {
        let activations = settings.activations.compactMap { Activation(name: $0) }
        let initial = try Network<Float>(
            sizes: [inputs] + settings.hidden + [output.size], activation: activations.first ?? .tanh,
            outputActivation: output.activation, loss: output.loss, seed: settings.seed)
        var layers = initial.layers
        for (k, g) in activations.enumerated() {
            layers[k] = try Dense(weight: layers[k].weight, bias: layers[k].bias, activation: g)
        }
        return try Network(layers: layers, loss: output.loss)
    }

    /// `model`'s network, if it reads these examples' features and gives their outputs.
    private static func fitting(_ model: Model<Float>, to examples: PlaygroundExamples, outputs: Int) throws -> Network<Float> {
        func mismatch(_ what: String, _ expected: String, _ got: String) -> BackpropError {
            .shapeMismatch(what: "the uploaded model's \(what)", expected: expected, got: got)
        }
        let network = model.network
        if !model.encoding.featureNames.isEmpty, model.encoding.featureNames != examples.encoding.featureNames {
            throw mismatch("features", examples.encoding.featureNames.joined(separator: ", "), model.encoding.featureNames.joined(separator: ", "))
        }
        guard network.inputSize == examples.encoding.featureNames.count else {
            throw mismatch("inputs", "\(examples.encoding.featureNames.count)", "\(network.inputSize)")
        }
        guard network.outputSize == outputs || (examples.encoding.labels.classNames.count == 2 && network.outputSize == 1) else {
            throw mismatch("outputs", "\(outputs)", "\(network.outputSize)")
        }
        guard model.encoding.labels.task == examples.encoding.labels.task else {
            throw mismatch("task", examples.encoding.labels.task.rawValue, model.encoding.labels.task.rawValue)
        }
        return network
    }

    /// The network as trained so far.
    public var network: Network<Float> { session.network }

    /// How many examples are trained on.
    public var trainCount: Int { examples.train.count }

    /// Trains `batches` mini-batches: for each, forward propagation, backpropagation and
    /// the optimizer's update w ← w − η ∂C/∂w (for SGD).
    /// - Throws: `BackpropError.diverged` when a parameter or the cost becomes NaN or ±∞.
    public func step(batches: Int = 1) throws {
        for _ in 0..<max(0, batches) {
            guard try session.step() != nil else { return }
            steps += 1
        }
    }

    /// The lecture's update on one example, `TrainingSession.lectureStep`: every weight and
    /// bias takes w ← w − η ∂C/∂w with η the settings' learning rate and ∂C/∂w this example's
    /// gradient (plain SGD, whatever the optimizer; the optimizer's state is kept). It counts
    /// as a step.
    /// - Returns: the example walked through before the update.
    /// - Throws: `BackpropError` if there is no such example, or the update diverges.
    public func lectureStep(example index: Int) throws -> Explanation<Double> {
        let (data, row) = try locate(index)
        let before = try session.lectureStep(
            input: data.inputs.row(row), target: target(of: data, row: row).map { Float($0) }, learningRate: settings.learningRate)
        steps += 1
        return before
    }

    /// Example `index` (training examples first, then test examples) walked through forward
    /// propagation and backpropagation, in Double from the network's parameters: the numbers
    /// `backprop explain --json --model` prints for the same model file, input and target.
    /// - Throws: `BackpropError.invalidHyperparameter` if there is no such example.
    public func explanation(example index: Int) throws -> Explanation<Double> {
        let (data, row) = try locate(index)
        let network = try self.network.withDropout(0).converted(to: Double.self)
        return try Explanation(network: network, input: data.inputs.row(row).map(Double.init), target: target(of: data, row: row))
    }

    /// Every weight's and bias's ∂C/∂w for example `index` by backpropagation and by
    /// finite differences (`GradientCheck`), in Double; with more parameters than `limit`,
    /// an evenly spaced sample of at most `limit` of them.
    /// - Throws: `BackpropError.invalidHyperparameter` if there is no such example.
    public func gradientCheck(example index: Int, atMost limit: Int? = nil) throws -> [GradientCheck.ParameterResult] {
        let (data, row) = try locate(index)
        let targets: Targets<Float> =
            switch data.targets {
            case .classes(let labels): .classes([labels[row]])
            case .values(let y): .values(try Matrix(rows: 1, columns: y.columns, elements: y.row(row)))
            }
        let one = try Dataset(inputs: Matrix(rows: 1, columns: data.inputs.columns, elements: data.inputs.row(row)), targets: targets)
        return try GradientCheck().parameterResults(network.withDropout(0), on: one, atMost: limit)
    }

    private func locate(_ index: Int) throws -> (data: Dataset<Float>, row: Int) {
        guard (0..<examples.count).contains(index) else {
            throw BackpropError.invalidHyperparameter(name: "example", value: "\(index)", expected: "0 … \(examples.count - 1)")
        }
        return examples.locate(index)
    }

    /// Example `row`'s target y as the network's output layer sees it: one-hot for a class
    /// with several outputs, the class itself (0 or 1) for one sigmoid output, else the values.
    private func target(of data: Dataset<Float>, row: Int) -> [Double] {
        switch data.targets {
        case .classes(let labels):
            let n = network.outputSize
            return n == 1 ? [Double(labels[row])] : (0..<n).map { $0 == labels[row] ? 1 : 0 }
        case .values(let y):
            return y.row(row).map(Double.init)
        }
    }

    /// The trained network with what `backprop evaluate/predict/serve` need: the feature
    /// names, the classes and the scaling.
    public func model() throws -> Model<Float> {
        try Model(
            network: network.withDropout(0), encoding: examples.encoding)
    }
}
