#if Server
import Backprop
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// An HTTP inference server for one model, with TensorFlow Serving's REST conventions:
///
/// | request | answer |
/// |---|---|
/// | `POST /v1/models/NAME:predict` `{"instances": […]}` | `{"predictions": […]}` |
/// | `GET /v1/models/NAME` | the model's metadata and version status |
/// | `GET /healthz` | 200 while the process serves |
/// | `GET /readyz` | 200 with the served model's name and version |
/// | `GET /metrics` | Prometheus text format |
/// | `/v2/…` | the Open Inference Protocol (`OpenInferenceRoutes.swift`) |
///
/// `HEAD` is answered on every `GET` path. With `metricsPort` set, a second listener answers
/// the last three alone, so that probes get through while clients hold every connection of
/// the main port.
///
/// Concurrent predictions are batched into one forward pass (`DynamicBatcher`); SIGHUP or a
/// change to the model file reloads it; SIGTERM or SIGINT stops accepting connections (a
/// load balancer's probes then fail to connect), finishes the requests in flight, and
/// returns from `run`. Every refused request is a 4xx
/// with `{"error": "…"}`.
public struct ModelServer: Sendable {
    /// The settings it was made with.
    public let configuration: ServerConfiguration
    let metrics: ServerMetrics
    let store: any ModelSource
    let batcher: DynamicBatcher
    let logger: Logger

    /// A server for the model `configuration` names, loaded now.
    /// - Throws: `ServerSetupError` if the model does not load or a setting is out of range.
    public init(_ configuration: ServerConfiguration, logger: Logger? = nil) throws {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger ?? Logger(label: "backprop.serve")
        metrics = ServerMetrics(maxBatch: configuration.maxBatch)
        if configuration.isRepository {
            store = ModelRepository(
                directory: configuration.modelPath, policy: configuration.versionPolicy, maxBytes: configuration.maxModelBytes,
                metrics: metrics, logger: self.logger)
        } else {
            do {
                store = try ModelStore(
                    path: configuration.modelPath, name: configuration.modelName, maxBytes: configuration.maxModelBytes,
                    metrics: metrics, logger: self.logger)
            } catch {
                throw ServerSetupError("\(error)")
            }
        }
        batcher = DynamicBatcher(
            maxBatch: configuration.maxBatch, maxDelay: configuration.maxDelay, precision: configuration.precision, metrics: metrics)
    }

    /// The version of the model that new requests get (1, then one more per reload); for a
    /// repository, the newest version of its first model (0 while it serves none).
    public var modelVersion: Int { store.served.first?.version ?? 0 }

    /// Every model version served now, by name, then version from the newest.
    public var servedModels: [(name: String, version: Int)] { store.served.map { ($0.name, $0.version) } }

    /// Reads the model file again and serves it if it loads, as SIGHUP does (for a
    /// repository: scans it).
    /// - Returns: the new version, or the error that kept the old one serving.
    @discardableResult
    public func reload() -> Result<Int, any Error> {
        store.reload(because: "a reload call")
    }

    /// Serves until SIGTERM or SIGINT, then drains the requests in flight and returns.
    /// - Parameters:
    ///   - services: more services to run beside the HTTP server and stop with it (such as
    ///     BackpropGRPC's `OpenInferenceGRPCServer` on this server).
    ///   - onServerRunning: called with the bound port once the server accepts connections.
    ///   - onMetricsRunning: called with the port of `metricsPort`'s listener once it does.
    public func run(
        alongside services: [any Service] = [],
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onMetricsRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        try await makeApplication(alongside: services, onServerRunning: onServerRunning, onMetricsRunning: onMetricsRunning).runService()
    }

