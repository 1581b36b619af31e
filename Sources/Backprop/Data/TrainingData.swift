/// How to turn a labelled data file into training data.
public struct TrainingDataOptions: Sendable {
    /// Where the labels are (see `DataFileOptions`).
    public var file: DataFileOptions
    /// classification or regression (default: inferred from the labels, see `LabelEncoding.infer`).
    public var task: LearningTask?
    /// Feature scaling fitted on the training part (default: standardize for CSV tables,
    /// none for IDX pixels, already scaled to [0, 1]).
    public var scaling: FeatureScaler.Kind?
    /// A fraction of the examples held out for validation, 0 < f < 1 (default: none).
    public var validationFraction: Double?
    /// Seeds the validation split.
    public var seed: UInt64

    /// Options as given; each nil takes the default its property describes.
    public init(
        file: DataFileOptions = DataFileOptions(), task: LearningTask? = nil, scaling: FeatureScaler.Kind? = nil,
        validationFraction: Double? = nil, seed: UInt64 = 1
    ) {
        self.file = file
        self.task = task
        self.scaling = scaling
        self.validationFraction = validationFraction
        self.seed = seed
    }
}

/// A labelled data file made ready to train on: the label encoding inferred from its
/// labels, a validation part held out, the feature scaling fitted on the training part and
/// applied to both — everything a `Model` keeps to use the network on raw data later.
///
/// ```swift
/// let data = try TrainingData<Float>.load("iris.csv", options: TrainingDataOptions(validationFraction: 0.2))
/// var network = try Network<Float>(sizes: [data.inputSize, 16, data.outputSize], activation: .relu, loss: .crossEntropy)
/// ```
public struct TrainingData<S: Scalar>: Sendable {
    /// The examples to train on, scaled by `encoding.scaler`.
    public var training: Dataset<S>
    /// The held-out examples, scaled by `encoding.scaler`; nil unless a validation fraction was given.
    public var validation: Dataset<S>?
    /// The file's encoding: the labels inferred from all its labels, the feature scaling
    /// fitted on the training part, its columns and kind.
    public var encoding: DataEncoding

    /// Reads `path` (a CSV table or IDX images) and prepares it as described above.
    /// - Throws: `DataError` for an unreadable or malformed file, `BackpropError` for a
    ///   validation fraction that leaves either part empty.
    public static func load(_ path: String, options: TrainingDataOptions = TrainingDataOptions()) throws -> TrainingData {
        var file = options.file
        file.requiresLabels = true
        let raw = try RawExamples<S>.read(path, options: file)
        let labels = try LabelEncoding.infer(
            from: raw.labels ?? [], task: options.task, path: path, column: raw.labelName ?? "label")
        let scaling = options.scaling ?? (raw.input == .images ? .none : .standardize)
        return try prepare(raw, labels: labels, options: options) { training in FeatureScaler.fit(scaling, to: training) }
    }

    /// Splits `raw` as `options` say, then scales both parts with the scaler `scaler` gives for
    /// the training part's features.
    static func prepare(
        _ raw: RawExamples<S>, labels: LabelEncoding, options: TrainingDataOptions,
        scaler: (Matrix<S>) throws -> FeatureScaler
    ) throws -> TrainingData {
        var (training, validation): (RawExamples<S>, RawExamples<S>?) = (raw, nil)
        if let fraction = options.validationFraction {
            (training, validation) = try raw.split(validationFraction: fraction, seed: options.seed)
        }
        let scaler = try scaler(training.features)
        return TrainingData(
            training: try Dataset(inputs: scaler.transform(training.features), targets: training.targets(labels)),
            validation: try validation.map { try Dataset(inputs: scaler.transform($0.features), targets: $0.targets(labels)) },
            encoding: DataEncoding(
                labels: labels, scaler: scaler, featureNames: raw.featureNames, labelName: raw.labelName, input: raw.input))
    }

    /// n_1, the number of features.
    public var inputSize: Int { training.inputs.columns }

    /// n_L for a network on these data: one output per class (one sigmoid output for two
    /// classes with `binaryCrossEntropy`), or one for regression.
    public func outputSize(for loss: Loss) -> Int {
        OutputLayout.size(for: encoding.labels, loss: loss)
    }

    /// The model of `network` trained on these data: their scaling, label encoding and columns.
    /// - Throws: `BackpropError` if the network does not fit the data.
    public func model(of network: Network<S>, training record: TrainingRecord? = nil) throws -> Model<S> {
        try Model(network: network, encoding: encoding, training: record)
    }
}
