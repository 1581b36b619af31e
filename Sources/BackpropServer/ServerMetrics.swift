#if Server
import Foundation
import Hummingbird
import Prometheus

/// The server's metrics in a Prometheus registry of its own, served at `GET /metrics` in the
/// text exposition format:
/// - `backprop_requests_total{handler, code}`: requests answered, by endpoint and status;
/// - `backprop_request_duration_seconds{handler}`: a latency histogram;
/// - `backprop_requests_in_flight`: requests being handled now;
/// - `backprop_batch_size_examples`: examples per forward pass (dynamic batching at work);
/// - `backprop_examples_total`: examples predicted;
/// - `backprop_model_reloads_total{result}` and `backprop_model_version`.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let inFlight: Gauge
    let batchSize: ValueHistogram
    let examples: Counter
    let modelVersion: Gauge
    private let maxBatch: Int

    /// Endpoints by name: a bounded set of label values, never the raw path.
    static let handlers = [
        "predict", "model", "healthz", "readyz", "metrics", "infer", "v2_model", "v2_health", "other",
        "grpc_infer", "grpc_model", "grpc_health", "grpc_server",
    ]
    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    init(maxBatch: Int) {
        self.maxBatch = maxBatch
        inFlight = registry.makeGauge(descriptor: .init(namespace: "backprop", metricName: "requests_in_flight", unitName: "", helpText: "Requests being handled now."))
        var sizes: [Double] = [1]
        while sizes[sizes.count - 1] < Double(maxBatch) { sizes.append(min(Double(maxBatch), 2 * sizes[sizes.count - 1])) }
        batchSize = registry.makeValueHistogram(
            descriptor: .init(namespace: "backprop", metricName: "batch_size", unitName: "examples", helpText: "Examples per forward pass."),
            buckets: sizes)
        examples = registry.makeCounter(descriptor: .init(namespace: "backprop", metricName: "examples", unitName: "total", helpText: "Examples predicted."))
        modelVersion = registry.makeGauge(descriptor: .init(namespace: "backprop", metricName: "model_version", unitName: "", helpText: "The served model's version: 1, then one more per reload."))
        for handler in Self.handlers { _ = latency(handler) }
        for result in ["success", "error"] { _ = reloads(result) }
    }

    func requests(_ handler: String, code: Int) -> Counter {
        registry.makeCounter(
            descriptor: .init(namespace: "backprop", metricName: "requests", unitName: "total", helpText: "Requests answered, by endpoint and status."),
            labels: [("handler", handler), ("code", "\(code)")])
    }

    func latency(_ handler: String) -> DurationHistogram {
        registry.makeDurationHistogram(
            descriptor: .init(namespace: "backprop", metricName: "request_duration", unitName: "seconds", helpText: "Time from a request's head to its response."),
            labels: [("handler", handler)], buckets: Self.latencyBuckets)
    }

    func reloads(_ result: String) -> Counter {
        registry.makeCounter(
            descriptor: .init(namespace: "backprop", metricName: "model_reloads", unitName: "total", helpText: "Model reloads (SIGHUP or a changed file), by result."),
            labels: [("result", result)])
    }

    /// The endpoint a path belongs to.
    static func handler(for path: String) -> String {
        switch path {
        case "/healthz": "healthz"
        case "/readyz": "readyz"
        case "/metrics": "metrics"
        case _ where path.hasPrefix("/v1/models/"): path.hasSuffix(":predict") ? "predict" : "model"
        case _ where path.hasPrefix("/v2/health/"): "v2_health"
        case _ where path.hasPrefix("/v2/models/"): path.hasSuffix("/infer") ? "infer" : "v2_model"
        case "/v2": "v2_model"
        default: "other"
        }
    }

    /// The text exposition of every metric.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}

extension ModelServer {
    /// Runs a request that comes by another way than the HTTP router (a gRPC call), counted as
    /// `MetricsMiddleware` counts HTTP's: in flight while it runs, then by `handler` (one of
    /// `ServerMetrics.handlers`) and the HTTP status of the same answer (200, or a
    /// `RequestError`'s; 500 for any other error), with its latency.
    package func measured<T>(_ handler: String, _ body: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        metrics.inFlight.increment()
        defer { metrics.inFlight.decrement() }
        do {
            let result = try await body()
            metrics.requests(handler, code: 200).increment()
            metrics.latency(handler).record(ContinuousClock.now - start)
            return result
        } catch {
            metrics.requests(handler, code: (error as? RequestError)?.status.code ?? 500).increment()
            metrics.latency(handler).record(ContinuousClock.now - start)
            throw error
        }
    }
}

/// Counts each request as it starts and as it is answered (with the status the client gets,
/// after `JSONErrorMiddleware`), and records its latency.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let handler = ServerMetrics.handler(for: request.uri.path)
        let start = ContinuousClock.now
        metrics.inFlight.increment()
        defer { metrics.inFlight.decrement() }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.requests(handler, code: status).increment()
            metrics.latency(handler).record(ContinuousClock.now - start)
            throw error
        }
        metrics.requests(handler, code: response.status.code).increment()
        metrics.latency(handler).record(ContinuousClock.now - start)
        return response
    }
}
#endif
