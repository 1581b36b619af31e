#if Server
import BackpropServer
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// The server behind `backprop playground`: the page, and an API that trains runs with the
/// library, step by step, and streams what they look like.
///
/// | request | answer |
/// |---|---|
/// | `GET /` | the page (HTML, JavaScript and CSS built into the binary) |
/// | `GET /api/options` | the option lists, default settings and limits the page's controls offer |
/// | `POST /api/runs` with settings | a new run, paused: its id, settings, examples |
/// | `GET /api/runs/ID/events` | Server-Sent Events: a snapshot at each change, ≤ 30 a second |
/// | `POST /api/runs/ID/play?rate=R`, `…/pause` | train on the server (R mini-batches a second; none: flat out), or stop |
/// | `POST /api/runs/ID/step?batches=N` | N mini-batches, then the snapshot |
/// | `GET /api/runs/ID/explain?example=K` | example K through the lecture's equations (`backprop explain --json`) |
/// | `POST /api/runs/ID/lecture-step?example=K` | w ← w − η ∂C/∂w on example K: before and after |
/// | `GET /api/runs/ID/gradient-check?example=K` | every ∂C/∂w by backpropagation and by finite differences |
/// | `GET /api/runs/ID/model.safetensors`, `…/model.onnx` | the trained model |
/// | `GET /api/runs/ID/examples.csv` | the built-in data's examples with their features |
/// | `POST /api/runs/ID/model` with a model file | the run continues from that model |
/// | `POST /api/tables?name=F&label=C` with a CSV file | an uploaded table, for settings' `table` |
///
/// It answers only its own page (`OriginGuard`: the Host must be an IP address, localhost or
/// one of `allowedHosts`; requests that change something must come from the same origin),
/// and bounds every run and request (`PlaygroundBudget`), computing on threads of its own
/// (`PlaygroundWorkers`).
public struct PlaygroundServer: Sendable {
    /// The address and port it listens on (port 0: any free port).
    public let host: String, port: Int
    /// Host names its requests may carry besides IP addresses and localhost ("*": any).
    public let allowedHosts: [String]
    /// The most connections open at once (a page holds one for its events and a few for requests).
    public static let maximumConnections = 256
    /// How long a connection has to send a whole request head.
    public static let headerTimeout = Duration.seconds(5)
    /// How long a connection has to send a whole request (an upload's body included).
    public static let requestTimeout = Duration.seconds(60)
    /// The longest the server waits, after SIGTERM, for requests in flight before it stops anyway.
    public static let shutdownTimeout = Duration.seconds(3)
    /// The largest request body accepted (a CSV or model upload).
    public static let maximumBodyBytes = PlaygroundTable.maximumBytes
    let runs: PlaygroundRuns
    let logger: Logger

    /// A server for `host`:`port`.
    /// - Throws: if its temporary folder for uploads cannot be made.
    public init(host: String = "127.0.0.1", port: Int = 8080, allowedHosts: [String] = [], logger: Logger? = nil) throws {
        self.host = host
        self.port = port
        self.allowedHosts = allowedHosts
        self.logger = logger ?? Logger(label: "backprop.playground")
        runs = try PlaygroundRuns()
    }

    /// Serves until SIGTERM or SIGINT, then stops every run and returns.
    /// - Parameter onServerRunning: called with the bound port once the server accepts connections.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        var configuration = ServiceGroupConfiguration(
            services: services(onServerRunning: onServerRunning), gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = Self.shutdownTimeout
        try await ServiceGroup(configuration: configuration).run()
    }

    /// The services to run in a `ServiceGroup`: the Hummingbird application, and after it one
    /// that stops the runs and ends the pages' event streams. A group shuts its services down
    /// last first, so the streams end before the server drains (they would keep it waiting forever).
    public func services(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> [any Service] {
        let application = Application(
            router: makeRouter(),
            server: HardenedHTTP1.server(
                requestTimeout: Self.requestTimeout, headerTimeout: Self.headerTimeout, handlers: { [ClientAbortHandler()] }),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port), serverName: "backprop-playground",
                availableConnectionsDelegate: MaximumAvailableConnections(Self.maximumConnections)),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        return [application, StreamCloser(runs: runs)]
    }

    /// The routes, one controller a concern.
    func makeRouter() -> Router<PlaygroundRequestContext> {
        let router = Router<PlaygroundRequestContext>.headAsGet()
        router.middlewares.add(JSONErrorMiddleware())
        router.middlewares.add(OriginGuard(allowedHosts: Set(allowedHosts.map { $0.lowercased() })))
        PageController().addRoutes(to: router.group())
        OptionsController().addRoutes(to: router.group("api/options"))
        RunsController(runs: runs).addRoutes(to: router.group("api/runs"))
        LectureController(runs: runs).addRoutes(to: router.group("api/runs"))
        FilesController(runs: runs).addRoutes(to: router.group("api"))
        return router
    }
}
#endif
