extension Model {
    /// Reads labelled examples from a data file as this model sees them: its columns (by
    /// name), its label encoding and its feature scaling.
    /// - Parameters:
    ///   - path: a CSV table with the model's columns, or an IDX images file.
    ///   - options: the labels file or column (default: the model's label column).
    /// - Throws: `DataError` for an unreadable or malformed file, a missing column, or a
    ///   label that is not one of the model's classes.
    public func dataset(reading path: String, options: DataFileOptions = DataFileOptions()) throws -> Dataset<S> {
        var options = options
        options.requiresLabels = true
        let raw = try examples(reading: path, options: options)
        return try dataset(inputs: raw.features, targets: raw.targets(encoding.labels))
    }

    /// Training data read as this model was trained: its columns, label encoding and scaling,
    /// the validation part held out as `options` say (to continue a checkpoint's run).
    /// - Throws: as `dataset(reading:options:)`, and for a validation fraction that leaves a part empty.
    public func trainingData(reading path: String, options: TrainingDataOptions) throws -> TrainingData<S> {
        var file = options.file
        file.requiresLabels = true
        let raw = try examples(reading: path, options: file)
        return try TrainingData.prepare(raw, labels: encoding.labels, options: options) { _ in encoding.scaler }
    }

    /// Reads a data file with this model's columns and label column (the labels, if any, are
    /// kept as text), checking that its features fit the network.
    /// - Throws: `DataError` for an unreadable or malformed file or a missing column.
    public func examples(reading path: String, options: DataFileOptions = DataFileOptions(requiresLabels: false)) throws -> RawExamples<S> {
        var options = options
        options.labelColumn = options.labelColumn ?? encoding.labelName
        options.featureNames = encoding.featureNames
        let raw = try RawExamples<S>.read(path, options: options)
        guard raw.features.columns == network.inputSize else {
            throw DataError.malformed(
                path: path, location: raw.input == .images ? "dimensions" : "line 1",
                message: "\(raw.features.columns) features per example, but the model reads \(network.inputSize)")
        }
        return raw
    }
}
