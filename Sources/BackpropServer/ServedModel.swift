#if Server
import Backprop
import Foundation

/// One loaded version of the served model, with what requests need precomputed: the feature
/// names' columns, 1/d for the input divisor, the class names as JSON strings and the
/// metadata document. Immutable: a reload makes a new one, and requests in flight keep
/// theirs.
final class ServedModel: Sendable {
    let model: Model<Float>
    let name: String
    /// 1, 2, … : one more for each successful reload.
    let version: Int
    let loadedAt: Date
    /// Column j of each feature name.
    let featureColumns: [String: Int]
    /// 1/d: a file's values v become v/d before scaling (d = 255 for images).
    let inverseDivisor: Float
    /// Each class name as a JSON string, quotes included.
    let classNamesJSON: [String]
    /// The body of `GET /v1/models/NAME`.
    let metadataJSON: [UInt8]

    var inputSize: Int { model.network.inputSize }
    var outputSize: Int { model.network.outputSize }
    var isClassifier: Bool { model.encoding.labels.task == .classification }

    init(model: Model<Float>, name: String, version: Int, file: String) throws {
        self.model = model
        self.name = name
        self.version = version
        loadedAt = Date()
        featureColumns = Dictionary(model.encoding.featureNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        inverseDivisor = Float(1 / model.encoding.input.divisor)
        classNamesJSON = model.encoding.labels.classNames.map(jsonQuoted)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        metadataJSON = Array(try encoder.encode(ModelMetadata(model, name: name, version: version, file: file, loadedAt: loadedAt)))
    }
}

extension ServedModel {
    /// `[{"name": …, "version": "…", "state": "READY"}, …]`: Triton's repository index.
    static func indexJSON(_ models: [ServedModel]) -> String {
        "[" + models.map { "{\"name\":\(jsonQuoted($0.name)),\"version\":\"\($0.version)\",\"state\":\"READY\"}" }.joined(separator: ",") + "]"
    }
}

/// `GET /v1/models/NAME`: TensorFlow Serving's `model_version_status`, then what the model
/// reads and predicts and how it was trained.
struct ModelMetadata: Encodable {
    struct VersionStatus: Encodable {
        struct Status: Encodable {
            var errorCode = "OK"
            var errorMessage = ""
        }
        var version: String
        var state = "AVAILABLE"
        var status = Status()
    }
    struct Inputs: Encodable {
        var count: Int
        var kind: String
        var divisor: Double
        var scaling: String
        var featureNames: [String]
    }
    struct Layer: Encodable {
        var inputs: Int
        var outputs: Int
        var activation: String
        var dropout: Double
        var parameters: Int
    }
    struct Training: Encodable {
        var epochs: Int
        var finalTrainLoss: Double?
        var finalValidationLoss: Double?
        var finalValidationAccuracy: Double?
        var settings: [String: String]
    }
    var name: String
    var version: Int
    var modelVersionStatus: [VersionStatus]
    var file: String
    var loadedAt: Date
    var task: String
    var inputs: Inputs
    var outputs: Int
    var classes: [String]
    var labelName: String?
    var loss: String
    var layers: [Layer]
    var parameters: Int
    var training: Training?

    init(_ model: Model<Float>, name: String, version: Int, file: String, loadedAt: Date) {
        let network = model.network
        self.name = name
        self.version = version
        modelVersionStatus = [VersionStatus(version: "\(version)")]
        self.file = URL(fileURLWithPath: file).lastPathComponent
        self.loadedAt = loadedAt
        task = model.encoding.labels.task.rawValue
        inputs = Inputs(
            count: network.inputSize, kind: model.encoding.input.rawValue, divisor: model.encoding.input.divisor,
            scaling: model.encoding.scaler.kind.rawValue, featureNames: model.encoding.featureNames)
        outputs = network.outputSize
        classes = model.encoding.labels.classNames
        labelName = model.encoding.labelName
        loss = network.loss.name
        layers = network.layers.map {
            Layer(inputs: $0.inputSize, outputs: $0.outputSize, activation: $0.activation.description, dropout: $0.dropout, parameters: $0.parameterCount)
        }
        parameters = network.parameterCount
        training = model.training.map { record in
            let last = record.history.epochs.last
            return Training(
                epochs: record.history.epochs.count, finalTrainLoss: last?.trainLoss, finalValidationLoss: last?.validationLoss,
                finalValidationAccuracy: last?.validationAccuracy, settings: record.settings)
        }
    }
}

/// `text` as a JSON string literal (RFC 8259 §7): quotes, backslash and control characters escaped.
package func jsonQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
#endif
