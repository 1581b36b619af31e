/// What a raw input row is: a row of a CSV table or the pixels of an image.
public enum InputKind: String, Codable, Sendable {
    /// Numbers from a CSV table's columns, taken as they are.
    case table
    /// Pixel bytes 0 … 255 from an IDX file, divided by 255 as they are read.
    case images

    /// d, what a file's values are divided by as they are read: the first step from a file's
    /// values v to the network's input, x = scaler(v / d).
    public var divisor: Double {
        switch self {
        case .table: 1
        case .images: 255
        }
    }
}

/// How a model was trained, kept in its file for `backprop summary`.
public struct TrainingRecord: Codable, Equatable, Sendable {
    /// Settings by name, for people: e.g. "optimizer": "adam", "learning_rate": "0.001".
    public var settings: [String: String]
    /// The trainer's settings (optimizer configuration included), when known.
    public var trainer: Trainer?
    /// The fraction of the data file held out for validation (`TrainingDataOptions.validationFraction`).
    public var validationFraction: Double?
    /// The shuffle buffer the training file was streamed through (`DataStream.bufferSize`),
    /// when it was streamed.
    public var shuffleBuffer: Int?
    /// The epochs of the run.
    public var history: TrainingHistory

    /// A record of these settings and this history.
    public init(
        settings: [String: String], trainer: Trainer? = nil, validationFraction: Double? = nil, shuffleBuffer: Int? = nil,
        history: TrainingHistory
    ) {
        self.settings = settings
        self.trainer = trainer
        self.validationFraction = validationFraction
        self.shuffleBuffer = shuffleBuffer
        self.history = history
    }
}

/// A trained network with everything needed to use it on raw data: its `DataEncoding` (the
/// feature scaling fitted on the training set, the label encoding, the feature names).
public struct Model<S: Scalar>: Equatable, Sendable {
    /// The trained network; it reads scaled features x.
    public var network: Network<S>
    /// How raw data become the network's input, and its outputs labels.
    public var encoding: DataEncoding
    /// How the network was trained, when known (settings and history, for `backprop summary`).
    public var training: TrainingRecord?

    /// A model of `network` that reads and predicts data as `encoding` says, trained as
    /// `training` records (when known).
    /// - Throws: `BackpropError` if the scaler, feature names or classes do not fit the network.
    public init(network: Network<S>, encoding: DataEncoding, training: TrainingRecord? = nil) throws {
        guard encoding.scaler.shift.count == network.inputSize else {
            throw BackpropError.shapeMismatch(
                what: "feature scaler", expected: "\(network.inputSize) features (the network's input size)",
                got: "\(encoding.scaler.shift.count)")
        }
        let featureNames = encoding.featureNames
        guard featureNames.isEmpty || featureNames.count == network.inputSize else {
            throw BackpropError.shapeMismatch(
                what: "feature names", expected: "\(network.inputSize) (the network's input size)", got: "\(featureNames.count)")
        }
        var seen = Set<String>()
        if let repeated = featureNames.first(where: { !seen.insert($0).inserted }) {
            throw BackpropError.invalidArchitecture("feature name '\(repeated)' appears more than once")
        }
        if encoding.labels.task == .classification {
            let classes = encoding.labels.classNames.count
            guard classes == network.outputSize || (classes == 2 && network.outputSize == 1) else {
                throw BackpropError.shapeMismatch(
                    what: "class names", expected: "\(network.outputSize) (one per output)", got: "\(classes)")
            }
        }
        self.network = network
        self.encoding = encoding
        self.training = training
    }

    /// A model of `network` with the encoding these parts make (see `DataEncoding`).
    /// - Throws: `BackpropError` if the scaler, feature names or classes do not fit the network.
    public init(
        network: Network<S>, labels: LabelEncoding, scaler: FeatureScaler, featureNames: [String] = [],
        labelName: String? = nil, input: InputKind = .table
    ) throws {
        try self.init(
            network: network,
            encoding: DataEncoding(labels: labels, scaler: scaler, featureNames: featureNames, labelName: labelName, input: input))
    }

    /// The network's outputs for raw (unscaled) inputs: class probabilities for a
    /// classifier, predicted values for a regressor; the products in `precision`.
    public func predict(_ inputs: Matrix<S>, precision: Precision = .float32) throws -> Matrix<S> {
        try network.predict(encoding.scaler.transform(inputs), precision: precision)
    }

    /// The scaled dataset for raw inputs and their targets.
    public func dataset(inputs: Matrix<S>, targets: Targets<S>) throws -> Dataset<S> {
        try Dataset(inputs: encoding.scaler.transform(inputs), targets: targets)
    }
}
