import Foundation

/// Reads and writes models as safetensors files.
///
/// Tensors: `layers.{i}.weight`, shape (out, in), and `layers.{i}.bias`, shape (out), for
/// i = 0 … L−2, as F32 or F64: the names and layout of PyTorch's `nn.Linear`. Metadata:
/// `format` = "backprop", `format_version` = "1", and `model`, a JSON string describing the
/// architecture, loss, task, classes, feature names, feature scaling and training.
public enum ModelFile {
    public static let formatVersion = 1

    /// Writes `model` to `path` atomically (a temporary file renamed into place).
    /// - Parameter double: store F64 rather than F32 tensors (default: the model's own precision).
    public static func write<S: Scalar>(_ model: Model<S>, to path: String, double: Bool? = nil) throws {
        let dtype: SafeTensors.DType = (double ?? (S.self == Double.self)) ? .f64 : .f32
        var tensors: [(name: String, dtype: SafeTensors.DType, shape: [Int], data: [UInt8])] = []
        for (i, layer) in model.network.layers.enumerated() {
            tensors.append(("layers.\(i).weight", dtype, [layer.outputSize, layer.inputSize], layer.weight.elements.littleEndianBytes(dtype)))
            tensors.append(("layers.\(i).bias", dtype, [layer.outputSize], layer.bias.littleEndianBytes(dtype)))
        }
        let description = ModelDescription(model)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(description), as: UTF8.self)
        let metadata = ["format": "backprop", "format_version": "\(formatVersion)", "model": json]
        try writeAtomically(SafeTensors.encode(tensors, metadata: metadata), to: path)
    }

    /// Reads a model, validating everything before trusting it: the container (see
    /// `SafeTensors`), the metadata, every expected tensor present and no other, shapes
    /// that match the architecture, and finite values.
    /// - Throws: `DataError` naming the file and the field at fault, or `BackpropError`
    ///   (prefixed with the path) for an inconsistent architecture.
    public static func read<S: Scalar>(from path: String, as _: S.Type = S.self) throws -> Model<S> {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError.unreadable(path: path, reason: "no such file, or permission denied")
        }
        let file = try SafeTensors(decoding: Array(data), path: path)
        func fail(_ location: String, _ message: String) -> DataError {
            DataError.malformed(path: path, location: location, message: message)
        }
        guard file.metadata["format"] == "backprop" else {
            throw fail("__metadata__.format", "expected \"backprop\"; is this a Backprop model file?")
        }
        guard file.metadata["format_version"] == "\(formatVersion)" else {
            throw fail("__metadata__.format_version", "version \(file.metadata["format_version"] ?? "none") is not supported, expected \(formatVersion)")
        }
        guard let json = file.metadata["model"] else { throw fail("__metadata__.model", "missing") }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let description: ModelDescription
        do {
            description = try decoder.decode(ModelDescription.self, from: Data(json.utf8))
        } catch {
            throw fail("__metadata__.model", "not a valid model description (\(error))")
        }
        guard !description.layers.isEmpty else { throw fail("__metadata__.model.layers", "no layers") }
        let expected = Set(description.layers.indices.flatMap { ["layers.\($0).weight", "layers.\($0).bias"] })
        if let extra = Set(file.tensors.keys).subtracting(expected).sorted().first {
            throw fail(extra, "unexpected tensor for a \(description.layers.count)-layer model")
        }
        do {
            var layers: [Dense<S>] = []
            for (i, layer) in description.layers.enumerated() {
                let weight: [S] = try tensor(file, "layers.\(i).weight", shape: [layer.outputSize, layer.inputSize], path: path)
                let bias: [S] = try tensor(file, "layers.\(i).bias", shape: [layer.outputSize], path: path)
                guard let activation = Activation(name: layer.activation, slope: layer.slope ?? 0.01) else {
                    throw fail("__metadata__.model.layers[\(i)].activation", "unknown activation '\(layer.activation)'")
                }
                layers.append(try Dense(
                    weight: Matrix(rows: layer.outputSize, columns: layer.inputSize, elements: weight),
                    bias: bias, activation: activation, dropout: layer.dropout ?? 0))
            }
            guard let loss = Loss(name: description.loss) else {
                throw fail("__metadata__.model.loss", "unknown loss '\(description.loss)'")
            }
            return try Model(
                network: Network(layers: layers, loss: loss), labels: description.labels, scaler: description.scaler,
                featureNames: description.featureNames, labelName: description.labelName, input: description.input,
                training: description.training)
        } catch let error as BackpropError {
            throw fail("model", error.description)
        }
    }

    private static func tensor<S: Scalar>(_ file: SafeTensors, _ name: String, shape: [Int], path: String) throws -> [S] {
        guard let tensor = file.tensors[name] else {
            throw DataError.malformed(path: path, location: name, message: "missing tensor")
        }
        guard tensor.shape == shape else {
            throw DataError.malformed(
                path: path, location: "\(name).shape", message: "\(tensor.shape) disagrees with the architecture's \(shape)")
        }
        return tensor.values(as: S.self)
    }
}

/// The `model` metadata of a model file.
struct ModelDescription: Codable {
    struct Layer: Codable {
        var inputSize: Int
        var outputSize: Int
        var activation: String
        var slope: Double?
        var dropout: Double?
    }

    var layers: [Layer]
    var loss: String
    var labels: LabelEncoding
    var scaler: FeatureScaler
    var featureNames: [String]
    var labelName: String?
    var input: InputKind
    var training: TrainingRecord?

    init<S: Scalar>(_ model: Model<S>) {
        layers = model.network.layers.map { layer in
            var slope: Double?
            if case .leakyReLU(let s) = layer.activation { slope = s }
            return Layer(
                inputSize: layer.inputSize, outputSize: layer.outputSize, activation: layer.activation.name,
                slope: slope, dropout: layer.dropout == 0 ? nil : layer.dropout)
        }
        loss = model.network.loss.name
        labels = model.labels
        scaler = model.scaler
        featureNames = model.featureNames
        labelName = model.labelName
        input = model.input
        training = model.training
    }
}
