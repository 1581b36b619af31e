#if Server
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1 server with the protections a server facing untrusted clients needs,
/// shared by the servers of this package: a deadline for each request's head and for the
/// whole request (`RequestDeadlineHandler`), connections closed after an HTTP/1.0 or
/// `Connection: close` request, and 501 for a transfer coding other than `chunked`
/// (`HTTP1ConformanceHandler`). Routers add `HeadAsGetMiddleware` for `HEAD`.
package enum HardenedHTTP1 {
    /// The server builder to pass as `Application(server:)`.
    /// - Parameters:
    ///   - requestTimeout: the time a connection has to deliver each whole request.
    ///   - headerTimeout: the time it has to deliver each request's head (at most
    ///     `requestTimeout`); both count from when it opens or its previous response is sent.
    ///   - handlers: more handlers for each connection, after the deadlines.
    package static func server(
        requestTimeout: Duration, headerTimeout: Duration,
        handlers: @escaping @Sendable () -> [any RemovableChannelHandler] = { [] }
    ) -> HTTPServerBuilder {
        let whole = timeAmount(requestTimeout), head = timeAmount(headerTimeout)
        let configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestDeadlineHandler(timeout: whole, headerTimeout: head)] + handlers())
        return HTTPServerBuilder { responder in
            HardenedHTTP1Channel(inner: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }

    /// `duration` in NIO's nanoseconds.
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue + attoseconds / 1_000_000_000)
    }
}

/// Hummingbird's `HTTP1Channel` with `HTTP1ConformanceHandler` just before the codec that turns
/// NIO's HTTP/1 parts into version-less HTTP types, where the request's version is still known.
struct HardenedHTTP1Channel: ServerChildChannel {
    let inner: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let operations = channel.pipeline.syncOperations
            let codec = try operations.handler(type: HTTP1ToHTTPServerCodec.self)
            try operations.addHandler(HTTP1ConformanceHandler(), position: .before(codec))
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
#endif
