/// Stops training once the monitored loss stops improving.
public struct EarlyStopping: Equatable, Sendable {
    /// Epochs without an improvement of at least `minimumImprovement` before stopping.
    public var patience: Int
    /// The smallest decrease of the monitored loss that counts as an improvement.
    public var minimumImprovement: Double
    /// Whether the network returns to its parameters of the best epoch when training stops.
    public var restoresBestWeights: Bool

    public init(patience: Int, minimumImprovement: Double = 1e-4, restoresBestWeights: Bool = true) {
        self.patience = patience
        self.minimumImprovement = minimumImprovement
        self.restoresBestWeights = restoresBestWeights
    }
}

/// What happened in one epoch.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var learningRate: Double
    public var trainLoss: Double
    public var trainAccuracy: Double?
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    /// The test set's figures, when one is reported each epoch (never used for decisions).
    public var testLoss: Double?
    public var testAccuracy: Double?
    public var seconds: Double

    public init(
        epoch: Int, learningRate: Double, trainLoss: Double, trainAccuracy: Double? = nil,
        validationLoss: Double? = nil, validationAccuracy: Double? = nil, testLoss: Double? = nil,
        testAccuracy: Double? = nil, seconds: Double
    ) {
        self.epoch = epoch
        self.learningRate = learningRate
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.testLoss = testLoss
        self.testAccuracy = testAccuracy
        self.seconds = seconds
    }
}

/// The epochs of one training run.
public struct TrainingHistory: Codable, Equatable, Sendable {
    public var epochs: [EpochRecord] = []
    /// The epoch whose parameters the network holds at the end (the best one when early
    /// stopping restored it, else the last).
    public var bestEpoch: Int?
    public var stoppedEarly = false
}

/// Reported while training runs; the library itself never prints.
public enum TrainingEvent: Sendable {
    case batch(BatchProgress)
    case epoch(EpochRecord)
}

/// Trains a network for a number of epochs of shuffled mini-batches, with an optional
/// validation set, learning-rate schedule, gradient clipping and early stopping.
public struct Trainer: Sendable {
    public var epochs: Int
    public var batchSize: Int
    /// Seeds shuffling and dropout: the same seed, data and network give bitwise-identical results.
    public var seed: UInt64
    public var schedule: LearningRateSchedule
    /// The largest global gradient norm allowed; larger gradients are scaled down.
    public var clipNorm: Double?
    public var earlyStopping: EarlyStopping?

    public init(
        epochs: Int, batchSize: Int = 32, seed: UInt64 = 1, schedule: LearningRateSchedule = .constant,
        clipNorm: Double? = nil, earlyStopping: EarlyStopping? = nil
    ) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.seed = seed
        self.schedule = schedule
        self.clipNorm = clipNorm
        self.earlyStopping = earlyStopping
    }

    /// Trains `network` on `data`.
    ///
    /// The monitored loss, for early stopping and reduce-on-plateau, is the validation loss
    /// when `validation` is given and the training loss otherwise.
    /// - Parameters:
    ///   - test: evaluated after every epoch for the record only; it never steers training.
    ///   - onEvent: called after every batch and epoch; throwing stops training.
    /// - Throws: `BackpropError` for invalid settings or data, or when training diverges.
    public func fit<S: Scalar, O: Optimizer<S>>(
        _ network: inout Network<S>, on data: Dataset<S>, validation: Dataset<S>? = nil,
        test: Dataset<S>? = nil, optimizer: inout O, onEvent: (TrainingEvent) throws -> Void = { _ in }
    ) throws -> TrainingHistory {
        guard epochs >= 1 else {
            throw BackpropError.invalidHyperparameter(name: "epochs", value: "\(epochs)", expected: "an integer ≥ 1")
        }
        try schedule.validate()
        if let validation { try validation.validate(for: network) }
        if let test { try test.validate(for: network) }
        if let earlyStopping, earlyStopping.patience < 0 || !(earlyStopping.minimumImprovement >= 0) {
            throw BackpropError.invalidHyperparameter(
                name: "early stopping", value: "patience \(earlyStopping.patience)",
                expected: "patience ≥ 0 and a minimum improvement ≥ 0")
        }
        var random = RandomSource(seed: seed)
        var scheduler = LearningRateScheduler(schedule, initialRate: optimizer.learningRate)
        var history = TrainingHistory()
        var best: (loss: Double, epoch: Int, network: Network<S>)?
        var previousLoss: Double?
        let clock = ContinuousClock()
        for epoch in 1...epochs {
            let started = clock.now
            optimizer.learningRate = scheduler.rate(forEpoch: epoch, previousLoss: previousLoss)
            let train = try network.trainEpoch(
                on: data, batchSize: batchSize, optimizer: &optimizer, random: &random, epoch: epoch,
                clipNorm: clipNorm, onBatch: { try onEvent(.batch($0)) })
            let elapsed = clock.now - started
            let checked = try validation.map { try network.evaluate(on: $0) }
            let tested = try test.map { try network.evaluate(on: $0) }
            let record = EpochRecord(
                epoch: epoch, learningRate: optimizer.learningRate, trainLoss: train.loss,
                trainAccuracy: train.accuracy, validationLoss: checked?.loss, validationAccuracy: checked?.accuracy,
                testLoss: tested?.loss, testAccuracy: tested?.accuracy,
                seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
            history.epochs.append(record)
            history.bestEpoch = epoch
            try onEvent(.epoch(record))
            let monitored = checked?.loss ?? train.loss
            previousLoss = monitored

            guard let stopping = earlyStopping else { continue }
            if monitored < (best?.loss ?? .infinity) - stopping.minimumImprovement {
                best = (monitored, epoch, network)
            } else if let kept = best, epoch - kept.epoch >= stopping.patience {
                if stopping.restoresBestWeights {
                    network = kept.network
                    history.bestEpoch = kept.epoch
                }
                history.stoppedEarly = true
                break
            }
        }
        return history
    }
}
