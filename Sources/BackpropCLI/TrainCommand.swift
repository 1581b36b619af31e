import ArgumentParser
import Backprop
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network on a CSV or IDX file and report loss and metrics per epoch.",
        discussion: """
            DATA is a CSV file with a header row (the label is the column named `label`, else the \
            last column, or --label) or an IDX images file (labels: the file named with \
            `labels-idx1` in place of `images-idx3`, or --labels). Without flags, the task, output \
            layer, loss and number of epochs are chosen from the data.

            The lecture's network on Fashion-MNIST:
              backprop train train-images-idx3-ubyte.gz --test t10k-images-idx3-ubyte.gz \\
                --hidden 30 --activation sigmoid --output-activation sigmoid --loss quadratic \\
                --optimizer sgd --learning-rate 3 --batch-size 10 --init normal --epochs 10
            """
    )

    @Argument(help: "Training data: a CSV file or an IDX images file.")
    var data: String

    @Option(help: "IDX labels for DATA (default: derived from its name).")
    var labels: String?

    @Option(help: "Test data, reported after every epoch and at the end (never used to steer training).")
    var test: String?

    @Option(help: "IDX labels for --test (default: derived from its name).")
    var testLabels: String?

    @Option(help: "Fraction of DATA held out for validation, 0 < F < 1.")
    var validationSplit: Double?

    @Option(help: "CSV label column, by name or 1-based index.")
    var label: String?

    @Option(help: "classification or regression (default: inferred from the labels).")
    var task: LearningTask?

    @OptionGroup var model: ModelOptions
    @OptionGroup var optimization: OptimizationOptions

    @Option(help: "Feature scaling fitted on the training data: standardize, min-max or none (default: standardize for CSV, none for IDX pixels, already scaled to [0, 1]).")
    var scale: FeatureScaler.Kind?

    @Option(help: "Seed for initialization, shuffling, dropout and the validation split.")
    var seed: UInt64 = 1

    @Option(help: "Most BLAS threads per matrix product (default: one per core; small products use one).")
    var threads: Int?

    @Option(help: "Write the trained model to this file (safetensors).")
    var output: String?

    @Option(help: "Tensors of --output: fp32, or bf16 (rounded to bfloat16: half the size; PyTorch reads them as torch.bfloat16).")
    var savePrecision: Precision = .float32

    @Option(help: "Write a checkpoint every N epochs.")
    var checkpointEvery: Int?

    @Option(help: "Folder for checkpoints (default: the folder of --output, else the current one).")
    var checkpointDir: String?

    @Option(help: "Continue the run saved in this checkpoint (same DATA; the checkpoint's settings apply), or with `latest` the newest one in the checkpoint folder (--checkpoint-dir).")
    var resume: String?

    @Option(help: "Write the loss and accuracy curves to this SVG file.")
    var plot: String?

    @Flag(help: "Print one JSON object per epoch and a final summary line.")
    var json = false

    @Flag(help: "Train one model on all the processes `mpirun -np N` started, on one machine or many: each computes its share of every mini-batch (--batch-size stays the whole batch) and the gradients are summed with MPI_Allreduce. Rank 0 alone prints and writes files.")
    var distributed = false

    @Option(help: "With --distributed: the most megabytes (MiB) of gradients summed in one message; layers are packed into buckets from the last, each summed while backpropagation goes on (PyTorch DDP's bucket_cap_mb, whose default is 25). 0, the default: one message per tensor, as soon as it is final.")
    var bucketCapMb = 0.0

    @Option(help: "With --distributed: the precision of the gradient sums across ranks: fp32, or bf16 (gradients and partial sums rounded to bfloat16: half the bytes on the network).")
    var allreducePrecision: Precision = .float32

    @Flag(help: "With --distributed: each rank reads and holds only its part of DATA and of --test (IDX files by records, CSV files split at line starts), so memory per rank falls with the ranks. Every epoch each part is shuffled on its own (seeded, as PyTorch's DistributedSampler); validation and test metrics are summed over the parts.")
    var shardData = false

    @Option(help: "Stream DATA through a shuffle buffer of N examples instead of reading it into memory, for files larger than memory (tf.data's shuffle(buffer_size)): a first pass counts the examples and fits the scaling, then each epoch reads DATA once, in order, and every batch draws from the buffer at random. A checkpoint's epoch and batch are the stream's position. Not with --validation-split or --shard-data.")
    var shuffleBuffer: Int?

    @OptionGroup var limits: InputLimitOptions

    func validate() throws {
        if let validationSplit, !(validationSplit > 0 && validationSplit < 1) {
            throw ValidationError("--validation-split must be between 0 and 1 (exclusive), got \(validationSplit)")
        }
        if let checkpointEvery, checkpointEvery < 1 {
            throw ValidationError("--checkpoint-every must be at least 1 epoch, got \(checkpointEvery)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if distributed, !distributedTrainingBuiltIn { throw ValidationError(distributedTrainingMissing) }
        guard bucketCapMb >= 0, bucketCapMb.isFinite, bucketCapMb * Double(1 << 20) < Double(Int.max / 2) else {
            throw ValidationError("--bucket-cap-mb must be a number of MiB ≥ 0 (0: one message per tensor), got \(bucketCapMb)")
        }
        if shardData, !distributed {
            throw ValidationError("--shard-data needs --distributed: it splits the data over the ranks mpirun starts")
        }
        if let shuffleBuffer {
            guard shuffleBuffer >= 1 else { throw ValidationError("--shuffle-buffer must be at least 1 example, got \(shuffleBuffer)") }
            if validationSplit != nil {
                throw ValidationError("--shuffle-buffer streams DATA, which cannot hold out --validation-split; give a --test file to evaluate on")
            }
            if shardData { throw ValidationError("--shuffle-buffer and --shard-data cannot be combined: every rank reads the whole stream") }
        }
        try model.check()
        try optimization.check()
    }

    func run() throws {
        Interruption.install()
        guard distributed else {
            noteIfStartedByMPIRunAlone()
            return try train(on: SingleProcess())
        }
        try withMPIJob(train(on:))
    }

    /// Trains on `communicator`'s processes; rank 0 alone prints and writes files, and the
    /// others wait for its writes (a barrier) before they go on or exit.
    private func train(on communicator: any Communicator) throws {
        let leader = communicator.rank == 0
        if let threads {
            setBLASThreadCount(threads)
        } else if communicator.size > 1 {
            // One share of the cores per process on this machine.
            setBLASThreadCount(max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, processesOnThisMachine(communicator))))
        }
        if leader { try checkOutputs() }
        let resumed = try self.resume.flatMap(resumedCheckpoint)
        let resume = resumed?.path
        let sharded = shardData && communicator.size > 1
        var (session, model) = try resumed.map { try resumeSession($0.path, $0.checkpoint, on: communicator, sharded: sharded) }
            ?? startSession(on: communicator, sharded: sharded)
        session.communicator = communicator
        session.gradientBucketCapacity = Int(bucketCapMb * Double(1 << 20))
        session.gradientSumPrecision = allreducePrecision
        if sharded { session.shards = try DataShards(holding: session.data.count, over: communicator) }
        do {
            try session.checkBatches()
        } catch let error as BackpropError {
            guard let resume else { throw error }
            throw CLIError("\(resume): cannot continue on \(data): \(error)")
        }
        Interruption.testPoint("loaded")
        try Interruption.exitIfReceived("before training started; nothing was written")
        // Under mpirun a rank's output is a pseudo-terminal whatever the user's is: no live bar.
        let terminal = isatty(STDOUT_FILENO) != 0 && communicator.size == 1
        let mode: ProgressReporter.Mode = !leader ? .silent : json ? .json : terminal ? .terminal : .plain
        let reporter = ProgressReporter(mode: mode, epochs: session.trainer.epochs)
        if let resume, !json, leader { print("Resuming \(resume) at epoch \(session.state.epoch), batch \(session.state.batch)") }
        let validationCount = try session.validation.map { sharded ? Int(try communicator.sum([Double($0.count)])[0]) : $0.count }
        reporter.start(describe(session.network), examples: session.examplesPerEpoch, validation: validationCount)
        let precision = session.trainer.precision
        if leader { notePrecision(precision, json: json) }
        if let stream = session.stream, leader, !json {
            print("Streaming \(data) through a shuffle buffer of \(stream.bufferSize) examples (\(stream.count) per epoch, read once per epoch)")
            fflush(nil)  // the survey may have taken a while: say so before the first epoch's line
        }
        if communicator.size > 1, leader, !json {
            let batch = session.trainer.batchSize
            let (low, high) = (batch / communicator.size, (batch + communicator.size - 1) / communicator.size)
            print("Data-parallel on \(communicator.size) processes (MPI): each computes \(low == high ? "\(low)" : "\(low)–\(high)") examples of every mini-batch of \(batch)")
            if let shards = session.shards {
                print("Data sharded: each process holds its part of the examples (\(shards.counts.map(String.init).joined(separator: ", ")))")
            }
        }
        let clock = ContinuousClock()
        let started = clock.now
        let policy = CheckpointPolicy(folder: checkpointFolder, every: checkpointEvery)
        let end = try session.run(
            checkpointing: model, policy: policy, resumedFrom: resume, stopRequested: { Interruption.received != nil }
        ) { event in
            switch event {
            case .training(let event):
                reporter.report(event)
                if case .batch(let progress) = event { Interruption.testPoint(epoch: progress.epoch, batch: progress.batch) }
                if case .epoch(let record) = event { Interruption.testPoint("epoch-\(record.epoch)") }
            case .checkpoint(let path, let epoch):
                reporter.checkpoint(path, epoch: epoch)
            }
        }
        if case .stopped(let path) = end {
            // A signal on any rank stops them all (each exits as its own signal says, else as SIGTERM).
            if leader {
                FileHandle.standardError.write(Data("interrupted: checkpoint written to \(path); continue with --resume \(path)\n".utf8))
            }
            throw ExitCode(Interruption.exitCode(Interruption.received ?? SIGTERM))
        }
        let seconds = (clock.now - started).seconds
        model.network = session.network
        model.training?.history = session.state.history
        let history = session.state.history

        var final: [String: Any] = [
            "final": true, "seconds": seconds, "epochs": history.epochs.count, "precision": precision.rawValue,
            "kernels": precision.kernels,
        ]
        if history.stoppedEarly { final["best_epoch"] = history.bestEpoch }
        if let test = session.test {
            let evaluation = sharded ? try model.evaluate(on: test, over: communicator) : try model.evaluate(on: test)
            final.merge(Report(model: model, evaluation: evaluation).fields(prefix: "test_")) { $1 }
        }
        if let output {
            if leader { try saveTrainedModel(model, to: output, bfloat16: savePrecision == .bfloat16) }
            final["model"] = output
        }
        if let plot, leader {
            try CurvePlot(history: history).write(to: plot)
        }
        try communicator.barrier()
        Interruption.testPoint("saved")
        try Interruption.exitIfReceived("after training finished and everything was saved\(output.map { " (the model: \($0))" } ?? "")")
        reporter.finish(final, stoppedEarly: history.stoppedEarly, bestEpoch: history.bestEpoch)
    }

    /// A fresh run from the flags: the data prepared, the network built, the trainer set.
    /// With `sharded`, each rank of `communicator` reads its part of the data.
    private func startSession(on communicator: any Communicator, sharded: Bool) throws -> (TrainingSession<Float>, Model<Float>) {
        let options = TrainingDataOptions(
            file: limits.applied(to: DataFileOptions(labelsPath: labels, labelColumn: label)), task: task, scaling: scale,
            validationFraction: validationSplit, seed: seed)
        if let shuffleBuffer { return try startStream(options: options, bufferSize: shuffleBuffer) }
        let prepared = sharded
            ? try TrainingData<Float>.load(data, options: options, shardedOver: communicator)
            : try TrainingData<Float>.load(data, options: options)
        let examples = sharded ? Int(try communicator.sum([Double(prepared.training.count)])[0]) : prepared.training.count
        if let batchSize = optimization.batchSize, batchSize > examples {
            throw ValidationError("--batch-size \(batchSize) is larger than the \(examples) training examples; use 1 ... \(examples)")
        }
        let network = try model.makeNetwork(for: prepared.encoding, seed: seed)
        let trainer = optimization.makeTrainer(examples: examples, seed: seed)
        var trained = try prepared.model(of: network)
        trained.training = TrainingRecord(
            settings: settings(trainer, scaler: prepared.encoding.scaler), trainer: trainer, validationFraction: validationSplit,
            history: TrainingHistory())
        let testSet = try test.map { try trained.dataset(reading: $0, options: testOptions(on: communicator, sharded: sharded)) }
        let session = try TrainingSession(
            trainer: trainer, network: network, data: prepared.training, validation: prepared.validation, test: testSet)
        return (session, trained)
    }

    /// A fresh run on DATA streamed through a buffer of `bufferSize` examples.
    private func startStream(options: TrainingDataOptions, bufferSize: Int) throws -> (TrainingSession<Float>, Model<Float>) {
        let stream = try DataStream<Float>.survey(data, options: options, bufferSize: bufferSize)
        if let batchSize = optimization.batchSize, batchSize > stream.count {
            throw ValidationError("--batch-size \(batchSize) is larger than the \(stream.count) training examples; use 1 ... \(stream.count)")
        }
        let network = try model.makeNetwork(for: stream.encoding, seed: seed)
        let trainer = optimization.makeTrainer(examples: stream.count, seed: seed)
        var trained = try stream.model(of: network)
        trained.training = TrainingRecord(
            settings: settings(trainer, scaler: stream.encoding.scaler), trainer: trainer, shuffleBuffer: bufferSize,
            history: TrainingHistory())
        let testSet = try test.map { try trained.dataset(reading: $0, options: testOptions(on: SingleProcess(), sharded: false)) }
        return (try TrainingSession(trainer: trainer, network: network, stream: stream, test: testSet), trained)
    }

    /// `--resume`'s checkpoint, read: the path given, or for `latest` (when no file has that
    /// name) the newest checkpoint in the checkpoint folder that reads whole; those that do
    /// not are named on standard error and passed over. nil, a new run, where the folder
    /// holds no checkpoint at all (the first start of a restart loop, as PyTorch Lightning's
    /// `ckpt_path="last"` does).
    private func resumedCheckpoint(_ given: String) throws -> (path: String, checkpoint: Checkpoint<Float>)? {
        guard given == "latest", !FileManager.default.fileExists(atPath: given) else {
            return (given, try CheckpointFile.read(from: given, maximumBytes: limits.maxInputBytes))
        }
        let newest: (path: String, checkpoint: Checkpoint<Float>)? = CheckpointPolicy.newestReadable(
            in: checkpointFolder, maximumBytes: limits.maxInputBytes
        ) { path, error in
            FileHandle.standardError.write(Data("note: passing over \(path): \(error)\n".utf8))
        }
        if let newest { return newest }
        guard CheckpointPolicy.checkpoints(in: checkpointFolder).isEmpty else {
            throw CLIError("--resume latest: no readable checkpoint (checkpoint-epoch-*.safetensors) in \(checkpointFolder)")
        }
        FileHandle.standardError.write(Data(
            "note: --resume latest: no checkpoint (checkpoint-epoch-*.safetensors) in \(checkpointFolder) yet; starting a new run\n".utf8))
        return nil
    }

    /// The run saved in `checkpoint` (read from `path`), continued on DATA read as it was read then.
    private func resumeSession(
        _ path: String, _ checkpoint: Checkpoint<Float>, on communicator: any Communicator, sharded: Bool
    ) throws -> (TrainingSession<Float>, Model<Float>) {
        let streamed = checkpoint.model.training?.shuffleBuffer
        guard shuffleBuffer == nil || shuffleBuffer == streamed else {
            throw CLIError(
                "\(path): its run \(streamed.map { "streamed DATA through a shuffle buffer of \($0)" } ?? "held DATA in memory"); continue it \(streamed.map { "with --shuffle-buffer \($0)" } ?? "without --shuffle-buffer"), or leave the flag out")
        }
        if let streamed {
            let stream = try checkpoint.model.dataStream(
                reading: data, options: limits.applied(to: DataFileOptions(labelsPath: labels, labelColumn: label)), bufferSize: streamed)
            let testSet = try test.map { try checkpoint.model.dataset(reading: $0, options: testOptions(on: communicator, sharded: false)) }
            do {
                return (try checkpoint.resume(streaming: stream, test: testSet), checkpoint.model)
            } catch let error as BackpropError {
                throw CLIError("\(path): cannot continue on \(data): \(error)")
            }
        }
        let options = TrainingDataOptions(
            file: limits.applied(to: DataFileOptions(labelsPath: labels, labelColumn: label)),
            validationFraction: checkpoint.model.training?.validationFraction, seed: checkpoint.trainer.seed)
        let prepared = sharded
            ? try checkpoint.model.trainingData(reading: data, options: options, shardedOver: communicator)
            : try checkpoint.model.trainingData(reading: data, options: options)
        let testSet = try test.map { try checkpoint.model.dataset(reading: $0, options: testOptions(on: communicator, sharded: sharded)) }
        do {
            return (try checkpoint.resume(on: prepared.training, validation: prepared.validation, test: testSet), checkpoint.model)
        } catch let error as BackpropError {
            throw CLIError("\(path): cannot continue on \(data): \(error)")
        }
    }

    /// How --test is read: with `sharded`, this rank's part of it.
    private func testOptions(on communicator: any Communicator, sharded: Bool) throws -> DataFileOptions {
        var options = limits.applied(to: DataFileOptions(labelsPath: testLabels, labelColumn: label))
        if sharded { options.shard = try DataShard(communicator.rank, of: communicator.size) }
        return options
    }

    /// Every file and folder the run will write, checked before any work starts: the
    /// model, the plot, and the checkpoint folder (created when missing), which a signal may
    /// need at any moment.
    private func checkOutputs() throws {
        if let output { try checkWritable(output, flag: "--output") }
        if let plot { try checkWritable(plot, flag: "--plot") }
        if let checkpointDir {
            try prepareFolder(checkpointDir, flag: "--checkpoint-dir")
        } else if output == nil {
            try prepareFolder(".", flag: "checkpoints (the current folder; choose one with --checkpoint-dir)")
        }
    }

    /// Where checkpoints go: --checkpoint-dir, else the folder of --output, else the current folder.
    private var checkpointFolder: String {
        checkpointDir ?? output.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? "."
    }

    private func settings(_ trainer: Trainer, scaler: FeatureScaler) -> [String: String] {
        var result = optimization.settings(trainer.optimizer)
        result["batch_size"] = "\(trainer.batchSize)"
        result["epochs"] = "\(trainer.epochs)"
        result["seed"] = "\(seed)"
        result["scaling"] = scaler.kind.rawValue
        result["data"] = URL(fileURLWithPath: data).lastPathComponent
        if let validationSplit { result["validation_split"] = "\(validationSplit)" }
        if shardData, distributed { result["shard_data"] = "true" }
        if let shuffleBuffer { result["shuffle_buffer"] = "\(shuffleBuffer)" }
        if allreducePrecision != .float32, distributed { result["allreduce_precision"] = allreducePrecision.rawValue }
        if let patience = trainer.earlyStopping?.patience { result["early_stopping_patience"] = "\(patience)" }
        if trainer.precision != .float32 { result["kernels"] = trainer.precision.kernels }
        return result
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
