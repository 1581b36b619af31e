#if Server
import Foundation
import Hummingbird

/// The Open Inference Protocol's REST API (KServe's "v2", which Triton speaks), beside the
/// TensorFlow Serving routes:
///
/// | request | answer |
/// |---|---|
/// | `GET /v2` | the server's name, version and extensions |
/// | `GET /v2/health/live`, `GET /v2/health/ready` | 200 while the process serves |
/// | `GET /v2/models/NAME[/versions/V]` | the model's versions, platform, input and output tensors |
/// | `GET /v2/models/NAME[/versions/V]/ready` | 200 when NAME (at V) is served |
/// | `POST /v2/models/NAME[/versions/V]/infer` | the output tensors (`InferenceResponse`) |
///
/// Inference goes through the same batcher, body and example limits as `:predict`; a request
/// without a version gets the newest served, and a version not served is 404.
extension ModelServer {
    /// The server's version in `GET /v2`.
    static let version = "0.29.0-dev"

    /// The health checks, answered on the metrics port too and without a bearer token.
    static let openInferenceHealthPaths = ["/v2/health/live", "/v2/health/ready"]

    func addOpenInferenceProbes(to router: Router<BasicRequestContext>) {
        router.get("/v2/health/live") { _, _ in jsonResponse("{\"live\":true}") }
        router.get("/v2/health/ready") { _, _ in
            guard !store.served.isEmpty else { throw RequestError(.serviceUnavailable, "no model is served yet") }
            return jsonResponse("{\"ready\":true}")
        }
    }

    func addOpenInferenceRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v2") { _, _ in
            jsonResponse("{\"name\":\"backprop\",\"version\":\"\(Self.version)\",\"extensions\":[\"binary_tensor_data\"]}")
        }
        router.get("/v2/models/:model") { _, context in try openInferenceMetadata(context.parameters.require("model")) }
        router.get("/v2/models/:model/versions/:version") { _, context in
            try openInferenceMetadata(context.parameters.require("model"), version: context.parameters.require("version"))
        }
        router.get("/v2/models/:model/ready") { _, context in try modelReady(context.parameters.require("model")) }
        router.get("/v2/models/:model/versions/:version/ready") { _, context in
            try modelReady(context.parameters.require("model"), version: context.parameters.require("version"))
        }
        router.post("/v2/models/:model/infer") { request, context in
            try await infer(request, model: self.model(named: context.parameters.require("model")))
        }
        router.post("/v2/models/:model/versions/:version/infer") { request, context in
            try await infer(request, model: self.model(named: context.parameters.require("model"), version: context.parameters.require("version")))
        }
    }

    private func openInferenceMetadata(_ name: String, version: String? = nil) throws -> Response {
        let model = try model(named: name, version: version)
        let tensor = { (name: String, datatype: String, shape: [Int]) in
            "{\"name\":\"\(name)\",\"datatype\":\"\(datatype)\",\"shape\":[\(shape.map(String.init).joined(separator: ","))]}"
        }
        let input = tensor(InferenceInputs.inputName, "FP32", [-1, model.inputSize])
        let outputs = InferenceResponse.outputs(of: model).map(tensor).joined(separator: ",")
        let versions = store.served.filter { $0.name == model.name }.map { "\"\($0.version)\"" }.joined(separator: ",")
        return jsonResponse(
            "{\"name\":\(jsonQuoted(model.name)),\"versions\":[\(versions)],\"platform\":\"backprop\",\"inputs\":[\(input)],\"outputs\":[\(outputs)]}")
    }

    private func modelReady(_ name: String, version: String? = nil) throws -> Response {
        let model = try model(named: name, version: version)
        return jsonResponse("{\"name\":\(jsonQuoted(model.name)),\"version\":\"\(model.version)\",\"ready\":true}")
    }

    /// `POST …/infer`: the JSON header (and binary tensors) in, the batcher's forward pass,
    /// the selected outputs back.
    private func infer(_ request: Request, model: ServedModel) async throws -> Response {
        let body = try await collectBody(request)
        let header = request.headers[BinaryTensorFraming.headerName]
        let limit = configuration.requestExampleLimit
        let (id, selected, x, rows) = try body.withUnsafeReadableBytes { raw in
            let length = try BinaryTensorFraming.jsonLength(header, bodyCount: raw.count)
            let json = UnsafeRawBufferPointer(rebasing: raw[..<length]).assumingMemoryBound(to: UInt8.self)
            var parsed = try InferenceRequest.parse(json)
            let selected = try InferenceResponse.selection(parsed, model: model)
            let (x, rows) = try InferenceInputs.decode(
                &parsed, binary: UnsafeRawBufferPointer(rebasing: raw[length...]), framed: header != nil, model: model, maxExamples: limit)
            return (parsed.id, selected, x, rows)
        }
        let outputs = try await batcher.predict(x, rows: rows, model: model)
        return InferenceResponse.make(outputs[...], rows: rows, model: model, selected: selected, id: id)
    }
}
#endif
