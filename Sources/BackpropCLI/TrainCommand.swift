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
    var task: Task?

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

    @Option(help: "Write a checkpoint every N epochs.")
    var checkpointEvery: Int?

    @Option(help: "Folder for checkpoints (default: the folder of --output, else the current one).")
    var checkpointDir: String?

    @Option(help: "Continue the run saved in this checkpoint (same DATA; the checkpoint's settings apply).")
    var resume: String?

    @Option(help: "Write the loss and accuracy curves to this SVG file.")
    var plot: String?

    @Flag(help: "Print one JSON object per epoch and a final summary line.")
    var json = false

    func validate() throws {
        if let validationSplit, !(validationSplit > 0 && validationSplit < 1) {
            throw ValidationError("--validation-split must be between 0 and 1 (exclusive), got \(validationSplit)")
        }
        if let checkpointEvery, checkpointEvery < 1 {
            throw ValidationError("--checkpoint-every must be at least 1 epoch, got \(checkpointEvery)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        try model.check()
        try optimization.check()
    }

    func run() throws {
        if let threads { setBLASThreadCount(threads) }
        let resumed: Checkpoint<Float>? = try resume.map { try CheckpointFile.read(from: $0) }
        let recorded = resumed?.model.training?.settings ?? [:]
        let seed = resumed?.trainer.seed ?? self.seed

        var training = try LoadedData.load(
            data, labelsPath: labels, labelColumn: label, model: resumed?.model, needsLabels: true)
        let encoding = try resumed?.model.labels ?? LabelEncoding.infer(
            from: training.labels ?? [], task: task, path: data, column: training.labelName ?? "label")
        let testing = try test.map {
            try LoadedData.load($0, labelsPath: testLabels, labelColumn: training.labelName ?? label, model: resumed?.model, needsLabels: true)
        }
        if let testing, testing.features.columns != training.features.columns {
            throw CLIError("\(testing.path): \(testing.features.columns) features, but \(data) has \(training.features.columns)")
        }
        var validation: LoadedData?
        if let fraction = resumed == nil ? validationSplit : recorded["validation_split"].flatMap(Double.init) {
            (training, validation) = try split(training, fraction: fraction, seed: seed)
        }

        let scaler = resumed?.model.scaler
            ?? FeatureScaler.fit(scale ?? (training.input == .images ? .none : .standardize), to: training.features)
        var trained = try resumed?.model ?? Model(
            network: model.makeNetwork(inputSize: training.features.columns, encoding: encoding, seed: seed),
            labels: encoding, scaler: scaler, featureNames: training.featureNames, labelName: training.labelName,
            input: training.input)
        let trainSet = try trained.dataset(inputs: training.features, targets: training.targets(encoding))
        if resumed == nil, optimization.batchSize > trainSet.count {
            throw ValidationError(
                "--batch-size \(optimization.batchSize) is larger than the \(trainSet.count) training examples; use 1 ... \(trainSet.count)")
        }
        let validationSet = try validation.map { try trained.dataset(inputs: $0.features, targets: $0.targets(encoding)) }
        let testSet = try testing.map { try trained.dataset(inputs: $0.features, targets: $0.targets(encoding)) }
        let trainer = try resumed?.trainer
            ?? optimization.makeTrainer(examples: trainSet.count, seed: seed, hasValidation: validationSet != nil)
        let spec = try resume.map { try OptimizerSpec(settings: recorded, path: $0) } ?? optimization.spec
        var optimizer = try spec.make()
        var state = resumed?.state ?? TrainingState(network: trained.network, trainer: trainer, learningRate: optimizer.learningRate)
        if let resumed { try optimizer.restore(resumed.optimizer, for: state.network) }
        let settings = resumed == nil ? self.settings(trainer, scaler: scaler) : recorded

        let reporter = ProgressReporter(mode: json ? .json : (isatty(STDOUT_FILENO) != 0 ? .terminal : .plain), epochs: trainer.epochs)
        if let resume, !json { print("Resuming \(resume) at epoch \(state.epoch), batch \(state.batch)") }
        reporter.start(describe(state.network), examples: trainSet.count, validation: validationSet?.count)
        if checkpointEvery != nil, let checkpointDir {
            do {
                try FileManager.default.createDirectory(atPath: checkpointDir, withIntermediateDirectories: true)
            } catch {
                throw CLIError("--checkpoint-dir \(checkpointDir): cannot create the folder (\(error.localizedDescription))")
            }
        }
        Interruption.install()
        let clock = ContinuousClock()
        let started = clock.now
        var lastCheckpoint = resume
        while true {
            let finished = try keepingCheckpoint(lastCheckpoint) { try trainer.run(
                &state, on: trainSet, validation: validationSet, test: testSet, optimizer: &optimizer
            ) { event in
                reporter.report(event)
                if Interruption.received != nil { return .pause }
                if case .epoch(let record) = event, let every = checkpointEvery, record.epoch % every == 0 { return .pause }
                return .proceed
            } }
            if finished { break }
            trained.training = TrainingRecord(settings: settings, history: state.history)
            let path = checkpointPath(state)
            try CheckpointFile.write(Checkpoint(model: trained, state: state, optimizer: optimizer.state, trainer: trainer), to: path)
            lastCheckpoint = path
            if let signal = Interruption.received {
                FileHandle.standardError.write(Data(
                    "interrupted: checkpoint written to \(path); continue with --resume \(path)\n".utf8))
                throw ExitCode(Interruption.exitCode(signal))
            }
            reporter.checkpoint(path, epoch: state.epoch - 1)
        }
        let seconds = (clock.now - started).seconds
        trained.network = state.network
        trained.training = TrainingRecord(settings: settings, history: state.history)
        let history = state.history

        var final: [String: Any] = ["final": true, "seconds": seconds, "epochs": history.epochs.count]
        if history.stoppedEarly { final["best_epoch"] = history.bestEpoch }
        if let testSet {
            final.merge(try Report(model: trained, data: testSet).fields(prefix: "test_")) { $1 }
        }
        if let output {
            try ModelFile.write(trained, to: output)
            final["model"] = output
        }
        if let plot {
            try CurvePlot(history: history).write(to: plot)
        }
        reporter.finish(final, stoppedEarly: history.stoppedEarly, bestEpoch: history.bestEpoch)
    }

    /// Runs `body`; if training diverges, the error also names the last good checkpoint.
    private func keepingCheckpoint<R>(_ checkpoint: String?, _ body: () throws -> R) throws -> R {
        do {
            return try body()
        } catch let error as BackpropError {
            guard case .diverged = error, let checkpoint else { throw error }
            throw CLIError("\(error); the last good checkpoint is \(checkpoint)")
        }
    }

    /// `DIR/checkpoint-epoch-E.safetensors` at the end of epoch E, or
    /// `DIR/checkpoint-epoch-E-batch-B.safetensors` within it.
    private func checkpointPath(_ state: TrainingState<Float>) -> String {
        let folder = checkpointDir ?? output.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? "."
        let name = state.batch == 0
            ? "checkpoint-epoch-\(state.epoch - 1).safetensors"
            : "checkpoint-epoch-\(state.epoch)-batch-\(state.batch).safetensors"
        return URL(fileURLWithPath: folder).appendingPathComponent(name).path
    }

    private func split(_ data: LoadedData, fraction: Double, seed: UInt64) throws -> (LoadedData, LoadedData) {
        var random = RandomSource(seed: seed ^ 0xA11D_A7E5)
        var order = Array(0..<data.count)
        random.shuffle(&order)
        let held = Int((Double(data.count) * fraction).rounded())
        guard held >= 1, held < data.count else {
            throw CLIError("--validation-split \(fraction) leaves \(held) of \(data.count) examples for validation")
        }
        return (try data.subset(Array(order[held...]).sorted()), try data.subset(Array(order[..<held]).sorted()))
    }

    private func settings(_ trainer: Trainer, scaler: FeatureScaler) -> [String: String] {
        var result = optimization.settings
        result["batch_size"] = "\(trainer.batchSize)"
        result["epochs"] = "\(trainer.epochs)"
        result["seed"] = "\(seed)"
        result["scaling"] = scaler.kind.rawValue
        result["data"] = URL(fileURLWithPath: data).lastPathComponent
        if let validationSplit { result["validation_split"] = "\(validationSplit)" }
        if let patience = trainer.earlyStopping?.patience { result["early_stopping_patience"] = "\(patience)" }
        return result
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
