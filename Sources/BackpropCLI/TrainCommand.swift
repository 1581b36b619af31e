import ArgumentParser
import Backprop
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network with mini-batch SGD and report loss and accuracy per epoch.",
        discussion: """
            DATA is an IDX images file (MNIST naming: its labels are the file with `labels-idx1` \
            in place of `images-idx3`, or --labels FILE); gzipped files are read directly. \
            Pixels are scaled to [0, 1]. The lecture's network on Fashion-MNIST:

              backprop train train-images-idx3-ubyte.gz --test t10k-images-idx3-ubyte.gz \\
                --hidden 30 --activation sigmoid --output-activation sigmoid --loss quadratic \\
                --optimizer sgd --learning-rate 3 --batch-size 10 --init normal
            """
    )

    @Argument(help: "Training data: an IDX images file.")
    var data: String

    @Option(help: "Labels for DATA (default: derived from its name).")
    var labels: String?

    @Option(help: "Test data, evaluated after every epoch.")
    var test: String?

    @Option(help: "Labels for --test (default: derived from its name).")
    var testLabels: String?

    @Option(help: "Hidden layer widths, comma-separated.")
    var hidden = List([128])

    @Option(help: "Activation of the hidden layers.")
    var activation: Activation = .relu

    @Option(help: "Activation of the output layer (default: what the loss needs, else --activation).")
    var outputActivation: Activation?

    @Option(help: "Loss (\(Loss.allValueStrings.joined(separator: ", "))).")
    var loss: Loss = .crossEntropy

    @Option(help: "Optimizer (sgd).")
    var optimizer = "sgd"

    @Option(help: "Learning rate η.")
    var learningRate: Double = 0.1

    @Option(help: "Examples per mini-batch.")
    var batchSize = 32

    @Option(help: "Passes over the training data.")
    var epochs = 10

    @Option(
        name: .customLong("init"),
        help: "Parameter initialization (normal, xavier, he; default: he for ReLU, else xavier).")
    var initialization: Initialization?

    @Option(help: "Seed for initialization and shuffling.")
    var seed: UInt64 = 1

    @Option(help: "BLAS threads for matrix products (default: OpenBLAS's choice).")
    var threads: Int?

    @Flag(help: "Print one JSON object per epoch and a final summary line.")
    var json = false

    func validate() throws {
        guard optimizer.lowercased() == "sgd" else {
            throw ValidationError("--optimizer: unknown optimizer '\(optimizer)', expected sgd")
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw ValidationError("--learning-rate must be a finite number > 0, got \(learningRate)")
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let bad = hidden.values.first(where: { $0 < 1 }) {
            throw ValidationError("--hidden: every width must be at least 1, got \(bad)")
        }
    }

    func run() throws {
        if let threads { setBLASThreadCount(threads) }
        let training: Dataset<Float> = try loadIDX(data, labels: labels)
        let testing: Dataset<Float>? = try test.map { try loadIDX($0, labels: testLabels) }
        let classCount = classes(in: training, testing)
        let outputs = loss == .binaryCrossEntropy && classCount == 2 ? 1 : classCount
        var network = try Network<Float>(
            sizes: [training.inputs.columns] + hidden.values + [outputs], activation: activation,
            outputActivation: outputActivation, loss: loss, initialization: initialization, seed: seed)
        var sgd = try SGD<Float>(learningRate: learningRate)
        var random = RandomSource(seed: seed)
        let report = EpochReporter(json: json, epochs: epochs)
        if !json { print("Training a \(describe(network)) on \(training.count) examples") }

        let start = Date()
        var last: Evaluation?
        for epoch in 1...epochs {
            let epochStart = Date()
            let trained = try network.trainEpoch(
                on: training, batchSize: batchSize, optimizer: &sgd, random: &random, epoch: epoch)
            let seconds = Date().timeIntervalSince(epochStart)
            last = try testing.map { try network.evaluate(on: $0) }
            report.epoch(epoch, train: trained, test: last, seconds: seconds)
        }
        report.final(seconds: Date().timeIntervalSince(start), test: last)
    }

    /// The number of classes: one more than the largest label seen.
    private func classes(in sets: Dataset<Float>?...) -> Int {
        var largest = 1
        for case let set? in sets {
            if case .classes(let labels) = set.targets { largest = max(largest, labels.max() ?? 0) }
        }
        return largest + 1
    }
}

/// Loads IDX images and labels; the labels path defaults to the MNIST naming.
func loadIDX(_ images: String, labels: String?) throws -> Dataset<Float> {
    if images.lowercased().hasSuffix(".csv") {
        throw CLIError("\(images): CSV input is not supported yet; give an IDX images file")
    }
    guard let labels = labels ?? defaultLabelsPath(for: images) else {
        throw CLIError(
            "\(images): cannot derive the labels file name (no 'images-idx3' in it); pass --labels FILE")
    }
    return try Dataset.idx(images: images, labels: labels)
}

func defaultLabelsPath(for images: String) -> String? {
    guard images.contains("images-idx3") else { return nil }
    return images.replacingOccurrences(of: "images-idx3", with: "labels-idx1")
}
