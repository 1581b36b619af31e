/// Stops training once the monitored loss stops improving.
public struct EarlyStopping: Codable, Equatable, Sendable {
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
public struct Trainer: Codable, Equatable, Sendable {
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

    /// Trains `network` on `data` from scratch to the end.
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
        var state = TrainingState(network: network, trainer: self, learningRate: optimizer.learningRate)
        try run(&state, on: data, validation: validation, test: test, optimizer: &optimizer) { event in
            try onEvent(event)
            return .proceed
        }
        network = state.network
        return state.history
    }

    /// Continues `state` until training ends or `onEvent` asks to pause.
    ///
    /// A paused state, with the optimizer's state, is a checkpoint: running it on the same
    /// data gives the same parameters, bit for bit, as never pausing.
    /// - Returns: whether training has finished.
    @discardableResult
    public func run<S: Scalar, O: Optimizer<S>>(
        _ state: inout TrainingState<S>, on data: Dataset<S>, validation: Dataset<S>? = nil,
        test: Dataset<S>? = nil, optimizer: inout O, onEvent: (TrainingEvent) throws -> TrainingControl
    ) throws -> Bool {
        try check(state.network, data: data, validation: validation, test: test)
        let clock = ContinuousClock()
        while !state.isFinished {
            let started = clock.now
            if state.batch == 0 {
                state.epochRandom = state.random
                _ = state.scheduler.rate(forEpoch: state.epoch, previousLoss: state.previousLoss)
            }
            optimizer.learningRate = state.scheduler.rate
            var order = Array(0..<data.count)
            var shuffler = state.epochRandom
            shuffler.shuffle(&order)
            if state.batch == 0 { state.random = shuffler }

            var paused = false
            try state.network.runBatches(
                of: data, order: order, batchSize: batchSize, epoch: state.epoch, batch: &state.batch,
                random: &state.random, loss: &state.partialLoss, correct: &state.partialCorrect,
                optimizer: &optimizer, clipNorm: clipNorm
            ) { progress in
                paused = try onEvent(.batch(progress)) == .pause
                return !paused
            }
            state.partialSeconds += (clock.now - started).seconds
            if paused, state.batch < (data.count + batchSize - 1) / batchSize { return false }

            // The epoch is complete (a pause asked for at its last batch takes effect after it).
            var classTargets = false
            if case .classes = data.targets { classTargets = true }
            let record = try finishEpoch(
                &state, count: data.count, classTargets: classTargets, validation: validation, test: test)
            if try onEvent(.epoch(record)) == .pause || paused { return state.isFinished }
        }
        return true
    }

    private func check<S: Scalar>(
        _ network: Network<S>, data: Dataset<S>, validation: Dataset<S>?, test: Dataset<S>?
    ) throws {
        guard epochs >= 1 else {
            throw BackpropError.invalidHyperparameter(name: "epochs", value: "\(epochs)", expected: "an integer ≥ 1")
        }
        guard batchSize >= 1 else {
            throw BackpropError.invalidHyperparameter(name: "batch size", value: "\(batchSize)", expected: "an integer ≥ 1")
        }
        if let clipNorm { try checkHyperparameter("gradient clipping norm", clipNorm, 0...Double.infinity, open: true) }
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

    /// Records the finished epoch, applies early stopping and moves `state` to the next epoch.
    private func finishEpoch<S: Scalar>(
        _ state: inout TrainingState<S>, count: Int, classTargets: Bool, validation: Dataset<S>?, test: Dataset<S>?
    ) throws -> EpochRecord {
        if let (l, what) = state.network.firstNonFiniteParameter() {
            throw BackpropError.diverged(epoch: state.epoch, batch: state.batch, what: "a \(what) of layer \(l)")
        }
        let checked = try validation.map { try state.network.evaluate(on: $0) }
        let tested = try test.map { try state.network.evaluate(on: $0) }
        let trainLoss = state.partialLoss / Double(count)
        let record = EpochRecord(
            epoch: state.epoch, learningRate: state.scheduler.rate, trainLoss: trainLoss,
            trainAccuracy: classTargets ? Double(state.partialCorrect) / Double(count) : nil,
            validationLoss: checked?.loss, validationAccuracy: checked?.accuracy,
            testLoss: tested?.loss, testAccuracy: tested?.accuracy, seconds: state.partialSeconds)
        state.history.epochs.append(record)
        state.history.bestEpoch = state.epoch
        let monitored = checked?.loss ?? trainLoss
        state.previousLoss = monitored
        if let stopping = earlyStopping {
            if monitored < (state.best?.loss ?? .infinity) - stopping.minimumImprovement {
                state.best = BestEpoch(loss: monitored, epoch: state.epoch, network: state.network)
            } else if let best = state.best, state.epoch - best.epoch >= stopping.patience {
                if stopping.restoresBestWeights {
                    state.network = best.network
                    state.history.bestEpoch = best.epoch
                }
                state.history.stoppedEarly = true
                state.isFinished = true
            }
        }
        state.epoch += 1
        state.batch = 0
        state.partialLoss = 0
        state.partialCorrect = 0
        state.partialSeconds = 0
        if state.epoch > epochs { state.isFinished = true }
        return record
    }
}
