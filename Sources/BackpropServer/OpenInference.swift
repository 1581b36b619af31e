#if Server
import Backprop

/// What the Open Inference Protocol ("v2") answers, whichever way it is asked: over REST
/// (`OpenInferenceRoutes`) or gRPC (the target BackpropGRPC). The front ends only translate
/// their wire format to and from these values, so that both check a request the same way,
/// send it through the same batcher and limits, and name the same fault in the same words.
extension ModelServer {
    /// The server's name in `GET /v2` and gRPC's ServerMetadata.
    package static let serverName = "backprop"

    /// The server's version there.
    package static let version = "0.29.0-dev"

    /// The protocol extensions it implements.
    package static let extensions = ["binary_tensor_data"]

    /// The platform that v2 metadata names.
    package static let platform = "backprop"

    /// Whether some model is served (v2's server readiness).
    package var isReady: Bool { !store.served.isEmpty }

    /// The served model `name` (at `version`, or its newest): its versions and tensors.
    /// - Throws: `RequestError` (404) naming what is served instead.
    package func modelDescription(_ name: String, version: String?) throws(RequestError) -> ModelDescription {
        let model = try model(named: name, version: version)
        return ModelDescription(
            name: model.name,
            versions: store.served.filter { $0.name == model.name }.map { "\($0.version)" },
            platform: Self.platform,
            inputs: [TensorMetadata(name: InferenceInputs.inputName, datatype: "FP32", shape: [-1, model.inputSize])],
            outputs: InferenceResponse.outputs(of: model).map { TensorMetadata(name: $0.name, datatype: $0.datatype, shape: $0.shape) })
    }

    /// The version of `name` that a request naming `version` (or none) gets.
    /// - Throws: `RequestError` (404) when it is not served.
    package func readyVersion(_ name: String, version: String?) throws(RequestError) -> Int {
        try model(named: name, version: version).version
    }

    /// Checks an infer request against the model it names and turns its input into x = v/d.
    /// - Parameters:
    ///   - binary: the input bytes sent apart from the request's numbers (REST's binary
    ///     tensor data after the JSON, gRPC's `raw_input_contents`), in the order of its
    ///     inputs, each `binaryDataSize` long.
    ///   - framed: whether binary data may be present at all (REST: the header
    ///     `Inference-Header-Content-Length` was sent).
    /// - Throws: `RequestError`: 404 for a model or version not served, 413 for more
    ///   examples than `--max-request-examples`, else 400 naming the fault.
    package func prepareInference(
        _ request: inout InferenceRequest, model name: String, version: String?, binary: UnsafeRawBufferPointer, framed: Bool
    ) throws(RequestError) -> PreparedInference {
        let model = try model(named: name, version: version)
        let selected = try InferenceResponse.selection(request, model: model)
        let (x, rows) = try InferenceInputs.decode(
            &request, binary: binary, framed: framed, model: model, maxExamples: configuration.requestExampleLimit)
        return PreparedInference(model: model, x: x, rows: rows, selected: selected, id: request.id)
    }

    /// The forward pass of a prepared request (batched with others), and its selected outputs.
    package func infer(_ prepared: PreparedInference) async throws -> InferenceResult {
        let model = prepared.model
        let outputs = try await batcher.predict(prepared.x, rows: prepared.rows, model: model)
        return InferenceResult(
            modelName: model.name, modelVersion: "\(model.version)", id: prepared.id,
            outputs: InferenceResponse.tensors(outputs[...], rows: prepared.rows, model: model, selected: prepared.selected))
    }
}

/// A tensor's name, datatype and shape, -1 for a dimension of any size.
package struct TensorMetadata: Sendable, Equatable {
    package var name: String
    package var datatype: String
    package var shape: [Int]
}

/// v2 model metadata: a model's served versions (newest first), platform and tensors.
package struct ModelDescription: Sendable {
    package var name: String
    package var versions: [String]
    package var platform: String
    package var inputs: [TensorMetadata]
    package var outputs: [TensorMetadata]
}

/// An infer request checked against its model: x, its rows, and the outputs to send.
package struct PreparedInference: Sendable {
    let model: ServedModel
    let x: [Float]
    let rows: Int
    let selected: [InferenceResponse.Selected]
    let id: String?
}

/// The answer to an infer request: the outputs it selected, in its order.
package struct InferenceResult: Sendable {
    package var modelName: String
    package var modelVersion: String
    package var id: String?
    package var outputs: [OutputTensor]
}

/// One output tensor, with its values as numbers or strings.
package struct OutputTensor: Sendable {
    package enum Values: Sendable {
        /// FP32 values, row-major.
        case fp32([Float])
        /// BYTES elements (the class names), one per row.
        case bytes([String])
    }

    package var name: String
    package var shape: [Int]
    /// Whether the request asked for it as raw bytes (REST's binary_data; gRPC always is).
    package var binary: Bool
    package var values: Values

    package var datatype: String {
        switch values {
        case .fp32: "FP32"
        case .bytes: "BYTES"
        }
    }

    /// The values as the protocol's raw bytes: FP32 little-endian; each BYTES element as its
    /// length (a little-endian UInt32) followed by its UTF-8 bytes.
    package var rawBytes: [UInt8] {
        var bytes: [UInt8] = []
        switch values {
        case .fp32(let numbers):
            bytes.reserveCapacity(4 * numbers.count)
            for value in numbers {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
        case .bytes(let strings):
            for string in strings {
                let utf8 = Array(string.utf8)
                withUnsafeBytes(of: UInt32(truncatingIfNeeded: utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
                bytes.append(contentsOf: utf8)
            }
        }
        return bytes
    }
}
#endif
