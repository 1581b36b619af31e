import Backprop

/// Everything the playground's controls set — data, network, training — and what its URL
/// keeps, so that the same settings give the same run.
public struct PlaygroundSettings: Codable, Equatable, Sendable {
    /// The built-in dataset.
    public var data: PlanarData = .circle
    /// TensorFlow Playground's noise, 0 … 1 (see `PlanarData`).
    public var noise: Double = 0
    /// How many points are drawn.
    public var count: Int = 500
    /// The fraction of the points trained on; the rest are the test set.
    public var trainFraction: Double = 0.5
    /// What the network reads of each point.
    public var features: [PlanarFeature] = [.x1, .x2]
    /// The hidden layers' widths, from the input side.
    public var hidden: [Int] = [4, 2]
    /// Each hidden layer's activation g, by name (one per hidden layer).
    public var activations: [String] = ["tanh", "tanh"]
    /// The loss, by name: cross-entropy (softmax over the classes), binary-cross-entropy
    /// (one sigmoid output, two classes) or quadratic; nil for the task's usual one.
    public var loss: String?
    /// The optimizer, by name (`OptimizerKind`): sgd, momentum (SGD with μ = 0.9), adam, adamw or rmsprop.
    public var optimizer: String = "sgd"
    /// η.
    public var learningRate: Double = 0.03
    /// Examples per mini-batch.
    public var batchSize: Int = 10
    /// λ, L2 weight decay.
    public var l2: Double = 0
    /// Dropout probability of every hidden layer.
    public var dropout: Double = 0
    /// Seeds the points, the initial weights, the shuffles and dropout.
    public var seed: UInt64 = 1
    /// The uploaded CSV table the run learns from instead of `data` (its id on the server
    /// it was uploaded to); nil for the built-in data.
    public var table: String?

    /// The most hidden layers (TensorFlow Playground allows 6).
    public static let maximumHiddenLayers = 10
    /// The most neurons in one hidden layer (TensorFlow Playground allows 8).
    public static let maximumWidth = 64
    /// The most points of a built-in dataset (the page draws every one).
    public static let maximumCount = 10_000
    /// The largest mini-batch.
    public static let maximumBatchSize = 1_000
    /// The activation of a hidden layer whose activation is not given.
    public static let defaultActivation = "tanh"

    /// The noise `validate` accepts.
    public static let noiseLimit = PlaygroundLimit(atLeast: 0, atMost: 1)
    /// The counts of built-in points `validate` accepts.
    public static let countRange = 4...maximumCount
    /// The training fractions `validate` accepts (each side must also keep a point).
    public static let trainFractionLimit = PlaygroundLimit(above: 0, below: 1)
    /// The numbers of hidden layers `validate` accepts.
    public static let hiddenLayersRange = 0...maximumHiddenLayers
    /// The widths of a hidden layer `validate` accepts.
    public static let widthRange = 1...maximumWidth
    /// The learning rates `validate` accepts.
    public static let learningRateLimit = PlaygroundLimit(above: 0, atMost: 10)
    /// The mini-batch sizes `validate` accepts.
    public static let batchSizeRange = 1...maximumBatchSize
    /// The L2 weight decays `validate` accepts.
    public static let l2Limit = PlaygroundLimit(atLeast: 0, atMost: 1)
    /// The dropout probabilities `validate` accepts.
    public static let dropoutLimit = PlaygroundLimit(atLeast: 0, below: 1)

    /// Every limit `validate` checks a number against, by the setting's name (`hidden`: each
    /// hidden layer's width; `hiddenLayers`: how many there are). The server serves them to
    /// the page (`GET /api/options`).
    public static let limits: [String: PlaygroundLimit] = [
        "noise": noiseLimit,
        "count": PlaygroundLimit(countRange),
        "trainFraction": trainFractionLimit,
        "hiddenLayers": PlaygroundLimit(hiddenLayersRange),
        "hidden": PlaygroundLimit(widthRange),
        "learningRate": learningRateLimit,
        "batchSize": PlaygroundLimit(batchSizeRange),
        "l2": l2Limit,
        "dropout": dropoutLimit,
    ]

