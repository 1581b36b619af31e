/// The settings of a training run: epochs of shuffled mini-batches with an optimizer, a
/// learning-rate schedule, optional gradient clipping and early stopping.
///
/// A `Codable` value: checkpoints and model files store it, so a run can be resumed and
/// described without the code that started it.
/// ```swift
/// let trainer = Trainer(epochs: 10, batchSize: 10, optimizer: .sgd(learningRate: 3))
/// let history = try trainer.fit(&network, on: data)
/// ```
public struct Trainer: Codable, Equatable, Sendable {
    /// The number of passes over the training data (at least 1).
    public var epochs: Int
    /// m, the examples per mini-batch (at least 1; an epoch's last batch may be smaller).
    public var batchSize: Int
    /// The optimizer and its hyperparameters, η included.
    public var optimizer: OptimizerConfiguration
    /// Seeds shuffling and dropout: the same seed, data and network give bitwise-identical results.
    public var seed: UInt64
    /// How η changes from epoch to epoch.
    public var schedule: LearningRateSchedule
    /// When to stop before `epochs` (nil: never).
    public var earlyStopping: EarlyStopping?
    /// The largest global gradient norm ‖g‖₂ allowed; larger gradients are scaled down to it
    /// before each update (PyTorch's `clip_grad_norm_`).
    public var clipNorm: Double?
    /// The arithmetic of the matrix products of forward and backward propagation:
    /// float32 (the default) or mixed precision with bfloat16 products (`Float` networks only).
    /// Evaluation after each epoch runs in float32 on the float32 weights.
    public var precision: Precision {
        get { storedPrecision ?? .float32 }
        set { storedPrecision = newValue == .float32 ? nil : newValue }
    }
    /// nil for float32, so that files without the key (written before it existed) read the same.
    private var storedPrecision: Precision?

    private enum CodingKeys: String, CodingKey {
        case epochs, batchSize, optimizer, seed, schedule, earlyStopping, clipNorm
        case storedPrecision = "precision"
    }

    /// Settings for a run without gradient clipping; they are checked when training starts.
    public init(
        epochs: Int, batchSize: Int = 32, optimizer: OptimizerConfiguration = .sgd(), seed: UInt64 = 1,
        schedule: LearningRateSchedule = .constant, earlyStopping: EarlyStopping? = nil
    ) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.seed = seed
        self.schedule = schedule
        self.earlyStopping = earlyStopping
    }

    /// Trains `network` on `data` from scratch to the end: a `TrainingSession` run to its end.
    ///
    /// The monitored loss, for early stopping and reduce-on-plateau, is the validation loss
    /// when `validation` is given and the training loss otherwise.
    /// - Parameters:
    ///   - network: the network to train; it holds the trained parameters afterwards.
    ///   - data: the training examples.
    ///   - validation: evaluated after every epoch; steers early stopping and reduce-on-plateau.
    ///   - test: evaluated after every epoch for the record only; it never steers training.
    ///   - onEvent: called after every batch and epoch; throwing stops training.
    /// - Throws: `BackpropError` for invalid settings or data, or when training diverges.
    public func fit<S: Scalar>(
        _ network: inout Network<S>, on data: Dataset<S>, validation: Dataset<S>? = nil, test: Dataset<S>? = nil,
        onEvent: (TrainingEvent) throws -> Void = { _ in }
    ) throws -> TrainingHistory {
        var session = try TrainingSession(trainer: self, network: network, data: data, validation: validation, test: test)
        try session.run { event in
            try onEvent(event)
            return .proceed
        }
        network = session.network
        return session.state.history
    }

    /// The most epochs a run may have: far more than any run needs, and far from overflowing
    /// the epoch counter.
    public static let maximumEpochs = 1_000_000_000
    /// The largest batch size: BLAS takes dimensions as 32-bit integers.
    public static let maximumBatchSize = Int(Int32.max)

    /// Checks the settings and that the data fit `network`.
    func check<S: Scalar>(_ network: Network<S>, data: Dataset<S>, validation: Dataset<S>?, test: Dataset<S>?) throws {
        guard (1...Self.maximumEpochs).contains(epochs) else {
            throw BackpropError.invalidHyperparameter(
                name: "epochs", value: "\(epochs)", expected: "an integer from 1 to \(Self.maximumEpochs)")
        }
        guard (1...Self.maximumBatchSize).contains(batchSize) else {
            throw BackpropError.invalidHyperparameter(
                name: "batch size", value: "\(batchSize)", expected: "an integer from 1 to \(Self.maximumBatchSize)")
        }
        if let clipNorm { try checkHyperparameter("gradient clipping norm", clipNorm, 0...Double.infinity, open: true) }
        try precision.check(for: S.self)
        try optimizer.validate()
        try schedule.validate()
        try data.validate(for: network)
        guard data.count > 0 else {
            throw BackpropError.shapeMismatch(what: "training data", expected: "at least 1 example", got: "0")
        }
        if let validation { try validation.validate(for: network) }
        if let test { try test.validate(for: network) }
        if let earlyStopping, earlyStopping.patience < 0 || !(earlyStopping.minimumImprovement >= 0) {
            throw BackpropError.invalidHyperparameter(
                name: "early stopping", value: "patience \(earlyStopping.patience)",
                expected: "patience ≥ 0 and a minimum improvement ≥ 0")
        }
    }
}
