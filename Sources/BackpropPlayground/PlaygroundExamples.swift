import Backprop
import Foundation

/// The examples a playground run learns from: one of the built-in 2-D datasets, or a CSV
/// table the learner uploaded (any number of features, string labels, many classes).
public struct PlaygroundExamples: Sendable {
    /// The training and the test set, as the network reads them.
    public var train: Dataset<Float>, test: Dataset<Float>
    /// What the examples are, as a model trained on them keeps it: the labels (classification
    /// with the class names, or regression), the feature names (the chosen features of a
    /// built-in dataset, or the table's columns), the feature scaling (standardization
    /// fitted on a table's training part; the identity for the built-in data) and the label
    /// column (`label` for the built-in data).
    public var encoding: DataEncoding
    /// The built-in dataset's points (nil for a table): what the page plots.
    public var points: PlanarPoints?

    /// The built-in dataset the settings choose, with the settings' features.
    init(planar settings: PlaygroundSettings) throws {
        let points = try settings.data.points(count: settings.count, noise: settings.noise, seed: settings.seed)
        let trainCount = Int(Double(settings.count) * settings.trainFraction)
        train = try points.dataset(features: settings.features, range: 0..<trainCount)
        test = try points.dataset(features: settings.features, range: trainCount..<settings.count)
        encoding = DataEncoding(
            labels: try LabelEncoding(task: settings.data.task, classNames: settings.data.classNames),
            scaler: .identity(count: settings.features.count), featureNames: settings.features.map(\.rawValue),
            labelName: "label")
        self.points = points
    }

    /// An uploaded table, split by the settings' train fraction and seed, its features
    /// standardized on the training part (the library's CSV reader, as `backprop train` reads it).
    /// - Throws: `DataError` naming the file, line and column of what could not be read.
    init(table: PlaygroundTable, settings: PlaygroundSettings) throws {
        var file = DataFileOptions(labelColumn: table.labelColumn)
        file.maximumBytes = PlaygroundTable.maximumBytes
        let data = try TrainingData<Float>.load(
            table.path, options: TrainingDataOptions(file: file, validationFraction: 1 - settings.trainFraction, seed: settings.seed))
        guard let test = data.validation else {
            throw BackpropError.invalidHyperparameter(name: "trainFraction", value: "\(settings.trainFraction)", expected: "below 1")
        }
        train = data.training
        self.test = test
        encoding = data.encoding
        points = nil
    }

    /// All the examples: the training set's, then the test set's.
    public var count: Int { train.count + test.count }

    /// The dataset and row of example `index` (training examples first).
    func locate(_ index: Int) -> (data: Dataset<Float>, row: Int) {
        index < train.count ? (train, index) : (test, index - train.count)
    }
}

/// A CSV file uploaded to the playground, kept on disk for the runs that use it.
public struct PlaygroundTable: Sendable {
    /// The largest upload accepted (16 MiB): the CSV text of about `PlaygroundBudget`'s
    /// most values, which is what a run may hold.
    public static let maximumBytes = 16 << 20
    /// Where the upload was saved; its file name is the uploaded one, so errors name it.
    public let path: String
    /// The label column by name or 1-based index; nil for the library's default (a column
    /// named `label`, else the last).
    public let labelColumn: String?

    /// A table saved at `path`.
    public init(path: String, labelColumn: String?) {
        self.path = path
        self.labelColumn = labelColumn
    }
}
