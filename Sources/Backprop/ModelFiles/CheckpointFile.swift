import Foundation

/// A paused training run: the model being trained, the trainer's settings, the run's state
/// and the optimizer with its state. Resuming it gives the same parameters, bit for bit, as
/// a run that never paused.
public struct Checkpoint<S: Scalar>: Sendable {
    /// The model whose network is `state.network` (scaling, labels and record included).
    public var model: Model<S>
    /// The run's settings.
    public var trainer: Trainer
    /// The run's progress: the network, epoch, batch, random generators and history.
    public var state: TrainingState<S>
    /// The optimizer `trainer.optimizer` describes, with the state it had accumulated.
    public var optimizer: any Optimizer<S>

    /// A checkpoint of `state`; `model`'s network is replaced by `state.network`.
    public init(model: Model<S>, trainer: Trainer, state: TrainingState<S>, optimizer: any Optimizer<S>) {
        var model = model
        model.network = state.network
        self.model = model
        self.trainer = trainer
        self.state = state
        self.optimizer = optimizer
    }

    /// The session that continues this run on the same data (the same examples in the same
    /// order, and the same validation set, give a bitwise-identical continuation).
    /// - Throws: `BackpropError` if the data do not fit the network.
    public func resume(
        on data: Dataset<S>, validation: Dataset<S>? = nil, test: Dataset<S>? = nil
    ) throws -> TrainingSession<S> {
        try TrainingSession(trainer: trainer, state: state, optimizer: optimizer, data: data, evaluation: (validation, test))
    }

    /// The session that continues this run on the same stream (the same file read through a
    /// buffer of the same size: the stream is read again from the start of the epoch in
    /// progress up to the batch reached, and the continuation is bitwise identical).
    /// - Throws: `BackpropError` if the data do not fit the network.
    public func resume(streaming stream: DataStream<S>, test: Dataset<S>? = nil) throws -> TrainingSession<S> {
        try TrainingSession(
            trainer: trainer, state: state, optimizer: optimizer, data: stream.window(rows: Swift.min(trainer.batchSize, stream.count)),
            evaluation: (nil, test), stream: stream)
    }
}

/// Reads and writes checkpoints as safetensors files, in the model file format plus:
/// - tensors `optimizer.{buffer}.{k}` (e.g. `optimizer.m.0`, one per parameter tensor k
///   in the order W^1, b^1, W^2, …) and, with early stopping, `best.layers.{i}.weight|bias`;
/// - metadata `checkpoint`: a JSON string with the trainer's settings, the epoch and batch
///   reached, the random generators' states, the schedule's state, the partial sums of the
///   epoch in progress, early stopping's best epoch and the history so far.
/// A checkpoint is also a model file: `evaluate`, `predict` and `summary` read it.
public enum CheckpointFile {
    /// The largest optimizer step count a checkpoint may hold (2^53: exact as a Double, and
    /// far from overflowing).
    static let maximumStep = 1 << 53

    /// Writes `checkpoint` atomically, in the network's precision (tensors stay exact).
    public static func write<S: Scalar>(_ checkpoint: Checkpoint<S>, to path: String) throws {
        let dtype = ModelFile.dtype(S.self, double: nil)
        var extra: [ModelFile.Tensor] = []
        let buffers = checkpoint.optimizer.state.buffers
        for (name, buffer) in buffers.sorted(by: { $0.key < $1.key }) {
            for (k, values) in buffer.tensors.enumerated() {
                extra.append(("optimizer.\(name).\(k)", dtype, [values.count], values.littleEndianBytes(dtype)))
            }
        }
        if let best = checkpoint.state.best {
            extra += ModelFile.tensors(of: best.network, prefix: "best.", dtype: dtype)
        }
        let json = try ModelFile.encodedJSON(CheckpointDescription(checkpoint))
        try writeAtomically(ModelFile.encode(checkpoint.model, extraTensors: extra, extraMetadata: ["checkpoint": json], double: nil), to: path)
    }

