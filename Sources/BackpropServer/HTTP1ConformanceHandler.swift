#if Server
import Foundation
import NIOCore
import NIOHTTP1

/// What HTTP/1 loses on its way to Hummingbird, handled as nginx does, on the request heads as
/// the HTTP/1 decoder reads them (before they become version-less `HTTPRequest`s):
/// - a request that does not keep its connection alive (HTTP/1.0 without
///   `Connection: keep-alive`, or `Connection: close`) is answered with `Connection: close`
///   and the connection is closed after the response; an HTTP/1.0 request that asks for
///   keep-alive is answered with `Connection: keep-alive`, which HTTP/1.0 clients need to see;
/// - a request with a `Transfer-Encoding` other than exactly `chunked` (`gzip, chunked`, say,
///   which the decoder would read as plain chunked and pass on still compressed) gets
///   501 Not Implemented with a JSON error, and the connection is closed.
final class HTTP1ConformanceHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// For each request passed on and not yet answered: the `Connection` value its response
    /// carries, if any ("close" closes the connection after it).
    private var connectionValues: [String?] = []
    /// Set once a request has been refused here: what follows on the connection is dropped.
    private var refused = false
    private var closing = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        if let codings = Self.unsupportedTransferEncoding(head.headers) {
            refused = true
            refuse(context, message: "Transfer-Encoding '\(codings)' is not supported: this server reads request bodies with a Content-Length or 'Transfer-Encoding: chunked' alone")
            return
        }
        let keepAlive = head.isKeepAlive
        if !keepAlive { head.headers.replaceOrAdd(name: "connection", value: "close") }
        connectionValues.append(!keepAlive ? "close" : head.version == .http1_0 ? "keep-alive" : nil)
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            if let value = connectionValues.first ?? nil { head.headers.replaceOrAdd(name: "connection", value: value) }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end:
            let close = connectionValues.isEmpty ? false : connectionValues.removeFirst() == "close"
            guard close, !closing else {
                context.write(data, promise: promise)
                return
            }
            closing = true
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(data).whenComplete { result in
                promise?.completeWith(result)
                loopBound.value.close(promise: nil)
            }
        default:
            context.write(data, promise: promise)
        }
    }

    /// The `Transfer-Encoding` of `headers` if there is one and it is not exactly `chunked`.
    static func unsupportedTransferEncoding(_ headers: HTTPHeaders) -> String? {
        let values = headers["transfer-encoding"]
        guard !values.isEmpty else { return nil }
        let codings = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        if codings.count == 1, codings[0].lowercased() == "chunked" { return nil }
        return String(codings.joined(separator: ", ").prefix(128))
    }

    /// Answers 501 with a JSON error and closes the connection.
    private func refuse(_ context: ChannelHandlerContext, message: String) {
        closing = true
        let body = ByteBuffer(string: "{\"error\":\(jsonQuoted(message))}")
        let head = HTTPResponseHead(
            version: .http1_1, status: .notImplemented,
            headers: ["content-type": "application/json", "content-length": "\(body.readableBytes)", "connection": "close"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            loopBound.value.close(promise: nil)
        }
    }
}
#endif
