#if Server
import NIOCore
import NIOHTTPTypes

/// Closes a connection that takes longer than `headerTimeout` to deliver a request's head, or
/// longer than `timeout` to deliver the whole request, head and body, both counted from when
/// the connection opens or its last response is sent (and so also closes a keep-alive
/// connection left idle for `headerTimeout`). Hummingbird's own idle timeout restarts at
/// every body chunk, so a client dripping a byte at a time could hold a connection forever;
/// these deadlines do not move. The head's deadline is the shorter one, so that a flood of
/// connections that never finish a head gives its places back within seconds.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private let headerTimeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var headDeadline: Scheduled<Void>?
    /// Requests read to their end and not yet answered.
    private var unanswered = 0
    /// Whether a request's head has come and its end not yet (a pipelined request read
    /// before the previous one's response was sent has no head deadline to meet).
    private var readingBody = false

    /// - Parameters:
    ///   - timeout: the time for a whole request.
    ///   - headerTimeout: the time for its head (nil: the same as `timeout`).
    init(timeout: TimeAmount, headerTimeout: TimeAmount? = nil) {
        self.timeout = timeout
        self.headerTimeout = min(headerTimeout ?? timeout, timeout)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if deadline == nil { arm(context) }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        headDeadline?.cancel()
        headDeadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            headDeadline?.cancel()
            headDeadline = nil
            readingBody = true
        case .end:
            readingBody = false
            deadline?.cancel()
            deadline = nil
            unanswered += 1
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            unanswered = max(0, unanswered - 1)
            if unanswered == 0 { arm(context) }
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext) {
        deadline?.cancel()
        headDeadline?.cancel()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            loopBound.value.close(promise: nil)
        }
        headDeadline = nil
        if !readingBody {
            headDeadline = context.eventLoop.scheduleTask(in: headerTimeout) {
                loopBound.value.close(promise: nil)
            }
        }
    }
}
#endif