    /// The playground's defaults: TensorFlow Playground's first screen.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case data, noise, count, trainFraction, features, hidden, activations, loss, optimizer, learningRate, batchSize
        case l2, dropout, seed, table
    }

    /// Decodes the settings a request or URL gives; each one missing keeps its default.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = PlaygroundSettings()
        data = try c.decodeIfPresent(PlanarData.self, forKey: .data) ?? d.data
        noise = try c.decodeIfPresent(Double.self, forKey: .noise) ?? d.noise
        count = try c.decodeIfPresent(Int.self, forKey: .count) ?? d.count
        trainFraction = try c.decodeIfPresent(Double.self, forKey: .trainFraction) ?? d.trainFraction
        features = try c.decodeIfPresent([PlanarFeature].self, forKey: .features) ?? d.features
        hidden = try c.decodeIfPresent([Int].self, forKey: .hidden) ?? d.hidden
        activations = try c.decodeIfPresent([String].self, forKey: .activations) ?? hidden.map { _ in Self.defaultActivation }
        loss = try c.decodeIfPresent(String.self, forKey: .loss)
        optimizer = try c.decodeIfPresent(String.self, forKey: .optimizer) ?? d.optimizer
        learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate) ?? d.learningRate
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        l2 = try c.decodeIfPresent(Double.self, forKey: .l2) ?? d.l2
        dropout = try c.decodeIfPresent(Double.self, forKey: .dropout) ?? d.dropout
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        table = try c.decodeIfPresent(String.self, forKey: .table)
    }

    /// Checks every setting; the error names the setting and what it accepts.
    /// - Throws: `BackpropError.invalidHyperparameter`.
    public func validate() throws {
        func bad(_ name: String, _ value: Any, _ expected: String) -> BackpropError {
            .invalidHyperparameter(name: name, value: "\(value)", expected: expected)
        }
        guard Self.noiseLimit.contains(noise) else { throw bad("noise", noise, "a number in \(Self.noiseLimit)") }
        guard table != nil || Self.countRange.contains(count) else {
            throw bad("count", count, "\(Self.countRange.lowerBound) … \(Self.countRange.upperBound)")
        }
        guard Self.trainFractionLimit.contains(trainFraction),
              Int(Double(count) * trainFraction) >= 1, Int(Double(count) * trainFraction) < count
        else { throw bad("trainFraction", trainFraction, "a fraction in \(Self.trainFractionLimit) that leaves points on both sides") }
        guard !features.isEmpty, Set(features).count == features.count else {
            throw bad("features", features.map(\.rawValue), "at least one, each once")
        }
        guard Self.hiddenLayersRange.contains(hidden.count) else {
            throw bad("hidden", hidden, "at most \(Self.hiddenLayersRange.upperBound) hidden layers")
        }
        if let width = hidden.first(where: { !Self.widthRange.contains($0) }) {
            throw bad("hidden", width, "widths \(Self.widthRange.lowerBound) … \(Self.widthRange.upperBound)")
        }
        guard activations.count == hidden.count else {
            throw bad("activations", activations, "one per hidden layer (\(hidden.count))")
        }
        for name in activations {
            guard let g = Activation(name: name), g != .softmax else {
                throw bad("activations", name, Activation.elementwise.map(\.name).joined(separator: ", "))
            }
        }
        _ = try lossFunction()
        guard OptimizerKind(rawValue: optimizer) != nil else { throw bad("optimizer", optimizer, OptimizerKind.names) }
        guard Self.learningRateLimit.contains(learningRate) else {
            throw bad("learningRate", learningRate, "a number in \(Self.learningRateLimit)")
        }
        guard Self.batchSizeRange.contains(batchSize) else { throw bad("batchSize", batchSize, "\(Self.batchSizeRange.lowerBound) … \(Self.batchSizeRange.upperBound)") }
        guard Self.l2Limit.contains(l2) else { throw bad("l2", l2, "a number in \(Self.l2Limit)") }
        guard Self.dropoutLimit.contains(dropout) else { throw bad("dropout", dropout, "a number in \(Self.dropoutLimit)") }
    }

    /// The loss C the network is trained on, if one is named (else `OutputLayout` chooses it
    /// for the examples' labels).
    func lossFunction() throws -> Loss? {
        guard let name = loss else { return nil }
        guard let found = Loss(name: name) else {
            throw BackpropError.invalidHyperparameter(name: "loss", value: name, expected: Loss.allCases.map(\.name).joined(separator: ", "))
        }
        return found
    }

    /// The optimizer and its hyperparameters.
    var optimizerConfiguration: OptimizerConfiguration {
        (OptimizerKind(rawValue: optimizer) ?? .sgd).configuration(learningRate: learningRate, weightDecay: l2)
    }
}
