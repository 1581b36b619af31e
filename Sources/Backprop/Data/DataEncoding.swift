/// What a model knows about the data around its network: how a raw input row becomes the
/// network's input x (its kind's divisor d, then the feature scaling: x = (v / d − shift) /
/// scale), what the columns are called, and how the outputs map to labels. A model keeps it
/// with its network, training data carry it from the file they were read from, and a model
/// file stores it.
public struct DataEncoding: Codable, Equatable, Sendable {
    /// How the network's outputs map to labels.
    public var labels: LabelEncoding
    /// The feature scaling fitted on the training set, applied to raw inputs before the network.
    public var scaler: FeatureScaler
    /// The CSV columns the network reads, in order (empty for images).
    public var featureNames: [String]
    /// The CSV label column (nil for images).
    public var labelName: String?
    /// What a raw input row is, which sets the divisor d applied as it is read.
    public var input: InputKind

    /// An encoding with these parts.
    public init(
        labels: LabelEncoding, scaler: FeatureScaler, featureNames: [String] = [], labelName: String? = nil,
        input: InputKind = .table
    ) {
        self.labels = labels
        self.scaler = scaler
        self.featureNames = featureNames
        self.labelName = labelName
        self.input = input
    }
}