    /// Reads and validates a checkpoint (everything a model file's reader checks, and the
    /// optimizer buffers against the network's parameter shapes).
    /// - Throws: `DataError` naming the file and the field at fault.
    /// - Parameters:
    ///   - path: the checkpoint file.
    ///   - precision: the scalar type to compute in (`Float` or `Double`).
    ///   - maximumBytes: the largest file read (see `InputFile`).
    public static func read<S: Scalar>(
        from path: String, as precision: S.Type = S.self, maximumBytes: Int = InputFile.defaultMaximumBytes
    ) throws -> Checkpoint<S> {
        let (file, description, model) = try ModelFile.readFile(path, as: S.self, maximumBytes: maximumBytes)
        func fail(_ location: String, _ message: String) -> DataError {
            DataError.malformed(path: path, location: location, message: message)
        }
        guard let json = file.metadata["checkpoint"] else {
            throw fail("__metadata__.checkpoint", "missing: this is a model file, not a checkpoint")
        }
        let saved = try ModelFile.decodedJSON(CheckpointDescription.self, json, path: path, field: "__metadata__.checkpoint")
        let network = model.network
        var buffers: [String: ParameterBuffer<S>] = [:]
        let parameterCounts = network.layers.flatMap { [$0.weight.elements.count, $0.bias.count] }
        for name in saved.optimizerBuffers {
            buffers[name] = ParameterBuffer(tensors: try parameterCounts.enumerated().map { k, count in
                try ModelFile.tensor(file, "optimizer.\(name).\(k)", shape: [count], path: path)
            })
        }
        let optimizerTensors = file.tensors.keys.filter { $0.hasPrefix("optimizer.") }
        if optimizerTensors.count != saved.optimizerBuffers.count * parameterCounts.count {
            throw fail("optimizer", "\(optimizerTensors.count) optimizer tensors, expected \(saved.optimizerBuffers.count * parameterCounts.count)")
        }
        var best: BestEpoch<S>?
        if let loss = saved.bestLoss, let epoch = saved.bestEpoch {
            best = BestEpoch(loss: loss, epoch: epoch, network: try ModelFile.network(from: file, description: description, prefix: "best.", path: path))
        } else if file.tensors.keys.contains(where: { $0.hasPrefix("best.") }) {
            throw fail("best", "best-epoch tensors without a best epoch in the metadata")
        }
        guard let epochRandom = RandomSource(hex: saved.epochRandom), let random = RandomSource(hex: saved.random) else {
            throw fail("__metadata__.checkpoint.random", "expected four 64-bit hexadecimal numbers")
        }
        var optimizer: any Optimizer<S>
        do {
            optimizer = try saved.trainer.optimizer.makeOptimizer()
            try optimizer.restore(step: saved.optimizerStep, buffers: buffers, for: network)
        } catch let error as BackpropError {
            throw fail("optimizer", error.description)
        }
        do {
            try saved.scheduler.schedule.validate()
            try checkHyperparameter("learning rate", saved.scheduler.rate, 0...Double.infinity, open: true)
        } catch let error as BackpropError {
            throw fail("__metadata__.checkpoint.scheduler", error.description)
        }
        // Every count is checked against what the run can reach, so that no counter
        // can overflow when training continues.
        let trainer = saved.trainer
        guard (1...Trainer.maximumEpochs).contains(trainer.epochs), (1...Trainer.maximumBatchSize).contains(trainer.batchSize) else {
            throw fail("__metadata__.checkpoint.trainer", "epochs \(trainer.epochs), batch size \(trainer.batchSize): out of range")
        }
        guard (1...(trainer.epochs + 1)).contains(saved.epoch), saved.batch >= 0, saved.batch <= Int(Int32.max),
              saved.history.epochs.count < saved.epoch else {
            throw fail(
                "__metadata__.checkpoint.epoch",
                "epoch \(saved.epoch), batch \(saved.batch) with \(saved.history.epochs.count) recorded: out of range for \(trainer.epochs) epochs")
        }
        guard (0...Self.maximumStep).contains(saved.optimizerStep) else {
            throw fail("__metadata__.checkpoint.optimizer_step", "\(saved.optimizerStep) is out of range (0 … \(Self.maximumStep))")
        }
        guard saved.partialCorrect >= 0, saved.partialCorrect <= saved.batch * trainer.batchSize,
              saved.partialLoss.isFinite, saved.partialLoss >= 0, saved.partialSeconds.isFinite, saved.partialSeconds >= 0 else {
            throw fail("__metadata__.checkpoint", "the sums of the epoch in progress are out of range")
        }
        if let bestEpoch = saved.bestEpoch, !(1..<saved.epoch).contains(bestEpoch) {
            throw fail("__metadata__.checkpoint.best_epoch", "\(bestEpoch) is not an epoch before \(saved.epoch)")
        }
        var state = TrainingState(network: network, trainer: saved.trainer)
        state.epoch = saved.epoch
        state.batch = saved.batch
        state.isFinished = saved.finished
        state.history = saved.history
        state.epochRandom = epochRandom
        state.random = random
        state.scheduler = saved.scheduler
        state.partialLoss = saved.partialLoss
        state.partialCorrect = saved.partialCorrect
        state.partialSeconds = saved.partialSeconds
        state.previousLoss = saved.previousLoss
        state.best = best
        return Checkpoint(model: model, trainer: saved.trainer, state: state, optimizer: optimizer)
    }
}

/// The `checkpoint` metadata of a checkpoint file.
struct CheckpointDescription: Codable {
    var trainer: Trainer
    var epoch: Int
    var batch: Int
    var finished: Bool
    var epochRandom: [String]
    var random: [String]
    var scheduler: LearningRateScheduler
    var partialLoss: Double
    var partialCorrect: Int
    var partialSeconds: Double
    var previousLoss: Double?
    var bestLoss: Double?
    var bestEpoch: Int?
    var history: TrainingHistory
    var optimizerStep: Int
    var optimizerBuffers: [String]

    init<S: Scalar>(_ c: Checkpoint<S>) {
        trainer = c.trainer
        epoch = c.state.epoch
        batch = c.state.batch
        finished = c.state.isFinished
        epochRandom = c.state.epochRandom.hex
        random = c.state.random.hex
        scheduler = c.state.scheduler
        partialLoss = c.state.partialLoss
        partialCorrect = c.state.partialCorrect
        partialSeconds = c.state.partialSeconds
        previousLoss = c.state.previousLoss
        bestLoss = c.state.best?.loss
        bestEpoch = c.state.best?.epoch
        history = c.state.history
        optimizerStep = c.optimizer.state.step
        optimizerBuffers = c.optimizer.state.buffers.keys.sorted()
    }
}

extension RandomSource {
    /// The state as four hexadecimal strings (JSON numbers lose bits above 2^53).
    var hex: [String] {
        let (a, b, c, d) = state
        return [a, b, c, d].map { String($0, radix: 16) }
    }

    init?(hex: [String]) {
        let words = hex.compactMap { UInt64($0, radix: 16) }
        guard hex.count == 4, words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
        self.init(seed: 0)
        state = (words[0], words[1], words[2], words[3])
    }
}
