#if Server
import NIOCore

/// Closes a connection once its client has closed its side (TCP's FIN): the client is gone,
/// so the work its request started stops (`PlaygroundWorkers` watches the connection's close)
/// and no answer is computed for nobody. Hummingbird lets clients half-close, which would
/// otherwise leave the connection open until the answer is written.
final class ClientAbortHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
#endif
