import Foundation

/// How to read a data file: where its labels are and which columns to use.
public struct DataFileOptions: Sendable {
    /// IDX labels for an IDX images file (default: the file named with `labels-idx1` in place
    /// of `images-idx3`).
    public var labelsPath: String?
    /// A CSV file's label column, by name or 1-based index (default: the column named
    /// `label`, else the last column unless `featureNames` are given). Where labels are not
    /// required, a column of this name that the file lacks means no labels.
    public var labelColumn: String?
    /// Whether a missing label column or labels file is an error (it is not for prediction inputs).
    public var requiresLabels: Bool
    /// The CSV columns to read as features, by name (a model's); default: all but the label.
    public var featureNames: [String]?
    /// The most bytes held from one file (a CSV file, or an IDX file decompressed).
    public var maximumBytes = InputFile.defaultMaximumBytes
    /// The part of the file to read (see `DataShard`); the whole file by default.
    public var shard = DataShard.whole

    /// Options as given; each nil takes the default its property describes.
    public init(
        labelsPath: String? = nil, labelColumn: String? = nil, requiresLabels: Bool = true, featureNames: [String]? = nil
    ) {
        self.labelsPath = labelsPath
        self.labelColumn = labelColumn
        self.requiresLabels = requiresLabels
        self.featureNames = featureNames
    }
}

/// Examples as a data file holds them: features before any scaling, labels as text.
///
/// A CSV table with a header row, or an IDX images file (gzipped or not) whose pixels are
/// read as x / 255, with its IDX labels file.
public struct RawExamples<S: Scalar>: Sendable {
    /// The file the examples were read from.
    public var path: String
    /// One example per row.
    public var features: Matrix<S>
    /// One label per row, or nil when the file has none (prediction inputs).
    public var labels: [String]?
    /// The CSV columns read as features, in order (empty for images).
    public var featureNames: [String]
    /// The CSV label column.
    public var labelName: String?
    /// Whether the rows come from a CSV table or IDX images.
    public var input: InputKind
    /// Where a CSV table's rows are in its file, for errors (nil: IDX, or row i on line i + 2).
    var lines: RowLines?

    /// The number of examples (rows of `features`).
    public var count: Int { features.rows }

    /// Reads `path`: an IDX images file when its name says so (`idx`, `.ubyte`), else a CSV table.
    /// - Throws: `DataError` naming the file and the line, column or field at fault.
    public static func read(_ path: String, options: DataFileOptions = DataFileOptions()) throws -> RawExamples {
        isIDX(path) ? try readIDX(path, options: options) : try readCSV(path, options: options)
    }

    private static func readIDX(_ path: String, options: DataFileOptions) throws -> RawExamples {
        let images: Matrix<S> = try IDXFile(contentsOf: path, maximumBytes: options.maximumBytes, shard: options.shard)
            .images(path: path)
        var labels: [String]?
        let labelFile = options.labelsPath ?? defaultLabelsPath(for: path)
        if let labelFile,
           options.labelsPath != nil || options.requiresLabels || FileManager.default.fileExists(atPath: labelFile) {
            let indices = try IDXFile(contentsOf: labelFile, maximumBytes: options.maximumBytes, shard: options.shard)
                .labels(path: labelFile)
            guard indices.count == images.rows else {
                throw DataError.malformed(
                    path: labelFile, location: "dimension 1",
                    message: "\(indices.count) labels, but \(path) holds \(images.rows) images")
            }
            labels = indices.map(String.init)
        } else if options.requiresLabels {
            throw DataError.malformed(
                path: path, location: "file name",
                message: "cannot derive the labels file name (no 'images-idx3' in it); pass the labels file")
        }
        return RawExamples(path: path, features: images, labels: labels, featureNames: [], labelName: nil, input: .images)
    }

    private static func readCSV(_ path: String, options: DataFileOptions) throws -> RawExamples {
        let table = try CSVTable(contentsOf: path, maximumBytes: options.maximumBytes, shard: options.shard)
        let (labelIndex, featureColumns) = try options.columns(of: table.header, path: path)
        return RawExamples(
            path: path, features: try table.numbers(columns: featureColumns),
            labels: labelIndex.map { i in table.rows.map { $0[i] } },
            featureNames: featureColumns.map { table.header[$0] }, labelName: labelIndex.map { table.header[$0] },
            input: .table, lines: table.lines)
    }

