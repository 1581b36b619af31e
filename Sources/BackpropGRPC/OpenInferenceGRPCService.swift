#if GRPC
import BackpropServer
import Foundation
import GRPCCore

/// The Open Inference Protocol's gRPC service, `inference.GRPCInferenceService`, on a
/// `ModelServer`: each call is translated to the server's v2 answers (`OpenInference.swift`)
/// and back, so that it checks, batches, limits and counts requests as the REST routes do.
/// Faults are `RPCError`s with the REST route's message (`RPCError(_ error: RequestError)`).
struct OpenInferenceGRPCService: Inference_GRPCInferenceService.SimpleServiceProtocol {
    let server: ModelServer

    func serverLive(request: Inference_ServerLiveRequest, context: ServerContext) async throws -> Inference_ServerLiveResponse {
        try await call("grpc_health") { .with { $0.live = true } }
    }

    func serverReady(request: Inference_ServerReadyRequest, context: ServerContext) async throws -> Inference_ServerReadyResponse {
        try await call("grpc_health") { [server] in .with { $0.ready = server.isReady } }
    }

    func modelReady(request: Inference_ModelReadyRequest, context: ServerContext) async throws -> Inference_ModelReadyResponse {
        try await call("grpc_model") { [server] in
            // Not served is an answer here (ready: false), as Triton gives it, not a fault.
            let ready = (try? server.readyVersion(request.name, version: request.version.nonEmpty)) != nil
            return .with { $0.ready = ready }
        }
    }

    func serverMetadata(request: Inference_ServerMetadataRequest, context: ServerContext) async throws -> Inference_ServerMetadataResponse {
        try await call("grpc_server") {
            .with {
                $0.name = ModelServer.serverName
                $0.version = ModelServer.version
                $0.extensions = ModelServer.extensions
            }
        }
    }

    func modelMetadata(request: Inference_ModelMetadataRequest, context: ServerContext) async throws -> Inference_ModelMetadataResponse {
        try await call("grpc_model") { [server] in
            let model = try server.modelDescription(request.name, version: request.version.nonEmpty)
            return .with {
                $0.name = model.name
                $0.versions = model.versions
                $0.platform = model.platform
                $0.inputs = model.inputs.map(Inference_ModelMetadataResponse.TensorMetadata.init)
                $0.outputs = model.outputs.map(Inference_ModelMetadataResponse.TensorMetadata.init)
            }
        }
    }

    func modelInfer(request: Inference_ModelInferRequest, context: ServerContext) async throws -> Inference_ModelInferResponse {
        try await call("grpc_infer") { [server] in
            var inference = try InferenceRequest(request)
            let prepared = try request.withRawInputs { raw throws(RequestError) in
                try server.prepareInference(
                    &inference, model: request.modelName, version: request.modelVersion.nonEmpty, binary: raw, framed: true)
            }
            return Inference_ModelInferResponse(try await server.infer(prepared))
        }
    }

    /// Runs a call counted by the server's metrics under `handler`, its `RequestError` made
    /// the matching gRPC status.
    private func call<Response>(_ handler: String, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await server.measured(handler, body)
        } catch let error as RequestError {
            throw RPCError(error)
        }
    }
}

extension String {
    /// Nil for "": proto3's way of leaving a string out (a version not given).
    var nonEmpty: String? { isEmpty ? nil : self }
}
#endif
