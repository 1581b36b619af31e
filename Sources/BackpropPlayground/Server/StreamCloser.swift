#if Server
import ServiceLifecycle

/// Ends the pages' event streams when the server shuts down, so that it can drain.
struct StreamCloser: Service {
    let runs: PlaygroundRuns

    func run() async throws {
        try? await gracefulShutdown()
        runs.closeAll()
    }
}
#endif
