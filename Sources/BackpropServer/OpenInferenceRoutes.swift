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
            let extensions = Self.extensions.map(jsonQuoted).joined(separator: ",")
            return jsonResponse("{\"name\":\"\(Self.serverName)\",\"version\":\"\(Self.version)\",\"extensions\":[\(extensions)]}")
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
            try await infer(request, model: context.parameters.require("model"))
        }
        router.post("/v2/models/:model/versions/:version/infer") { request, context in
            try await infer(request, model: context.parameters.require("model"), version: context.parameters.require("version"))
        }
    }

    private func openInferenceMetadata(_ name: String, version: String? = nil) throws -> Response {
        let model = try modelDescription(name, version: version)
        let tensors = { (tensors: [TensorMetadata]) in
            tensors.map { "{\"name\":\"\($0.name)\",\"datatype\":\"\($0.datatype)\",\"shape\":[\($0.shape.map(String.init).joined(separator: ","))]}" }
                .joined(separator: ",")
        }
        let versions = model.versions.map(jsonQuoted).joined(separator: ",")
        return jsonResponse(
            "{\"name\":\(jsonQuoted(model.name)),\"versions\":[\(versions)],\"platform\":\"\(model.platform)\",\"inputs\":[\(tensors(model.inputs))],\"outputs\":[\(tensors(model.outputs))]}")
    }

    private func modelReady(_ name: String, version: String? = nil) throws -> Response {
        let ready = try readyVersion(name, version: version)
        return jsonResponse("{\"name\":\(jsonQuoted(name)),\"version\":\"\(ready)\",\"ready\":true}")
    }

    /// `POST …/infer`: the JSON header (and binary tensors) in, the batcher's forward pass,
    /// the selected outputs back.
    private func infer(_ request: Request, model name: String, version: String? = nil) async throws -> Response {
        let body = try await collectBody(request)
        let header = request.headers[BinaryTensorFraming.headerName]
        let prepared = try body.withUnsafeReadableBytes { raw throws(RequestError) in
            let length = try BinaryTensorFraming.jsonLength(header, bodyCount: raw.count)
            let json = UnsafeRawBufferPointer(rebasing: raw[..<length]).assumingMemoryBound(to: UInt8.self)
            var parsed = try InferenceRequest.parse(json)
            return try prepareInference(
                &parsed, model: name, version: version, binary: UnsafeRawBufferPointer(rebasing: raw[length...]), framed: header != nil)
        }
        return InferenceResponse.make(try await infer(prepared))
    }
}
#endif
