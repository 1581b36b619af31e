#if GRPC
import BackpropServer
import Foundation

/// The gRPC messages of the Open Inference Protocol as the server's v2 values, and back. The
/// request's tensors keep their numbers (`contents.fp32_contents`) or their raw bytes
/// (`raw_input_contents`); answers always go as `raw_output_contents`, as Triton sends them.
extension InferenceRequest {
    /// The request's id, inputs and outputs; input bytes stay in the message
    /// (`Inference_ModelInferRequest.withRawInputs`).
    /// - Throws: `RequestError` (400) for a dimension out of range, raw contents that are not
    ///   one per input, or an input with both raw and numeric contents.
    init(_ message: Inference_ModelInferRequest) throws(RequestError) {
        self.init()
        id = message.id.nonEmpty
        let raw = message.rawInputContents
        guard raw.isEmpty || raw.count == message.inputs.count else {
            throw RequestError(
                .badRequest,
                "the request has \(message.inputs.count) input\(message.inputs.count == 1 ? "" : "s") but \(raw.count) raw_input_contents; send one per input, in the order of inputs")
        }
        for (k, input) in message.inputs.enumerated() {
            let name = input.name.prefix(64)
            var shape: [Int] = []
            for (d, dim) in input.shape.enumerated() {
                guard dim >= 0, dim <= Int64(Int.max) else {
                    throw RequestError(.badRequest, "inputs[\(k)] ('\(name)') has shape[\(d)] = \(dim); a dimension is 0 or more")
                }
                shape.append(Int(dim))
            }
            if !raw.isEmpty, input.hasContents {
                throw RequestError(.badRequest, "inputs[\(k)] ('\(name)') has both contents and raw_input_contents; send one")
            }
            inputs.append(
                Input(
                    name: input.name, shape: shape, datatype: input.datatype,
                    data: raw.isEmpty ? input.contents.fp32Contents : nil, binaryDataSize: raw.isEmpty ? nil : raw[k].count))
        }
        if !message.outputs.isEmpty {
            outputs = message.outputs.map { Output(name: $0.name, binaryData: true) }
        }
        binaryDataOutput = true
    }
}

extension Inference_ModelInferRequest {
    /// Calls `body` with the raw input bytes one after another, in the order of the inputs
    /// (no copy when there is one input, the usual case).
    func withRawInputs<T>(_ body: (UnsafeRawBufferPointer) throws(RequestError) -> T) throws(RequestError) -> T {
        let joined = rawInputContents.count == 1 ? rawInputContents[0] : rawInputContents.reduce(into: Data()) { $0.append($1) }
        return try joined.withUnsafeBytes { raw in Result { () throws(RequestError) in try body(raw) } }.get()
    }
}

extension Inference_ModelInferResponse {
    /// The answer: each output's name, datatype and shape, and its bytes in
    /// `raw_output_contents`.
    init(_ result: InferenceResult) {
        self.init()
        modelName = result.modelName
        modelVersion = result.modelVersion
        id = result.id ?? ""
        outputs = result.outputs.map { output in
            .with {
                $0.name = output.name
                $0.datatype = output.datatype
                $0.shape = output.shape.map(Int64.init)
            }
        }
        rawOutputContents = result.outputs.map { Data($0.rawBytes) }
    }
}

extension Inference_ModelMetadataResponse.TensorMetadata {
    init(_ tensor: TensorMetadata) {
        self.init()
        name = tensor.name
        datatype = tensor.datatype
        shape = tensor.shape.map(Int64.init)
    }
}
#endif
