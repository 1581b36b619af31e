/// A training set read from its file as training goes, for files larger than memory: each
/// epoch reads the file once, in order, through a shuffle buffer of `bufferSize` examples
/// from which the mini-batches draw at random (tf.data's `shuffle(buffer_size)`, WebDataset's
/// `shuffle`). Only the buffer and one batch are held, never the file.
///
/// The buffer first fills with the file's first N examples; each example a batch takes is
/// replaced by the file's next, and once the file is read the buffer empties in random order.
/// With N ≥ n every epoch is a uniform random permutation; a smaller N mixes only examples
/// within about N of each other in the file. An epoch's order depends only on the run's
/// seed and the epoch, so a checkpoint's epoch and batch are the stream's position: resuming
/// reads the file again from the epoch's start through the same draws (holding only the
/// buffer) and continues exactly where the run paused.
///
/// ```swift
/// let stream = try DataStream<Float>.survey("big.csv", bufferSize: 10_000)
/// let network = try Network<Float>(sizes: [stream.inputSize, 64, stream.outputSize(for: .crossEntropy)], activation: .relu, loss: .crossEntropy)
/// var session = try TrainingSession(trainer: trainer, network: network, stream: stream)
/// ```
public struct DataStream<S: Scalar>: Sendable {
    /// The data file (a CSV table or IDX images).
    public let path: String
    /// How the file is read: its labels file or column and the feature columns.
    public let file: DataFileOptions
    /// The labels, the feature scaling and the columns, as a model keeps them.
    public let encoding: DataEncoding
    /// n, the examples in the file: one epoch.
    public let count: Int
    /// N, the most examples the shuffle buffer holds.
    public let bufferSize: Int

    /// Reads `path` once, holding one example at a time: counts its examples, infers the
    /// label encoding from their labels and fits the feature scaling to their features, as
    /// `TrainingData.load` does for a file it holds (mean and variance by Welford's updates).
    /// - Parameters:
    ///   - path: a CSV table with a header row, or an IDX images file beside its labels file.
    ///   - options: the file's columns, the task and the scaling; a validation fraction
    ///     cannot be held out of a stream (evaluate on a test set instead).
    ///   - bufferSize: N ≥ 1; min(N, n) examples of the file's features are held, at most
    ///     `options.file.maximumBytes` bytes.
    /// - Throws: `DataError` naming the file and line (or record) of a malformed example,
    ///   `BackpropError` for a buffer size out of range or a validation fraction.
    public static func survey(_ path: String, options: TrainingDataOptions = TrainingDataOptions(), bufferSize: Int) throws -> DataStream {
        if let fraction = options.validationFraction {
            throw BackpropError.invalidHyperparameter(
                name: "validation split", value: "\(fraction)",
                expected: "none for a streamed file (its examples are not held; evaluate on a test set)")
        }
        let reader = try ExampleReader<S>(path, options: options.file)
        let column = reader.labelName ?? "label"
        var labels = LabelSurvey(task: options.task)
        let scaling = options.scaling ?? (reader.input == .images ? .none : .standardize)
        var statistics = FeatureStatistics(count: reader.width)
        var row = [S](repeating: 0, count: reader.width)
        while let label = try withMutablePointer(&row, { try reader.next(into: scaling == .none ? nil : $0) }) {
            try labels.add(label, path: path, location: "\(reader.location), column '\(column)'")
            if scaling != .none { statistics.add(row) }
        }
        let encoding = DataEncoding(
            labels: try labels.encoding(path: path, column: column), scaler: statistics.scaler(scaling),
            featureNames: reader.featureNames, labelName: reader.labelName, input: reader.input)
        return try DataStream(path: path, options: options.file, encoding: encoding, count: reader.count, bufferSize: bufferSize)
    }

    /// The stream of `path` read as `encoding` says, of `count` examples.
    init(path: String, options: DataFileOptions, encoding: DataEncoding, count: Int, bufferSize: Int) throws {
        guard count > 0 else {
            throw DataError.malformed(path: path, location: "data", message: "no examples to train on")
        }
        let held = Swift.min(bufferSize, count).multipliedReportingOverflow(by: Swift.max(1, encoding.scaler.shift.count) * MemoryLayout<S>.stride)
        guard bufferSize >= 1, !held.overflow, held.partialValue <= options.maximumBytes else {
            throw BackpropError.invalidHyperparameter(
                name: "shuffle buffer", value: "\(bufferSize) examples",
                expected: "at least 1, holding at most \(options.maximumBytes) bytes of features (the input limit)")
        }
        var file = options
        file.requiresLabels = true
        file.labelColumn = encoding.labelName ?? options.labelColumn
        if encoding.input == .table { file.featureNames = encoding.featureNames }
        (self.path, self.file, self.encoding, self.count, self.bufferSize) = (path, file, encoding, count, bufferSize)
    }

    /// A window for `rows` examples of these data, which a batch read from the stream fills.
    func window(rows: Int) throws -> Dataset<S> {
        let rows = Swift.max(0, rows)
        let targets: Targets<S> = encoding.labels.task == .classification
            ? .classes(.init(repeating: 0, count: rows)) : .values(Matrix(rows: rows, columns: 1))
        return try Dataset(inputs: Matrix(rows: rows, columns: inputSize), targets: targets)
    }

    /// n_1, the number of features.
    public var inputSize: Int { encoding.scaler.shift.count }

    /// n_L for a network on these data (see `TrainingData.outputSize(for:)`).
    public func outputSize(for loss: Loss) -> Int {
        OutputLayout.size(for: encoding.labels, loss: loss)
    }

    /// The model of `network` trained on these data: their scaling, label encoding and columns.
    /// - Throws: `BackpropError` if the network does not fit the data.
    public func model(of network: Network<S>, training record: TrainingRecord? = nil) throws -> Model<S> {
        try Model(network: network, encoding: encoding, training: record)
    }
}

extension Model {
    /// The stream of the training file `path` read as this model was trained (its columns,
    /// label encoding and scaling), to continue a checkpoint's streamed run: one pass counts
    /// the examples and checks that each label is one of the model's.
    /// - Throws: as `DataStream.survey`, and `DataError` for a label the model does not know.
    public func dataStream(reading path: String, options: DataFileOptions = DataFileOptions(), bufferSize: Int) throws -> DataStream<S> {
        var options = options
        options.labelColumn = options.labelColumn ?? encoding.labelName
        if encoding.input == .table { options.featureNames = encoding.featureNames }
        let reader = try ExampleReader<S>(path, options: options)
        guard reader.width == network.inputSize else {
            throw DataError.malformed(
                path: path, location: reader.input == .images ? "dimensions" : "line 1",
                message: "\(reader.width) features per example, but the model reads \(network.inputSize)")
        }
        let encoder = LabelEncoder(encoding.labels)
        while let label = try reader.next(into: nil) {
            _ = try encoder.target(label, path: path, column: reader.labelName ?? "label", location: reader.location)
        }
        return try DataStream(path: path, options: options, encoding: encoding, count: reader.count, bufferSize: bufferSize)
    }
}
