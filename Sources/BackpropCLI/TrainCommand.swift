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

    @Option(help: "BLAS threads for matrix products (default: OpenBLAS's choice).")
    var threads: Int?

    @Option(help: "Write the trained model to this file (safetensors).")
    var output: String?

    @Option(help: "Write the loss and accuracy curves to this SVG file.")
    var plot: String?

    @Flag(help: "Print one JSON object per epoch and a final summary line.")
    var json = false

    func validate() throws {
        if let validationSplit, !(validationSplit > 0 && validationSplit < 1) {
            throw ValidationError("--validation-split must be between 0 and 1 (exclusive), got \(validationSplit)")
        }
        if validationSplit != nil, test != nil {
            // Allowed: --test is evaluated once at the end, the split every epoch.
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        try model.check()
        try optimization.check()
    }

    func run() throws {
        if let threads { setBLASThreadCount(threads) }
        var training = try LoadedData.load(data, labelsPath: labels, labelColumn: label, needsLabels: true)
        let encoding = try LabelEncoding.infer(
            from: training.labels ?? [], task: task, path: data, column: training.labelName ?? "label")
        let testing = try test.map {
            try LoadedData.load($0, labelsPath: testLabels, labelColumn: training.labelName ?? label, needsLabels: true)
        }
        if let testing, testing.features.columns != training.features.columns {
            throw CLIError("\(testing.path): \(testing.features.columns) features, but \(data) has \(training.features.columns)")
        }
        var validation: LoadedData?
        if let fraction = validationSplit {
            (training, validation) = try split(training, fraction: fraction)
        }

        let scaler = FeatureScaler.fit(scale ?? (training.input == .images ? .none : .standardize), to: training.features)
        let network = try model.makeNetwork(inputSize: training.features.columns, encoding: encoding, seed: seed)
        var trained = try Model(
            network: network, labels: encoding, scaler: scaler, featureNames: training.featureNames,
            labelName: training.labelName, input: training.input)
        let trainSet = try trained.dataset(inputs: training.features, targets: training.targets(encoding))
        let validationSet = try validation.map { try trained.dataset(inputs: $0.features, targets: $0.targets(encoding)) }
        let testSet = try testing.map { try trained.dataset(inputs: $0.features, targets: $0.targets(encoding)) }
        let trainer = try optimization.makeTrainer(examples: trainSet.count, seed: seed, hasValidation: validationSet != nil)

        let reporter = ProgressReporter(mode: json ? .json : (isatty(STDOUT_FILENO) != 0 ? .terminal : .plain), epochs: trainer.epochs)
        reporter.start(describe(network), examples: trainSet.count, validation: validationSet?.count)
        var net = network
        let clock = ContinuousClock()
        let started = clock.now
        let history = try optimization.withOptimizer { optimizer in
            try trainer.fit(
                &net, on: trainSet, validation: validationSet, test: testSet, optimizer: &optimizer, onEvent: reporter.report)
        }
        let seconds = (clock.now - started).seconds
        trained.network = net
        trained.training = TrainingRecord(settings: settings(trainer, scaler: scaler), history: history)

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

    private func split(_ data: LoadedData, fraction: Double) throws -> (LoadedData, LoadedData) {
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
