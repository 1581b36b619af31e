#if Server
import Backprop
import Hummingbird

/// The output tensors of a v2 infer response, from the network's outputs a^L, as the
/// TensorFlow Serving route reads them (`LabelEncoding.prediction(fromOutput:)`):
///
/// | model | output | datatype | shape |
/// |---|---|---|---|
/// | classifier | `probabilities`: every class's probability, in the order of the classes | FP32 | [N, K] |
/// | classifier | `class`: the predicted class's name | BYTES | [N] |
/// | regressor | `values`: the predicted values | FP32 | [N, n_L] |
///
/// Over REST each goes as JSON "data" or, asked for with `binary_data`, as raw bytes after the JSON
/// (little-endian FP32; BYTES as a 4-byte little-endian length before each string).
enum InferenceResponse {
    static let probabilities = "probabilities"
    static let className = "class"
    static let values = "values"

    /// One output to send, and whether as binary.
    struct Selected {
        var name: String
        var binary: Bool
    }

    /// The output tensors of `model`: name, datatype and shape with -1 for the batch.
    static func outputs(of model: ServedModel) -> [(name: String, datatype: String, shape: [Int])] {
        guard model.isClassifier else { return [(values, "FP32", [-1, model.outputSize])] }
        return [(probabilities, "FP32", [-1, classCount(model)]), (className, "BYTES", [-1])]
    }

    /// K: one probability per class (two for a single sigmoid output).
    static func classCount(_ model: ServedModel) -> Int {
        model.outputSize == 1 ? 2 : model.outputSize
    }

    /// The outputs `request` asks for, in its order (every output, in the model's order, when
    /// it names none).
    /// - Throws: `RequestError` (400) for an output the model lacks, or one asked for twice.
    static func selection(_ request: InferenceRequest, model: ServedModel) throws(RequestError) -> [Selected] {
        let names = outputs(of: model).map(\.name)
        guard let asked = request.outputs, !asked.isEmpty else {
            return names.map { Selected(name: $0, binary: request.binaryDataOutput) }
        }
        var seen = Set<String>()
        var selected: [Selected] = []
        for output in asked {
            guard names.contains(output.name) else {
                throw RequestError(
                    .badRequest,
                    "model '\(model.name)' has no output '\(output.name.prefix(64))'; its outputs are \(names.map { "'\($0)'" }.joined(separator: ", "))")
            }
            guard seen.insert(output.name).inserted else { throw RequestError(.badRequest, "the output '\(output.name)' is asked for twice") }
            selected.append(Selected(name: output.name, binary: output.binaryData ?? request.binaryDataOutput))
        }
        return selected
    }

    /// The selected output tensors for `rows` outputs a^L, read as the TensorFlow Serving
    /// route reads them.
    static func tensors(_ outputs: ArraySlice<Float>, rows: Int, model: ServedModel, selected: [Selected]) -> [OutputTensor] {
        let width = model.outputSize
        let k = model.isClassifier ? classCount(model) : width
        var numbers: [Float] = []
        numbers.reserveCapacity(rows * k)
        var classes: [String] = []
        for r in 0..<rows {
            let row = outputs[(outputs.startIndex + r * width)..<(outputs.startIndex + (r + 1) * width)]
            switch model.model.encoding.labels.prediction(fromOutput: row) {
            case .classification(_, let name, let p):
                numbers.append(contentsOf: p)
                classes.append(name)
            case .values(let v):
                numbers.append(contentsOf: v)
            }
        }
        return selected.map { output in
            output.name == className
                ? OutputTensor(name: output.name, shape: [rows], binary: output.binary, values: .bytes(classes))
                : OutputTensor(name: output.name, shape: [rows, k], binary: output.binary, values: .fp32(numbers))
        }
    }

    /// The REST response: the JSON header, and the binary tensors after it.
    static func make(_ result: InferenceResult) -> Response {
        var json = "{\"model_name\":\(jsonQuoted(result.modelName)),\"model_version\":\"\(result.modelVersion)\""
        if let id = result.id { json += ",\"id\":\(jsonQuoted(id))" }
        json += ",\"outputs\":["
        var binary: [UInt8] = []
        for (n, output) in result.outputs.enumerated() {
            if n > 0 { json += "," }
            let shape = output.shape.map(String.init).joined(separator: ",")
            json += "{\"name\":\"\(output.name)\",\"datatype\":\"\(output.datatype)\",\"shape\":[\(shape)],"
            if output.binary {
                let bytes = output.rawBytes
                binary.append(contentsOf: bytes)
                json += "\"parameters\":{\"binary_data_size\":\(bytes.count)}}"
            } else {
                switch output.values {
                case .bytes(let classes): json += "\"data\":[" + classes.map(jsonQuoted).joined(separator: ",") + "]}"
                case .fp32(let numbers): json += "\"data\":[" + numbers.map(jsonNumber).joined(separator: ",") + "]}"
                }
            }
        }
        json += "]}"
        return BinaryTensorFraming.response(json: json, binary: binary)
    }
}
#endif
