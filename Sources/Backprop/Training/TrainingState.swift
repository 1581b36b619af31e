/// Everything needed to continue a training run exactly where it paused: resuming from it
/// gives parameters bitwise identical to a run that never stopped.
public struct TrainingState<S: Scalar>: Equatable, Sendable {
    /// The network being trained.
    public internal(set) var network: Network<S>
    /// The epoch in progress (1-based); the next one to start when `batch` is 0.
    public internal(set) var epoch = 1
    /// Batches of `epoch` already done.
    public internal(set) var batch = 0
    /// Whether training has ended (all epochs run, or stopped early).
    public internal(set) var isFinished = false
    /// The records of the finished epochs.
    public internal(set) var history = TrainingHistory()
    /// The generator as `epoch` began: it draws that epoch's shuffled order.
    var epochRandom: RandomSource
    /// The generator now: it draws dropout masks.
    var random: RandomSource
    var scheduler: LearningRateScheduler
    /// Sums over the examples of `epoch` done so far, for its mean loss and accuracy.
    var partialLoss = 0.0
    var partialCorrect = 0
    /// Seconds spent on `epoch` before a pause.
    var partialSeconds = 0.0
    /// The monitored loss of the last finished epoch.
    var previousLoss: Double?
    /// Early stopping's best epoch so far: its monitored loss, number and parameters.
    var best: BestEpoch<S>?

    /// A fresh run of `trainer` on `network`.
    public init(network: Network<S>, trainer: Trainer) {
        self.init(network: network, random: RandomSource(seed: trainer.seed), scheduler: LearningRateScheduler(
            trainer.schedule, initialRate: trainer.optimizer.learningRate))
    }

    init(network: Network<S>, random: RandomSource, scheduler: LearningRateScheduler) {
        self.network = network
        self.random = random
        epochRandom = random
        self.scheduler = scheduler
    }
}

struct BestEpoch<S: Scalar>: Equatable, Sendable {
    var loss: Double
    var epoch: Int
    var network: Network<S>
}