    /// The Hummingbird application: the router, the connection limits and the services that
    /// run beside it (the batcher, the reloader, and the listener of `metricsPort` if there
    /// is one). `run` serves it; tests drive it with HummingbirdTesting.
    /// - Parameters:
    ///   - services: more services to run beside it.
    ///   - onServerRunning: called with the main port once it accepts connections.
    ///   - onMetricsRunning: called with the port of `metricsPort`'s listener once it does.
    public func makeApplication(
        alongside extra: [any Service] = [],
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onMetricsRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        var services: [any Service] = [BatcherService(batcher: batcher), ModelReloadService(store: store, interval: configuration.watchInterval)] + extra
        if let metricsPort = configuration.metricsPort {
            services.append(
                Application(
                    router: makeProbeRouter(), server: hardenedServer(),
                    configuration: ApplicationConfiguration(
                        address: .hostname(configuration.host, port: metricsPort), serverName: Self.serverName,
                        availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
                    onServerRunning: { channel in await onMetricsRunning(channel.localAddress?.port ?? 0) },
                    logger: logger))
        }
        return Application(
            router: makeRouter(),
            server: hardenedServer(),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: Self.serverName,
                availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    private func hardenedServer() -> HTTPServerBuilder {
        HardenedHTTP1.server(requestTimeout: configuration.requestTimeout, headerTimeout: configuration.headerTimeout)
    }

    /// The router of `metricsPort`'s listener: the health checks and the metrics, with the
    /// middlewares of the main port.
    func makeProbeRouter() -> Router<BasicRequestContext> {
        let router = Router<BasicRequestContext>.headAsGet()
        router.middlewares.add(MetricsMiddleware(metrics: metrics))
        router.middlewares.add(JSONErrorMiddleware())
        router.middlewares.add(OriginCheckMiddleware())
        if let token = configuration.token { router.middlewares.add(BearerTokenMiddleware(token: BearerToken(token))) }
        router.get("/healthz") { _, _ in jsonResponse("{\"status\":\"ok\"}") }
        addOpenInferenceProbes(to: router)
        router.get("/readyz") { _, _ in try readiness() }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        return router
    }

    /// The main port's router: the probes' routes and the model's.
    func makeRouter() -> Router<BasicRequestContext> {
        let router = makeProbeRouter()
        router.get("/v1/models/:model") { _, context in try metadata(context.parameters.require("model")) }
        router.get("/v1/models/:model/metadata") { _, context in try metadata(context.parameters.require("model")) }
        router.get("/v1/models/:model/versions/:version") { _, context in
            try metadata(context.parameters.require("model"), version: context.parameters.require("version"))
        }
        router.post("/v1/models/:model") { request, context in
            try await predict(request, target: context.parameters.require("model"))
        }
        router.post("/v1/models/:model/versions/:version") { request, context in
            try await predict(request, target: context.parameters.require("version"), model: context.parameters.require("model"))
        }
        // Triton's repository index (a POST there; a GET here too, for curl and browsers).
        router.get("/v2/repository/index") { _, _ in jsonResponse(ServedModel.indexJSON(store.served)) }
        router.post("/v2/repository/index") { _, _ in jsonResponse(ServedModel.indexJSON(store.served)) }
        addOpenInferenceRoutes(to: router)
        return router
    }

    /// The served model `name` at `version`, or its newest version.
    func model(named name: String, version: String? = nil) throws(RequestError) -> ServedModel {
        try store.model(named: name, version: version)
    }

    /// `GET /readyz`: the model and version served; for a repository, every one (503 while
    /// it serves none).
    private func readiness() throws(RequestError) -> Response {
        let served = store.served
        guard configuration.isRepository else {
            let model = served.first
            return jsonResponse("{\"status\":\"ready\",\"model\":\(jsonQuoted(model?.name ?? "")),\"version\":\(model?.version ?? 0)}")
        }
        guard !served.isEmpty else {
            throw RequestError(.serviceUnavailable, "the repository \(configuration.modelPath) holds no model that loads yet")
        }
        return jsonResponse("{\"status\":\"ready\",\"models\":\(ServedModel.indexJSON(served))}")
    }

    private func metadata(_ name: String, version: String? = nil) throws -> Response {
        if name.contains(":") || version?.contains(":") == true {
            throw RequestError(.methodNotAllowed, "use POST for \(name.contains(":") ? name : version ?? "")", headers: [.allow: "POST"])
        }
        let model = try model(named: name, version: version)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: model.metadataJSON)))
    }

    /// `POST …/NAME:predict` (or `…/versions/V:predict` with the name in `model`).
    private func predict(_ request: Request, target: String, model named: String? = nil) async throws -> Response {
        guard let colon = target.lastIndex(of: ":") else {
            throw RequestError(.methodNotAllowed, "POST to '\(target.prefix(128))': expected NAME:predict", headers: [.allow: "GET"])
        }
        let verb = target[target.index(after: colon)...]
        guard verb == "predict" else {
            throw RequestError(.notFound, "unknown method '\(verb.prefix(64))': this server answers :predict")
        }
        let head = String(target[..<colon])
        let model = try named.map { try self.model(named: $0, version: head) } ?? self.model(named: head)
        let body = try await collectBody(request)
        let (inputs, rows) = try body.withUnsafeReadableBytes { raw in
            try InstanceParser.inputs(
                of: raw.assumingMemoryBound(to: UInt8.self), for: model, maxExamples: configuration.requestExampleLimit)
        }
        let outputs = try await batcher.predict(inputs, rows: rows, model: model)
        return jsonResponse(model.predictionsJSON(outputs[...], rows: rows))
    }

    /// The whole body, at most `maxBodyBytes` of it (413 beyond).
    func collectBody(_ request: Request) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            throw RequestError(.badRequest, "the request body ended early: \(error)")
        }
    }
}

/// Runs the batcher's thread while the application runs; on shutdown (after the server has
/// drained) lets it finish what is queued.
struct BatcherService: Service {
    let batcher: DynamicBatcher

    func run() async throws {
        batcher.start()
        try? await gracefulShutdown()
        batcher.stop()
    }
}
#endif
