#if Server
import ArgumentParser
import Backprop
import BackpropServer
import Foundation
import ServiceLifecycle
#if GRPC
import BackpropGRPC
#endif

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a saved model, or a repository of models, over HTTP (TensorFlow Serving's and the Open Inference Protocol's REST APIs).",
        discussion: """
            POST /v1/models/NAME:predict with {"instances": [[…], …]} (or objects keyed by feature name) answers \
            {"predictions": […]}; POST /v2/models/NAME/infer takes Open Inference Protocol tensors (JSON or binary); \
            GET /v1/models/NAME and /v2/models/NAME give the model's metadata; GET /healthz, /readyz and /metrics \
            (Prometheus) are for operators. Given a folder DIR/NAME/VERSION/model.safetensors, it serves every model \
            and the versions --version-policy chooses. Concurrent requests share forward passes (dynamic batching). \
            SIGHUP, or a change to a file, reloads; SIGTERM finishes the requests in flight and exits 0.
            """
    )

    @Argument(help: "A model file written by `backprop train --output`, or a repository folder of NAME/VERSION/model.safetensors.")
    var model: String

    @Option(help: "NAME in /v1/models/NAME (default: the file's base name; a repository's models are named by their folders).")
    var name: String?

    @Option(help: "Which versions of each model a repository serves: latest:N, all or specific:V,V,….")
    var versionPolicy = "latest:1"

    @Option(help: "The address to listen on; 0.0.0.0 listens on every interface.")
    var host = "127.0.0.1"

    @Option(help: "The TCP port (0: any free port, printed at start).")
    var port = 8080

    @Option(help: "The most examples one forward pass gathers from concurrent requests.")
    var maxBatch = 256

    @Option(help: "The most examples one request may hold; larger requests get 413 (default: --max-batch's value).")
    var maxRequestExamples: Int?

    @Option(help: "Microseconds a forward pass may wait for more requests to join (0: never wait).")
    var maxDelayUs = 0

    @OptionGroup var precision: PrecisionOption

    @Option(help: "Require 'Authorization: Bearer TOKEN', with TOKEN the first line of this file (not for /healthz and /readyz).")
    var tokenFile: String?

    @Option(help: "The largest request body accepted; larger ones get 413.")
    var maxBodyBytes = 16 << 20

    @Option(help: "Seconds a connection has to send each whole request; then it is closed.")
    var requestTimeout = 30.0

    @Option(help: "Seconds a connection has to send each request's head (well under --request-timeout); then it is closed.")
    var headerTimeout = 5.0

    @Option(help: "A port for the Open Inference Protocol over gRPC (inference.GRPCInferenceService; Triton uses 8001; 0: any free port; default: none).")
    var grpcPort: Int?

    @Option(help: "A second port answering only GET /healthz, /readyz and /metrics, for probes (default: none).")
    var metricsPort: Int?

    @Option(help: "The most connections open at once.")
    var maxConnections = 512

    @Option(help: "Most threads one forward pass may use (default: one per core; small passes use one).")
    var threads: Int?

    @Option(help: "Seconds between checks of the model file for a change (0: reload on SIGHUP only).")
    var watchInterval = 1.0

    @OptionGroup var limits: InputLimitOptions

    /// The flag of each `ServerConfiguration` setting, and the value as given there.
    private var flags: [String: (flag: String, value: String)] {
        [
            "port": ("--port", "\(port)"), "maxBatch": ("--max-batch", "\(maxBatch)"),
            "maxDelay": ("--max-delay-us", "\(maxDelayUs)"), "maxBodyBytes": ("--max-body-bytes", "\(maxBodyBytes)"),
            "requestTimeout": ("--request-timeout", "\(requestTimeout)"),
            "headerTimeout": ("--header-timeout", "\(headerTimeout)"),
            "maxRequestExamples": ("--max-request-examples", maxRequestExamples.map { "\($0)" } ?? ""),
            "metricsPort": ("--metrics-port", metricsPort.map { "\($0)" } ?? ""),
            "maxConnections": ("--max-connections", "\(maxConnections)"),
            "watchInterval": ("--watch-interval", "\(watchInterval)"),
            "maxModelBytes": ("--max-input-bytes", "\(limits.maxInputBytes)"),
        ]
    }

    func validate() throws {
        if let grpcPort {
            #if GRPC
            guard (0...65_535).contains(grpcPort) else { throw ValidationError("--grpc-port \(grpcPort): expected a TCP port, 0 to 65535") }
            #else
            throw ValidationError("--grpc-port: this backprop was built without gRPC (the package trait GRPC)")
            #endif
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        do {
            try configuration().validate()
        } catch let error as ServerSetupError {
            guard let setting = error.setting, let given = flags[setting.name] else { throw ValidationError(error.description) }
            throw ValidationError("\(given.flag) \(given.value): expected \(setting.expected)")
        }
    }

    /// The server's settings from the flags (all but the token, which `run` reads from its file).
    /// - Throws: `ServerSetupError` for a model name that is not valid; `ValidationError` for
    ///   a number of seconds that is not a number.
    private func configuration() throws -> ServerConfiguration {
        var settings = try ServerConfiguration(modelPath: model, modelName: name)
        settings.host = host
        settings.port = port
        settings.maxBatch = maxBatch
        settings.maxDelay = .microseconds(maxDelayUs)
        settings.precision = precision.precision
        settings.maxBodyBytes = maxBodyBytes
        settings.requestTimeout = try duration(requestTimeout, flag: "--request-timeout")
        settings.headerTimeout = try duration(headerTimeout, flag: "--header-timeout")
        settings.maxRequestExamples = maxRequestExamples
        settings.metricsPort = metricsPort
        settings.maxConnections = maxConnections
        settings.watchInterval = watchInterval == 0 ? nil : try duration(watchInterval, flag: "--watch-interval")
        settings.maxModelBytes = limits.maxInputBytes
        guard let policy = VersionPolicy(versionPolicy) else {
            throw ValidationError("--version-policy \(versionPolicy): expected latest:N (N ≥ 1), all or specific:V,V,… (versions ≥ 1)")
        }
        settings.versionPolicy = policy
        return settings
    }

    /// `seconds` as a duration, rounded up to the millisecond; values past 10⁹ s become 10⁹ s
    /// (out of every range, so `validate` names them).
    private func duration(_ seconds: Double, flag: String) throws -> Duration {
        guard seconds.isFinite else { throw ValidationError("\(flag) \(seconds): expected a number of seconds") }
        return .milliseconds(Int64((min(max(seconds, -1), 1e9) * 1000).rounded(.up)))
    }

    func run() async throws {
        var settings = try configuration()
        settings.token = try tokenFile.map(ServerConfiguration.token(readingFile:))
        if let threads { setBLASThreadCount(threads) }
        notePrecision(settings.precision, json: true)
        let server = try ModelServer(settings)
        let (host, name, version) = (host, settings.modelName, server.modelVersion)
        let shown = host.contains(":") ? "[\(host)]" : host
        let served = server.servedModels.map { "'\($0.name)' \($0.version)" }.joined(separator: ", ")
        let isRepository = settings.isRepository
        var services: [any Service] = []
        #if GRPC
        if let grpcPort {
            services.append(
                OpenInferenceGRPCServer(serving: server, port: grpcPort) { port in
                    print("Open Inference Protocol over gRPC at \(shown):\(port)")
                    fflush(nil)
                })
        }
        #endif
        try await server.run(alongside: services) { port in
            if isRepository {
                print("serving the repository \(name) (\(served.isEmpty ? "no model yet" : served)) at http://\(shown):\(port)/v1/models/")
            } else {
                print("serving model '\(name)' (version \(version)) at http://\(shown):\(port)/v1/models/\(name)")
            }
            fflush(nil)
        } onMetricsRunning: { port in
            print("health checks and metrics at http://\(shown):\(port)/healthz, /readyz and /metrics")
            fflush(nil)
        }
        FileHandle.standardError.write(Data("backprop serve: drained and stopped\n".utf8))
    }
}
#endif
