import Foundation

/// Reads and writes models as safetensors files.
///
/// Tensors: `layers.{i}.weight`, shape (out, in), and `layers.{i}.bias`, shape (out), for
/// i = 0 … L−2, as F32, F64 or BF16: the names and layout of PyTorch's `nn.Linear`. Metadata:
/// `format` = "backprop", `format_version` = "1", and `model`, a JSON string describing the
/// architecture, loss, task, classes, feature names, the steps from a file's values v to the
/// network's input (`input_divisor` d, then `scaler`: x = (v / d − shift) / scale) and training.
public enum ModelFile {
    /// The `format_version` written and read; files of other versions are refused.
    public static let formatVersion = 1

    typealias Tensor = (name: String, dtype: SafeTensors.DType, shape: [Int], data: [UInt8])

    /// Writes `model` to `path` atomically (a temporary file renamed into place).
    /// - Parameters:
    ///   - model: the model, with its scaling, labels and training record.
    ///   - path: the file to write (replaced if it exists).
    ///   - double: store F64 rather than F32 tensors (default: the model's own precision).
    ///   - bfloat16: store BF16 tensors, the parameters rounded to nearest even (half the
    ///     size of F32; PyTorch reads them as `torch.bfloat16`); reading widens them exactly.
    public static func write<S: Scalar>(_ model: Model<S>, to path: String, double: Bool? = nil, bfloat16: Bool = false) throws {
        try writeAtomically(encode(model, extraTensors: [], extraMetadata: [:], double: double, bfloat16: bfloat16), to: path)
    }

    /// The bytes of `model`'s file, as `write` stores them: for a download, a database or a
    /// network message.
    /// - Parameters:
    ///   - model: the model, with its scaling, labels and training record.
    ///   - double: F64 rather than F32 tensors (default: the model's own precision).
    ///   - bfloat16: BF16 tensors, as `write` stores them with `bfloat16`.
    public static func data<S: Scalar>(of model: Model<S>, double: Bool? = nil, bfloat16: Bool = false) throws -> Data {
        Data(try encode(model, extraTensors: [], extraMetadata: [:], double: double, bfloat16: bfloat16))
    }

    /// The safetensors bytes of `model` with `extraTensors` and `extraMetadata` (a checkpoint's).
    static func encode<S: Scalar>(
        _ model: Model<S>, extraTensors: [Tensor], extraMetadata: [String: String], double: Bool?, bfloat16: Bool = false
    ) throws -> [UInt8] {
        let dtype = bfloat16 ? .bf16 : self.dtype(S.self, double: double)
        let json = try encodedJSON(ModelDescription(model))
        var metadata = ["format": "backprop", "format_version": "\(formatVersion)", "model": json]
        metadata.merge(extraMetadata) { $1 }
        return try SafeTensors.encode(tensors(of: model.network, dtype: dtype) + extraTensors, metadata: metadata)
    }

    static func dtype<S: Scalar>(_: S.Type, double: Bool?) -> SafeTensors.DType {
        (double ?? (S.self == Double.self)) ? .f64 : .f32
    }

    /// `{prefix}layers.{i}.weight` and `{prefix}layers.{i}.bias` for every layer.
    static func tensors<S: Scalar>(of network: Network<S>, prefix: String = "", dtype: SafeTensors.DType) -> [Tensor] {
        network.layers.enumerated().flatMap { i, layer -> [Tensor] in
            [("\(prefix)layers.\(i).weight", dtype, [layer.outputSize, layer.inputSize], layer.weight.elements.littleEndianBytes(dtype)),
             ("\(prefix)layers.\(i).bias", dtype, [layer.outputSize], layer.bias.littleEndianBytes(dtype))]
        }
    }

