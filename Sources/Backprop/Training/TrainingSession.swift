/// A training run in progress: the one training loop of Backprop.
///
/// A session holds the network, the optimizer and the run's progress (`state`), and trains
/// one mini-batch per `step()`: forward propagation, backpropagation, the gradient transform
/// and clipping, then the optimizer's update. At the end of each epoch it records the
/// losses and accuracies, evaluates the validation and test sets and applies early stopping.
/// `run` steps until the end or until its callback asks to pause; `Trainer.fit` is `run`
/// to the end; `checkpoint(model:)` saves the run, and `Checkpoint.resume` continues it
/// bitwise identically.
///
/// ```swift
/// var session = try TrainingSession(trainer: trainer, network: network, data: train, validation: held)
/// while let step = try session.step() {
///     if let epoch = step.epoch { print(epoch.epoch, epoch.trainLoss) }
/// }
/// ```
public struct TrainingSession<S: Scalar> {
    /// The run's settings.
    public let trainer: Trainer
    /// The run's progress: the network, epoch, batch and history (saved by a checkpoint).
    public internal(set) var state: TrainingState<S>
    /// The optimizer, with its accumulated state.
    public private(set) var optimizer: any Optimizer<S>
    /// Evaluated after every epoch; its loss steers early stopping and reduce-on-plateau.
    public let validation: Dataset<S>?
    /// Evaluated after every epoch for the record only.
    public let test: Dataset<S>?
    /// Applied to every mini-batch's gradients before clipping and the update (for
    /// instance a sum across processes); none by default.
    public var gradientTransform: GradientTransform<S>?
    /// The processes training this model together: each trains on its share of every
    /// mini-batch and the gradients are summed across them (data parallelism, see
    /// ``Communicator``). One process by default. Set it before the first `step()`, on
    /// every rank, with the same trainer, data and seed.
    public var communicator: any Communicator = SingleProcess.alone
    /// With several processes: whether each layer's gradients are summed across them as
    /// soon as backpropagation has produced them, overlapping the layers below (as PyTorch
    /// DDP's gradient buckets do), rather than all at once after backpropagation. The
    /// results are the same either way.
    public var overlapsCommunication = true
    /// With several processes: the most bytes of gradients summed in one message. Layers'
    /// gradients are packed into buckets from the last layer down, each summed as soon as
    /// its last layer is packed (PyTorch DDP's `bucket_cap_mb`); 0 sums each tensor on its
    /// own (the default: for networks of a few million parameters, summing each tensor as
    /// soon as it is final overlapped more of the communication than buckets did, see
    /// docs/distributed.md). The results are the same either way.
    public var gradientBucketCapacity = 0
    /// With several processes: the precision of the gradient sums. `.bfloat16` rounds each
    /// gradient to bfloat16 before it is sent and each partial sum after, halving the bytes
    /// (one message per layer at least); `Float` networks only. float32 by default.
    public var gradientSumPrecision = Precision.float32
    /// With several processes that each hold only their part of the training data (and of
    /// the validation and test sets): the parts' sizes and which one this rank holds, e.g.
    /// `DataShards(holding: data.count, over: communicator)`. Batches then draw from every
    /// part as `DataShards` describes, and the validation and test metrics are summed over
    /// the ranks' parts. nil (the default): every rank holds all the data.
    public var shards: DataShards?
    /// Whether the ranks' parameters were made equal (rank 0's, broadcast at the first step).
    private var synchronized = false
    let batches: MiniBatches<S>
    private let clock = ContinuousClock()

    /// A fresh run of `trainer` on `network`, with the optimizer `trainer.optimizer` describes.
    /// - Throws: `BackpropError` for invalid settings, or data that do not fit the network.
    public init(
        trainer: Trainer, network: Network<S>, data: Dataset<S>, validation: Dataset<S>? = nil, test: Dataset<S>? = nil
    ) throws {
        try self.init(
            trainer: trainer, state: TrainingState(network: network, trainer: trainer),
            optimizer: trainer.optimizer.makeOptimizer(), data: data, evaluation: (validation, test))
    }

    /// A fresh run of `trainer` on `network` that reads its training data from `stream` as it
    /// trains, through the stream's shuffle buffer (see `DataStream`), holding only the buffer
    /// and one batch. Every rank of a `communicator` reads the whole stream and trains on its
    /// share of each batch; `shards` cannot be set.
    /// - Throws: `BackpropError` for invalid settings, or data that do not fit the network.
    public init(trainer: Trainer, network: Network<S>, stream: DataStream<S>, test: Dataset<S>? = nil) throws {
        try self.init(
            trainer: trainer, state: TrainingState(network: network, trainer: trainer),
            optimizer: trainer.optimizer.makeOptimizer(), data: stream.window(rows: Swift.min(trainer.batchSize, stream.count)),
            evaluation: (nil, test), stream: stream)
    }

