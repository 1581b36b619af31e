/// Progress within an epoch, reported after every mini-batch.
public struct BatchProgress: Sendable {
    /// The epoch in progress, 1-based.
    public var epoch: Int
    /// 1-based.
    public var batch: Int
    /// The number of mini-batches per epoch.
    public var batchCount: Int
    /// Examples seen so far in this epoch.
    public var examples: Int
    /// The mean cost over the examples seen so far in this epoch.
    public var runningLoss: Double
}

/// What happened in one epoch.
public struct EpochRecord: Codable, Equatable, Sendable {
    /// The epoch, 1-based.
    public var epoch: Int
    /// η during the epoch.
    public var learningRate: Double
    /// The mean cost over the epoch's examples, each measured before its batch's update (as Keras reports it).
    public var trainLoss: Double
    /// The fraction of the epoch's examples classified correctly, each before its batch's update (class targets only).
    public var trainAccuracy: Double?
    /// The validation set's mean cost after the epoch, when there is one.
    public var validationLoss: Double?
    /// The validation set's accuracy after the epoch (class targets only).
    public var validationAccuracy: Double?
    /// The test set's figures, when one is reported each epoch (never used for decisions).
    public var testLoss: Double?
    /// The test set's accuracy after the epoch (class targets only).
    public var testAccuracy: Double?
    /// Seconds spent training the epoch's mini-batches (evaluation excluded).
    public var seconds: Double

    /// The record of epoch `epoch`, from the evaluations on the training, validation and test sets.
    public init(
        epoch: Int, learningRate: Double, train: Evaluation, validation: Evaluation? = nil, test: Evaluation? = nil,
        seconds: Double
    ) {
        self.epoch = epoch
        self.learningRate = learningRate
        (trainLoss, trainAccuracy) = (train.loss, train.accuracy)
        (validationLoss, validationAccuracy) = (validation?.loss, validation?.accuracy)
        (testLoss, testAccuracy) = (test?.loss, test?.accuracy)
        self.seconds = seconds
    }
}

/// The epochs of one training run.
public struct TrainingHistory: Codable, Equatable, Sendable {
    /// One record per finished epoch, in order.
    public var epochs: [EpochRecord] = []
    /// The epoch whose parameters the network holds at the end (the best one when early
    /// stopping restored it, else the last).
    public var bestEpoch: Int?
    /// Whether early stopping ended the run before its last epoch.
    public var stoppedEarly = false

    /// A history with these records.
    public init(epochs: [EpochRecord] = [], bestEpoch: Int? = nil, stoppedEarly: Bool = false) {
        self.epochs = epochs
        self.bestEpoch = bestEpoch
        self.stoppedEarly = stoppedEarly
    }
}

/// Reported while training runs; the library itself never prints.
public enum TrainingEvent: Sendable {
    /// A mini-batch was trained.
    case batch(BatchProgress)
    /// An epoch finished and was recorded.
    case epoch(EpochRecord)
}

/// What a training callback asks for next.
public enum TrainingControl: Sendable {
    /// Go on training.
    case proceed
    /// Stop after this batch or epoch, leaving a session that `run` or `step` continues.
    case pause
}

/// Stops training once the monitored loss stops improving (Keras's `EarlyStopping`).
public struct EarlyStopping: Codable, Equatable, Sendable {
    /// Epochs without an improvement of at least `minimumImprovement` before stopping.
    public var patience: Int
    /// The smallest decrease of the monitored loss that counts as an improvement.
    public var minimumImprovement: Double
    /// Whether the network returns to its parameters of the best epoch when training stops.
    public var restoresBestWeights: Bool

    /// Stops after `patience` epochs without an improvement of at least `minimumImprovement`.
    public init(patience: Int, minimumImprovement: Double = 1e-4, restoresBestWeights: Bool = true) {
        self.patience = patience
        self.minimumImprovement = minimumImprovement
        self.restoresBestWeights = restoresBestWeights
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
