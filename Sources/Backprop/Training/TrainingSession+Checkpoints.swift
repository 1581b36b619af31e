import Foundation

/// Where a run writes its checkpoints, and how often.
public struct CheckpointPolicy: Sendable {
    /// The folder the checkpoints go to.
    public var folder: String
    /// A checkpoint at the end of every `every`-th epoch (nil: only when the run is stopped).
    public var every: Int?

    /// Checkpoints in `folder`, every `every` epochs where given.
    public init(folder: String, every: Int? = nil) {
        self.folder = folder
        self.every = every
    }

    /// `FOLDER/checkpoint-epoch-E.safetensors` at the end of epoch E, or
    /// `FOLDER/checkpoint-epoch-E-batch-B.safetensors` after batch B within it.
    public func path<S: Scalar>(for state: TrainingState<S>) -> String {
        let name = state.batch == 0
            ? "checkpoint-epoch-\(state.epoch - 1).safetensors"
            : "checkpoint-epoch-\(state.epoch)-batch-\(state.batch).safetensors"
        return URL(fileURLWithPath: folder).appendingPathComponent(name).path
    }

    /// The checkpoints in `folder` named as `path(for:)` names them, newest first: the one
    /// furthest into training (after epoch E comes epoch E + 1's batches). Checkpoints are
    /// written atomically, so each one listed is whole; other files are ignored.
    public static func checkpoints(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let positioned = names.compactMap { name -> (epoch: Int, batch: Int, name: String)? in
            guard name.hasPrefix("checkpoint-epoch-"), name.hasSuffix(".safetensors") else { return nil }
            let parts = name.dropFirst("checkpoint-epoch-".count).dropLast(".safetensors".count).split(separator: "-")
            if parts.count == 1, let epoch = Int(parts[0]) { return (epoch + 1, 0, name) }
            if parts.count == 3, parts[1] == "batch", let epoch = Int(parts[0]), let batch = Int(parts[2]) {
                return (epoch, batch, name)
            }
            return nil
        }
        return positioned.sorted { ($0.epoch, $0.batch) > ($1.epoch, $1.batch) }
            .map { URL(fileURLWithPath: folder).appendingPathComponent($0.name).path }
    }

    /// The newest checkpoint in `folder` that reads whole (`CheckpointFile.read`), with its
    /// path: what `--resume latest` continues, as PyTorch Lightning's `ckpt_path="last"`.
    /// Newer ones that do not read are passed over and named to `passedOver` with the error.
    /// nil where none reads; `checkpoints(in:)` tells an empty folder from a damaged one.
    /// - Parameters:
    ///   - folder: the checkpoint folder (`CheckpointPolicy.folder`).
    ///   - precision: the scalar type to compute in (`Float` or `Double`).
    ///   - maximumBytes: the largest file read (see `InputFile`).
    ///   - passedOver: called with each newer checkpoint that does not read, and its error.
    public static func newestReadable<S: Scalar>(
        in folder: String, as precision: S.Type = S.self, maximumBytes: Int = InputFile.defaultMaximumBytes,
        passedOver: (_ path: String, _ error: any Error) -> Void = { _, _ in }
    ) -> (path: String, checkpoint: Checkpoint<S>)? {
        for path in checkpoints(in: folder) {
            do {
                return (path, try CheckpointFile.read(from: path, as: S.self, maximumBytes: maximumBytes))
            } catch {
                passedOver(path, error)
            }
        }
        return nil
    }
}

/// How a checkpointed run ended.
public enum CheckpointedRunEnd: Equatable, Sendable {
    /// Training finished.
    case finished
    /// A stop was asked for: the run paused after a batch and wrote `checkpoint`, from which
    /// `CheckpointFile.read` and `Checkpoint.resume` continue it exactly.
    case stopped(checkpoint: String)
}

/// Training diverged after a checkpoint had been written: the error, and that checkpoint.
public struct DivergedAfterCheckpoint: Error, CustomStringConvertible, Sendable {
    /// The divergence (`BackpropError.diverged`).
    public var error: BackpropError
    /// The last checkpoint written (or resumed from) before it.
    public var checkpoint: String

    public var description: String { "\(error); the last good checkpoint is \(checkpoint)" }
}

extension TrainingSession {
    /// Runs to the end, writing a checkpoint of `model` with this run's state every
    /// `policy.every` epochs, and stopping with a checkpoint after the batch in which
    /// `stopRequested()` became true (a signal, say). With several ranks, rank 0 writes, every
    /// rank waits for the file (a barrier), and a stop asked on any rank stops them all after
    /// the same batch.
    /// - Parameters:
    ///   - model: what each checkpoint saves besides the run (its history brought up to date).
    ///   - policy: where checkpoints go and how often.
    ///   - resumedFrom: the checkpoint this run continues, if any: named if training diverges
    ///     before the next one is written.
    ///   - stopRequested: asked after every batch and epoch.
    ///   - onEvent: each batch and epoch, on every rank, then each checkpoint's path and epoch
    ///     once every rank has it (`.checkpoint`), except the one a stop writes.
    /// - Returns: whether training finished or was stopped, and where that checkpoint is.
    /// - Throws: `DivergedAfterCheckpoint` if training diverges after a checkpoint was written
    ///   or resumed from; what training, writing or the communicator throws.
    public mutating func run(
        checkpointing model: Model<S>, policy: CheckpointPolicy, resumedFrom: String? = nil,
        stopRequested: () -> Bool, onEvent: (CheckpointedRunEvent) -> Void
    ) throws -> CheckpointedRunEnd {
        var model = model
        var lastCheckpoint = resumedFrom
        while true {
            let finished: Bool
            do {
                finished = try run { event in
                    onEvent(.training(event))
                    if stopRequested() { return .pause }
                    if case .epoch(let record) = event, let every = policy.every, record.epoch % every == 0 { return .pause }
                    return .proceed
                }
            } catch let error as BackpropError {
                guard case .diverged = error, let lastCheckpoint else { throw error }
                throw DivergedAfterCheckpoint(error: error, checkpoint: lastCheckpoint)
            }
            if finished { return .finished }
            model.training?.history = state.history
            let path = policy.path(for: state)
            if communicator.rank == 0 { try CheckpointFile.write(checkpoint(model: model), to: path) }
            try communicator.barrier()
            lastCheckpoint = path
            if try communicator.anyRank(stopRequested()) { return .stopped(checkpoint: path) }
            onEvent(.checkpoint(path: path, epoch: state.epoch - 1))
        }
    }
}

/// What a checkpointed run reports as it goes.
public enum CheckpointedRunEvent: Sendable {
    /// A batch or an epoch was trained.
    case training(TrainingEvent)
    /// A scheduled checkpoint was written, at the end of `epoch`, and every rank has it.
    case checkpoint(path: String, epoch: Int)
}
