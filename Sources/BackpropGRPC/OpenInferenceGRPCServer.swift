#if GRPC
import BackpropServer
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOCore
import ServiceLifecycle
import Synchronization

/// The Open Inference Protocol's gRPC service on `--grpc-port` (as Triton's 8001), beside a
/// `ModelServer`'s HTTP listener: run it with `ModelServer.run(alongside:)`, which starts it
/// with the server and, on SIGTERM, lets it finish the calls in flight while refusing new ones.
///
/// The server's limits hold here too: a message larger than `maxBodyBytes` is refused
/// (RESOURCE_EXHAUSTED), connections beyond `maxConnections` are closed as they open, and a
/// connection may run at most 100 calls at once.
public struct OpenInferenceGRPCServer: Service {
    let server: ModelServer
    let host: String
    let port: Int
    let onRunning: @Sendable (Int) async -> Void

    /// The most calls one HTTP/2 connection may have open at once (its MAX_CONCURRENT_STREAMS).
    static let maxConcurrentStreams = 100
    /// The HTTP/2 flow-control window, per connection and per stream: 8 MiB.
    static let windowSize = 8 << 20
    /// The largest HTTP/2 frame it accepts (SETTINGS_MAX_FRAME_SIZE): 1 MiB, against the
    /// default 16 KiB, so that a large request comes in a few frames.
    static let maxFrameSize = 1 << 20

    /// - Parameters:
    ///   - server: the server whose models, batcher, limits, token and metrics it uses.
    ///   - port: the TCP port on the server's host (0: any free port).
    ///   - onRunning: called with the bound port once it accepts connections.
    public init(serving server: ModelServer, port: Int, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) {
        self.server = server
        self.host = server.configuration.host
        self.port = port
        self.onRunning = onRunning
    }

    public func run() async throws {
        let settings = server.configuration
        let connections = ConnectionCount(limit: settings.maxConnections)
        let transport = HTTP2ServerTransport.Posix(
            address: Self.address(host: host, port: port),
            transportSecurity: .plaintext,
            config: .defaults { config in
                config.rpc.maxRequestPayloadSize = settings.maxBodyBytes
                config.http2.maxConcurrentStreams = Self.maxConcurrentStreams
                // HTTP/2's default window, 64 KiB, would stop a 32-image request (100 KB) halfway
                // for a WINDOW_UPDATE: a round trip per request. A window as large as
                // grpc-swift's client uses lets a request arrive in one flight; the messages'
                // size stays bounded by maxRequestPayloadSize.
                config.http2.targetWindowSize = Self.windowSize
                config.http2.maxFrameSize = Self.maxFrameSize
                config.connection.maxIdleTime = .seconds(300)
                config.channelDebuggingCallbacks.onAcceptTCPConnection = connections.admit
            })
        var interceptors: [any ServerInterceptor] = []
        if let token = settings.token { interceptors.append(BearerTokenInterceptor(token: BearerToken(token))) }
        let grpc = GRPCServer(transport: transport, services: [OpenInferenceGRPCService(server: server)], interceptors: interceptors)
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await grpc.serve() }
                let address = try await transport.listeningAddress
                await onRunning(address.ipv4?.port ?? address.ipv6?.port ?? port)
            }
        } onGracefulShutdown: {
            grpc.beginGracefulShutdown()
        }
    }

    /// The address to listen on: `host` as an IPv6 address when it holds a colon, 127.0.0.1
    /// for "localhost", else as an IPv4 address.
    static func address(host: String, port: Int) -> GRPCNIOTransportCore.SocketAddress {
        if host.contains(":") { return .ipv6(host: host, port: port) }
        return .ipv4(host: host == "localhost" ? "127.0.0.1" : host, port: port)
    }
}

/// The connections open now; one that opens beyond the limit is closed at once.
final class ConnectionCount: Sendable {
    let limit: Int
    private let open = Mutex(0)

    init(limit: Int) {
        self.limit = limit
    }

    @Sendable func admit(_ channel: any Channel) -> EventLoopFuture<Void> {
        let count = open.withLock { count in
            count += 1
            return count
        }
        channel.closeFuture.whenComplete { _ in self.open.withLock { $0 -= 1 } }
        return count > limit ? channel.close() : channel.eventLoop.makeSucceededVoidFuture()
    }
}
#endif
