#if Server
import ArgumentParser
import Backprop
import BackpropServer
import Foundation

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a saved model over HTTP (TensorFlow Serving's REST API).",
        discussion: """
            POST /v1/models/NAME:predict with {"instances": [[…], …]} (or objects keyed by feature name) answers \
            {"predictions": […]}; GET /v1/models/NAME gives the model's metadata; GET /healthz, /readyz and /metrics \
            (Prometheus) are for operators. Concurrent requests share forward passes (dynamic batching). SIGHUP, or a \
            change to the file, reloads the model; SIGTERM finishes the requests in flight and exits 0.
            """
    )

    @Argument(help: "A model file written by `backprop train --output`.")
    var model: String

    @Option(help: "NAME in /v1/models/NAME (default: the file's base name).")
    var name: String?

    @Option(help: "The address to listen on; 0.0.0.0 listens on every interface.")
    var host = "127.0.0.1"

    @Option(help: "The TCP port (0: any free port, printed at start).")
    var port = 8080

    @Option(help: "The most examples one forward pass gathers from concurrent requests.")
    var maxBatch = 256

    @Option(help: "Microseconds a forward pass may wait for more requests to join (0: never wait).")
    var maxDelayUs = 0

    @Option(help: "Require 'Authorization: Bearer TOKEN', with TOKEN the first line of this file (not for /healthz and /readyz).")
    var tokenFile: String?

    @Option(help: "The largest request body accepted; larger ones get 413.")
    var maxBodyBytes = 16 << 20

    @Option(help: "Seconds a connection has to send each whole request; then it is closed.")
    var requestTimeout = 30.0

    @Option(help: "The most connections open at once.")
    var maxConnections = 512

    @Option(help: "Most threads one forward pass may use (default: one per core; small passes use one).")
    var threads: Int?

    @Option(help: "Seconds between checks of the model file for a change (0: reload on SIGHUP only).")
    var watchInterval = 1.0

    @OptionGroup var limits: InputLimitOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 … 65535, got \(port)") }
        guard maxBatch >= 1 else { throw ValidationError("--max-batch must be at least 1, got \(maxBatch)") }
        guard (0...10_000_000).contains(maxDelayUs) else { throw ValidationError("--max-delay-us must be 0 … 10000000, got \(maxDelayUs)") }
        guard maxBodyBytes >= 1 else { throw ValidationError("--max-body-bytes must be at least 1, got \(maxBodyBytes)") }
        guard requestTimeout.isFinite, requestTimeout > 0, requestTimeout <= 86400 else {
            throw ValidationError("--request-timeout must be a number of seconds in (0, 86400], got \(requestTimeout)")
        }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1, got \(maxConnections)") }
        guard watchInterval.isFinite, watchInterval >= 0, watchInterval <= 86400 else {
            throw ValidationError("--watch-interval must be a number of seconds in [0, 86400], got \(watchInterval)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let name, !ServerConfiguration.isValidModelName(name) {
            throw ValidationError("--name '\(name)': expected 1 to 128 letters, digits, '.', '_' or '-'")
        }
    }

    func run() async throws {
        var settings = try ServerConfiguration(modelPath: model, modelName: name)
        settings.host = host
        settings.port = port
        settings.maxBatch = maxBatch
        settings.maxDelay = .microseconds(maxDelayUs)
        settings.token = try tokenFile.map(ServerConfiguration.token(readingFile:))
        settings.maxBodyBytes = maxBodyBytes
        settings.requestTimeout = .milliseconds(Int64((requestTimeout * 1000).rounded(.up)))
        settings.maxConnections = maxConnections
        settings.watchInterval = watchInterval > 0 ? .milliseconds(Int64((watchInterval * 1000).rounded(.up))) : nil
        settings.maxModelBytes = limits.maxInputBytes
        if let threads { setBLASThreadCount(threads) }
        let server = try ModelServer(settings)
        let (host, name, version) = (host, settings.modelName, server.modelVersion)
        try await server.run { port in
            let shown = host.contains(":") ? "[\(host)]" : host
            print("serving model '\(name)' (version \(version)) at http://\(shown):\(port)/v1/models/\(name)")
            fflush(nil)
        }
        FileHandle.standardError.write(Data("backprop serve: drained and stopped\n".utf8))
    }
}
#endif