    /// The targets for these labels under `encoding`.
    /// - Throws: `DataError` if the file has no labels, or a label is not one of the classes
    ///   (or not a number, for regression).
    public func targets(_ encoding: LabelEncoding) throws -> Targets<S> {
        guard let labels else {
            throw DataError.malformed(path: path, location: "labels", message: "the file has no labels")
        }
        return try encoding.targets(labels, path: path, column: labelName ?? "label", line: lines?.line)
    }

    /// The rows at `indices`, in that order.
    public func subset(_ indices: [Int]) throws -> RawExamples {
        let width = features.columns
        var values: [S] = []
        values.reserveCapacity(indices.count * width)
        for i in indices { values += features.elements[(i * width)..<((i + 1) * width)] }
        var copy = self
        copy.features = try Matrix(rows: indices.count, columns: width, elements: values)
        copy.labels = labels.map { all in indices.map { all[$0] } }
        return copy
    }

    /// Holds out a random `fraction` of the examples for validation (as Keras's
    /// `validation_split`, but drawn at random with `seed`); both parts keep the file's order.
    /// - Throws: `BackpropError.invalidHyperparameter` unless both parts get at least one example.
    public func split(validationFraction fraction: Double, seed: UInt64) throws -> (training: RawExamples, validation: RawExamples) {
        var random = RandomSource(seed: seed ^ 0xA11D_A7E5)
        var order = Array(0..<count)
        random.shuffle(&order)
        let held = fraction.isFinite ? Int((Double(count) * fraction).rounded()) : 0
        guard fraction > 0, fraction < 1, held >= 1, held < count else {
            throw BackpropError.invalidHyperparameter(
                name: "validation split", value: "\(fraction)",
                expected: "a fraction that leaves at least 1 of the \(count) examples on each side")
        }
        return (try subset(Array(order[held...]).sorted()), try subset(Array(order[..<held]).sorted()))
    }
}

extension DataFileOptions {
    /// The label column (nil: none) and the feature columns of a CSV table with `header`, as
    /// these options choose them.
    /// - Throws: `DataError` naming line 1 for a missing label or feature column.
    func columns(of header: [String], path: String) throws -> (label: Int?, features: [Int]) {
        var labelIndex: Int?
        if let column = labelColumn {
            labelIndex = requiresLabels ? try CSVTable.columnIndex(column, in: header, path: path) : header.firstIndex(of: column)
        } else if header.contains("label") {
            labelIndex = header.firstIndex(of: "label")
        } else if featureNames == nil {
            labelIndex = header.count - 1
        }
        if requiresLabels, labelIndex == nil {
            throw DataError.malformed(
                path: path, location: "line 1", message: "no label column '\(labelColumn ?? "label")'; name the label column")
        }
        let featureColumns: [Int]
        if let names = featureNames, !names.isEmpty {
            featureColumns = try names.map { name in
                guard let index = header.firstIndex(of: name) else {
                    throw DataError.malformed(
                        path: path, location: "line 1", message: "no column '\(name)', which the model reads")
                }
                return index
            }
        } else {
            featureColumns = header.indices.filter { $0 != labelIndex }
        }
        guard !featureColumns.isEmpty else {
            throw DataError.malformed(path: path, location: "line 1", message: "no feature columns besides the label")
        }
        return (labelIndex, featureColumns)
    }
}

/// Whether `path` names an IDX file (MNIST's naming: `…-idx3-ubyte`, `.ubyte.gz`).
func isIDX(_ path: String) -> Bool {
    let name = URL(fileURLWithPath: path).lastPathComponent.lowercased()
    return name.contains("idx") || name.hasSuffix(".ubyte") || name.hasSuffix(".ubyte.gz")
}

/// The MNIST name of the labels file beside an images file.
func defaultLabelsPath(for images: String) -> String? {
    guard images.contains("images-idx3") else { return nil }
    return images.replacingOccurrences(of: "images-idx3", with: "labels-idx1")
}
