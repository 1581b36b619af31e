import Backprop
import Foundation

/// A playground run: the points, the network and the library's own training loop
/// (`TrainingSession`), stepped one mini-batch at a time, and what the page draws of it.
///
/// Not thread-safe: the server keeps each session behind a lock.
public final class PlaygroundSession {
    /// The settings it was made with.
    public let settings: PlaygroundSettings
    /// All the points: the first `trainCount` are the training set, the rest the test set.
    public let points: PlanarPoints
    /// How many points are trained on.
    public let trainCount: Int
    /// The training and test sets, with the chosen features.
    public let train: Dataset<Float>, test: Dataset<Float>
    private var session: TrainingSession<Float>
    /// Mini-batches trained so far.
    public private(set) var steps = 0

    /// A fresh run: the points drawn, the network initialized, nothing trained.
    /// - Throws: `BackpropError` naming a setting out of range.
    public init(_ settings: PlaygroundSettings) throws {
        try settings.validate()
        self.settings = settings
        points = try settings.data.points(count: settings.count, noise: settings.noise, seed: settings.seed)
        trainCount = Int(Double(settings.count) * settings.trainFraction)
        train = try points.dataset(features: settings.features, range: 0..<trainCount)
        test = try points.dataset(features: settings.features, range: trainCount..<settings.count)
        let loss = try settings.lossFunction()
        let outputs = settings.data.task == .regression || loss == .binaryCrossEntropy ? 1 : settings.data.classNames.count
        let activations = settings.activations.compactMap { Activation(name: $0) }
        let initial = try Network<Float>(
            sizes: [settings.features.count] + settings.hidden + [outputs], activation: activations.first ?? .tanh,
            outputActivation: loss.requiredOutputActivation ?? (settings.data.task == .regression ? .identity : .sigmoid),
            loss: loss, seed: settings.seed)
        var layers = initial.layers
        for (k, g) in activations.enumerated() {
            layers[k] = try Dense(weight: layers[k].weight, bias: layers[k].bias, activation: g)
        }
        let network = try Network(layers: layers, loss: loss).withDropout(settings.dropout)
        let trainer = Trainer(
            epochs: Trainer.maximumEpochs, batchSize: min(settings.batchSize, trainCount),
            optimizer: settings.optimizerConfiguration, seed: settings.seed)
        session = try TrainingSession(trainer: trainer, network: network, data: train)
    }

    /// The network as trained so far.
    public var network: Network<Float> { session.network }

    /// Trains `batches` mini-batches: for each, forward propagation, backpropagation and
    /// the optimizer's update w ← w − η ∂C/∂w (for SGD).
    /// - Throws: `BackpropError.diverged` when a parameter or the cost becomes NaN or ±∞.
    public func step(batches: Int = 1) throws {
        for _ in 0..<max(0, batches) {
            guard try session.step() != nil else { return }
            steps += 1
        }
    }

    /// The mean cost C and accuracy on the training and the test set.
    public func evaluate() throws -> (train: Evaluation, test: Evaluation) {
        (try network.evaluate(on: train), try network.evaluate(on: test))
    }

    /// Example `index` of the training set (or, past its end, of the test set) walked
    /// through forward propagation and backpropagation, in Double from the network's
    /// parameters: the numbers `backprop explain --json --model` prints for the same
    /// model file, input and target.
    /// - Throws: `BackpropError.invalidHyperparameter` if there is no such example.
    public func explanation(example index: Int) throws -> Explanation<Double> {
        guard (0..<points.count).contains(index) else {
            throw BackpropError.invalidHyperparameter(name: "example", value: "\(index)", expected: "0 … \(points.count - 1)")
        }
        let data = index < trainCount ? train : test
        let row = index < trainCount ? index : index - trainCount
        let network = try Network<Double>(
            layers: self.network.layers.map { layer in
                try Dense(
                    weight: Matrix(rows: layer.outputSize, columns: layer.inputSize, elements: layer.weight.elements.map(Double.init)),
                    bias: layer.bias.map(Double.init), activation: layer.activation)
            },
            loss: self.network.loss)
        return try Explanation(network: network, input: data.inputs.row(row).map(Double.init), target: target(of: data, row: row))
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
    /// names, the classes, and no scaling (the playground's features are used as they are).
    public func model() throws -> Model<Float> {
        try Model(
            network: network.withDropout(0),
            labels: LabelEncoding(task: settings.data.task, classNames: settings.data.classNames),
            scaler: .identity(count: settings.features.count), featureNames: settings.features.map(\.rawValue),
            labelName: "label")
    }
}
