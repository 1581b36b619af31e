#if Server
import Hummingbird
import NIOCore

/// The playground's request context: Hummingbird's, and the request's connection, so that
/// work done for a request stops when its client goes away (`PlaygroundWorkers`).
struct PlaygroundRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The connection the request came on.
    let connection: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        connection = source.channel
    }
}
#endif