    /// A run from its parts (a checkpoint's).
    init(
        trainer: Trainer, state: TrainingState<S>, optimizer: any Optimizer<S>, data: Dataset<S>,
        evaluation: (validation: Dataset<S>?, test: Dataset<S>?), stream: DataStream<S>? = nil
    ) throws {
        try trainer.check(state.network, data: data, validation: evaluation.validation, test: evaluation.test)
        self.trainer = trainer
        self.state = state
        self.optimizer = optimizer
        self.validation = evaluation.validation
        self.test = evaluation.test
        batches = try MiniBatches(data, size: trainer.batchSize, for: state.network, precision: trainer.precision, stream: stream)
        // The batch to continue from is checked at the first step, once `shards` (which set
        // the batches per epoch) are known.
    }

    /// The network being trained.
    public var network: Network<S> { state.network }
    /// The training data (for a stream, the examples of the batch last read).
    public var data: Dataset<S> { batches.data }
    /// The stream the training data are read from, if they are not held.
    public var stream: DataStream<S>? { batches.stream?.stream }
    /// The examples of an epoch, over every process (with `shards`, once they are in use).
    public var examplesPerEpoch: Int { batches.total }
    /// Whether training has ended (all epochs run, or stopped early).
    public var isFinished: Bool { state.isFinished }

    /// Trains one mini-batch, and finishes the epoch when it was the epoch's last.
    /// - Returns: the batch's progress and, at an epoch's end, its record; nil once training has finished.
    /// - Throws: `BackpropError.diverged` (naming epoch, batch and where) when the cost or a
    ///   parameter becomes NaN or ±∞; what `gradientTransform` throws.
    public mutating func step() throws -> TrainingStep? {
        guard !state.isFinished else { return nil }
        if !synchronized, communicator.size > 1 {
            try state.network.broadcastParameters(from: 0, over: communicator)
            synchronized = true
        }
        try checkBatches()
        if communicator.size > 1 {
            try batches.useBuckets(of: Swift.max(0, gradientBucketCapacity), precision: gradientSumPrecision)
        }
        let started = clock.now
        try state.prepareEpoch(batches)
        optimizer.learningRate = state.scheduler.rate
        let progress = try state.trainBatch(
            batches, optimizer: &optimizer, clipNorm: trainer.clipNorm, transform: gradientTransform,
            communication: (communicator, overlapsCommunication))
        state.partialSeconds += (clock.now - started).seconds
        guard state.batch == batches.count else { return TrainingStep(batch: progress, epoch: nil) }
        let record = try state.finishEpoch(
            trainer, examples: batches.total, classes: batches.data.targets.isClasses, validation: try evaluate(validation), test: try evaluate(test))
        return TrainingStep(batch: progress, epoch: record)
    }

    /// The network's evaluation on `set`: with data shards, on every rank's part of it.
    private func evaluate(_ set: Dataset<S>?) throws -> Evaluation? {
        guard let set else { return nil }
        let evaluation = try state.network.evaluate(on: set)
        guard shards?.held != nil, communicator.size > 1 else { return evaluation }
        return try evaluation.summed(over: communicator, classes: set.targets.isClasses)
    }

    /// Takes the batches as `shards` and `communicator` say, and checks that the batch to
    /// continue from lies within an epoch of them (`step()` does this first; call it to learn
    /// of a mismatched checkpoint before training).
    /// - Throws: `BackpropError` if the shards do not fit the data and ranks, or the batch to
    ///   continue from is beyond the epoch.
    public func checkBatches() throws {
        try batches.use(shards, rank: communicator.rank, of: communicator.size)
        guard state.isFinished || state.batch < batches.count else {
            throw BackpropError.shapeMismatch(
                what: "batch to continue from", expected: "below \(batches.count), the batches per epoch of these data",
                got: "\(state.batch)")
        }
    }

    /// Steps until training ends or `onEvent` asks to pause (after a batch, or after an epoch).
    ///
    /// A pause asked for at an epoch's last batch takes effect after that epoch is recorded.
    /// With several ranks, a pause asked for on any rank pauses every rank after the same
    /// batch, so that a checkpoint is consistent.
    /// - Parameter onEvent: called after every batch and every epoch; throwing stops training.
    /// - Returns: whether training has finished.
    @discardableResult
    public mutating func run(onEvent: (TrainingEvent) throws -> TrainingControl = { _ in .proceed }) throws -> Bool {
        while let step = try step() {
            var pause = try onEvent(.batch(step.batch)) == .pause
            if let epoch = step.epoch { pause = try onEvent(.epoch(epoch)) == .pause || pause }
            if try communicator.anyRank(pause) { return state.isFinished }
        }
        return true
    }

    /// The run as it stands, to save with `CheckpointFile.write` and continue with `Checkpoint.resume`.
    /// - Parameter model: the model whose network this session trains (its scaling, labels and record).
    public func checkpoint(model: Model<S>) -> Checkpoint<S> {
        Checkpoint(model: model, trainer: trainer, state: state, optimizer: optimizer)
    }
}

/// What one `TrainingSession.step()` did.
public struct TrainingStep: Sendable {
    /// The progress after this step's mini-batch.
    public var batch: BatchProgress
    /// The epoch's record, when the step finished an epoch.
    public var epoch: EpochRecord?
}
