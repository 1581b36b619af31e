import Backprop
import Foundation

/// Raw examples read from a CSV or IDX file: features before scaling, labels as text.
struct LoadedData {
    var path: String
    var features: Matrix<Float>
    /// One label per row, or nil when the file has none (prediction input).
    var labels: [String]?
    var featureNames: [String]
    var labelName: String?
    var input: InputKind

    var count: Int { features.rows }

    /// Reads `path`: a CSV table with a header, or an IDX images file (gzipped or not).
    ///
    /// - Parameters:
    ///   - labelsPath: IDX labels (default: the MNIST name beside the images).
    ///   - labelColumn: CSV label column by name or 1-based index (default: the model's,
    ///     else a column named `label`, else the last column).
    ///   - model: when set, the features are the model's columns, found by name.
    ///   - needsLabels: whether a missing label column or file is an error.
    static func load(
        _ path: String, labelsPath: String? = nil, labelColumn: String? = nil,
        model: Model<Float>? = nil, needsLabels: Bool
    ) throws -> LoadedData {
        if isIDX(path) {
            let images: Matrix<Float> = try IDXFile(contentsOf: path).images(path: path)
            var labels: [String]?
            let labelFile = labelsPath ?? defaultLabelsPath(for: path)
            if let labelFile, labelsPath != nil || needsLabels || FileManager.default.fileExists(atPath: labelFile) {
                let indices = try IDXFile(contentsOf: labelFile).labels(path: labelFile)
                guard indices.count == images.rows else {
                    throw DataError.malformed(
                        path: labelFile, location: "dimension 1",
                        message: "\(indices.count) labels, but \(path) holds \(images.rows) images")
                }
                labels = indices.map(String.init)
            } else if needsLabels {
                throw CLIError("\(path): cannot derive the labels file name (no 'images-idx3' in it); pass the labels file")
            }
            return LoadedData(path: path, features: images, labels: labels, featureNames: [], labelName: nil, input: .images)
        }
        let table = try CSVTable(contentsOf: path)
        var labelIndex: Int?
        if let labelColumn {
            labelIndex = try table.columnIndex(labelColumn)
        } else if let name = model?.labelName ?? (table.header.contains("label") ? "label" : nil) {
            labelIndex = table.header.firstIndex(of: name)
        } else if model == nil {
            labelIndex = table.header.count - 1
        }
        if needsLabels, labelIndex == nil {
            throw CLIError("\(path): no label column '\(model?.labelName ?? "label")'; choose one with --label")
        }
        let featureColumns: [Int]
        if let model, !model.featureNames.isEmpty {
            featureColumns = try model.featureNames.map { name in
                guard let index = table.header.firstIndex(of: name) else {
                    throw DataError.malformed(
                        path: path, location: "line 1", message: "no column '\(name)', which the model reads")
                }
                return index
            }
        } else {
            featureColumns = table.header.indices.filter { $0 != labelIndex }
        }
        guard !featureColumns.isEmpty else {
            throw DataError.malformed(path: path, location: "line 1", message: "no feature columns besides the label")
        }
        return LoadedData(
            path: path, features: try table.numbers(columns: featureColumns),
            labels: labelIndex.map { i in table.rows.map { $0[i] } },
            featureNames: featureColumns.map { table.header[$0] }, labelName: labelIndex.map { table.header[$0] },
            input: .table)
    }

    /// The targets for these labels under `encoding`.
    func targets(_ encoding: LabelEncoding) throws -> Targets<Float> {
        guard let labels else { throw CLIError("\(path): no labels") }
        return try encoding.targets(labels, path: path, column: labelName ?? "label")
    }

    /// The rows at `indices`.
    func subset(_ indices: [Int]) throws -> LoadedData {
        let width = features.columns
        var values: [Float] = []
        values.reserveCapacity(indices.count * width)
        for i in indices { values += features.elements[(i * width)..<((i + 1) * width)] }
        var copy = self
        copy.features = try Matrix(rows: indices.count, columns: width, elements: values)
        copy.labels = labels.map { all in indices.map { all[$0] } }
        return copy
    }
}

func isIDX(_ path: String) -> Bool {
    let name = URL(fileURLWithPath: path).lastPathComponent.lowercased()
    return name.contains("idx") || name.hasSuffix(".ubyte") || name.hasSuffix(".ubyte.gz")
}

func defaultLabelsPath(for images: String) -> String? {
    guard images.contains("images-idx3") else { return nil }
    return images.replacingOccurrences(of: "images-idx3", with: "labels-idx1")
}