    static func encodedJSON<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decodedJSON<T: Decodable>(_ type: T.Type, _ text: String, path: String, field: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(type, from: Data(text.utf8))
        } catch let error as BackpropError {
            throw DataError.malformed(path: path, location: field, message: error.description)
        } catch {
            throw DataError.malformed(path: path, location: field, message: "not a valid description (\(error))")
        }
    }

    /// Reads a model, validating everything before trusting it: the container (see
    /// `SafeTensors`), the metadata, every expected tensor present and no other, shapes
    /// that match the architecture, and finite values. A checkpoint file reads as its model.
    /// - Throws: `DataError` naming the file and the field at fault.
    /// - Parameters:
    ///   - path: the model file.
    ///   - precision: the scalar type to compute in (`Float` or `Double`).
    ///   - maximumBytes: the largest file read (see `InputFile`).
    public static func read<S: Scalar>(
        from path: String, as precision: S.Type = S.self, maximumBytes: Int = InputFile.defaultMaximumBytes
    ) throws -> Model<S> {
        try readFile(path, as: S.self, maximumBytes: maximumBytes).model
    }

    /// Reads a model from the bytes of a model file (an upload, say), validated as `read(from:)`
    /// validates a file.
    /// - Parameters:
    ///   - data: the file's bytes.
    ///   - name: what error messages call it, in place of a path (e.g. "the uploaded model").
    ///   - precision: the scalar type to compute in (`Float` or `Double`).
    /// - Throws: `DataError` naming `name` and the field at fault.
    public static func read<S: Scalar>(from data: Data, named name: String, as precision: S.Type = S.self) throws -> Model<S> {
        try decode(SafeTensors(decoding: [UInt8](data), path: name), path: name, as: S.self).model
    }

    /// The container, the model description and the model of a model or checkpoint file.
    static func readFile<S: Scalar>(
        _ path: String, as _: S.Type, maximumBytes: Int
    ) throws -> (file: SafeTensors, description: ModelDescription, model: Model<S>) {
        try decode(SafeTensors(decoding: InputFile.read(path, maximumBytes: maximumBytes), path: path), path: path, as: S.self)
    }

    /// The model description and the model in `file`, read from `path`.
    static func decode<S: Scalar>(
        _ file: SafeTensors, path: String, as _: S.Type
    ) throws -> (file: SafeTensors, description: ModelDescription, model: Model<S>) {
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
        let description = try decodedJSON(ModelDescription.self, json, path: path, field: "__metadata__.model")
        guard !description.layers.isEmpty else { throw fail("__metadata__.model.layers", "no layers") }
        let input = description.encoding.input
        if let divisor = description.inputDivisor, divisor != input.divisor {
            throw fail("__metadata__.model.input_divisor", "\(divisor) disagrees with \(input.rawValue) input, which is divided by \(input.divisor)")
        }
        let isCheckpoint = file.metadata["checkpoint"] != nil
        let expected = Set(description.layers.indices.flatMap { ["layers.\($0).weight", "layers.\($0).bias"] })
        let extra = Set(file.tensors.keys).subtracting(expected)
            .filter { !(isCheckpoint && ($0.hasPrefix("best.") || $0.hasPrefix("optimizer."))) }
        if let name = extra.sorted().first {
            throw fail(name, "unexpected tensor for a \(description.layers.count)-layer model")
        }
        let network: Network<S> = try self.network(from: file, description: description, path: path)
        do {
            var model = try Model(network: network, encoding: description.encoding)
            model.training = description.training
            return (file, description, model)
        } catch let error as BackpropError {
            throw fail("model", error.description)
        }
    }

    /// The network whose parameters are the tensors `{prefix}layers.*`.
    static func network<S: Scalar>(
        from file: SafeTensors, description: ModelDescription, prefix: String = "", path: String
    ) throws -> Network<S> {
        func fail(_ location: String, _ message: String) -> DataError {
            DataError.malformed(path: path, location: location, message: message)
        }
        do {
            var layers: [Dense<S>] = []
            for (i, layer) in description.layers.enumerated() {
                let weight: [S] = try tensor(file, "\(prefix)layers.\(i).weight", shape: [layer.outputSize, layer.inputSize], path: path)
                let bias: [S] = try tensor(file, "\(prefix)layers.\(i).bias", shape: [layer.outputSize], path: path)
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
            return try Network(layers: layers, loss: loss)
        } catch let error as BackpropError {
            throw fail("\(prefix)model", error.description)
        }
    }

    static func tensor<S: Scalar>(_ file: SafeTensors, _ name: String, shape: [Int], path: String) throws -> [S] {
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

/// The `model` metadata of a model file: the architecture, the data encoding's fields beside
/// it in the same JSON object, and the training record.
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
    var encoding: DataEncoding
    /// `encoding.input.divisor`, stated in the file so that tools reading it (ONNX export, servers,
    /// Python) apply every step from a file's values to the network's input.
    var inputDivisor: Double?
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
        encoding = model.encoding
        inputDivisor = model.encoding.input.divisor
        training = model.training
    }

    private enum CodingKeys: String, CodingKey {
        case layers, loss, inputDivisor, training
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        layers = try container.decode([Layer].self, forKey: .layers)
        loss = try container.decode(String.self, forKey: .loss)
        encoding = try DataEncoding(from: decoder)
        inputDivisor = try container.decodeIfPresent(Double.self, forKey: .inputDivisor)
        training = try container.decodeIfPresent(TrainingRecord.self, forKey: .training)
    }

    func encode(to encoder: any Encoder) throws {
        try encoding.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(layers, forKey: .layers)
        try container.encode(loss, forKey: .loss)
        try container.encodeIfPresent(inputDivisor, forKey: .inputDivisor)
        try container.encodeIfPresent(training, forKey: .training)
    }
}
