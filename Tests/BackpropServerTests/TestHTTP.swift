#if Server
import BackpropServer
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Testing
#if canImport(Glibc)
import Glibc
#endif

// The tests' HTTP client: the server runs on a free port of 127.0.0.1 and every request goes
// over a real socket, written byte for byte. (HummingbirdTesting would bring AsyncHTTPClient,
// and with it SwiftNIO SSL's BoringSSL and HTTP/2: 434 C files and about 200 Swift files more
// to compile in every `make test`, which then ran past its 20 minutes.)

/// Runs `server` on a free port of 127.0.0.1 while `body` talks to it, then shuts it down
/// gracefully (as SIGTERM does) and waits until it has.
func serving(_ server: ModelServer, _ body: @Sendable (TestClient) async throws -> Void) async throws {
    try await serving(server) { client, _ in try await body(client) }
}

/// Runs `server`, whose configuration has a `metricsPort` (0), while `body` talks to its main
/// port and its metrics port, then shuts it down as `serving` does.
func serving(_ server: ModelServer, _ body: @Sendable (TestClient, TestClient?) async throws -> Void) async throws {
    let (ports, announce) = AsyncStream.makeStream(of: Int.self)
    let (metricsPorts, announceMetrics) = AsyncStream.makeStream(of: Int.self)
    let application = server.makeApplication { port in announce.yield(port) } onMetricsRunning: { port in announceMetrics.yield(port) }
    let group = ServiceGroup(configuration: .init(services: [application], logger: Logger(label: "test")))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            defer {
                announce.finish()
                announceMetrics.finish()
            }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await tasks.waitForAll()
            throw ServeProcessError(message: "the server stopped before it listened")
        }
        var metricsPort: Int?
        if server.configuration.metricsPort != nil {
            var metricsIterator = metricsPorts.makeAsyncIterator()
            metricsPort = await metricsIterator.next()
        }
        do {
            try await body(TestClient(port: port), metricsPort.map { TestClient(port: $0) })
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

/// An HTTP/1.1 client for the server under test: one connection per request.
struct TestClient: Sendable {
    /// The server's port on 127.0.0.1.
    let port: Int

    /// Sends one request and reads the whole response (the server closes the connection after it).
    func execute(uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil) async throws -> TestResponse {
        let connection = try RawConnection(port: port)
        var head = "\(method.rawValue) \(uri) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        for field in headers { head += "\(field.name.rawName): \(field.value)\r\n" }
        let bytes = body.map { Array($0.readableBytesView) } ?? []
        if body != nil || method == .post { head += "Content-Length: \(bytes.count)\r\n" }
        try connection.send(Array(head.utf8) + Array("\r\n".utf8) + bytes)
        return try TestResponse(parsing: await connection.receiveBytes())
    }
}

/// A response as the client read it.
struct TestResponse: Sendable {
    var status: HTTPResponse.Status
    /// Header fields by lowercased name.
    var headers: [String: String]
    var body: ByteBuffer

    /// Reads a status line, header fields and a body (by Content-Length, chunked, or to the end).
    init(parsing bytes: [UInt8]) throws {
        let separator = Array("\r\n\r\n".utf8)
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<($0 + 4)]) == separator }) else {
            throw ServeProcessError(message: "no complete response head in \(bytes.count) bytes: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, let code = Int(statusParts[1]) else { throw ServeProcessError(message: "bad status line: \(lines[0])") }
        status = HTTPResponse.Status(code: code)
        headers = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var rest = Array(bytes[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            var decoded = [UInt8]()
            while let lineEnd = (0..<max(0, rest.count - 1)).first(where: { rest[$0] == 13 && rest[$0 + 1] == 10 }),
                  let size = Int(String(decoding: rest[..<lineEnd], as: UTF8.self), radix: 16), size > 0,
                  rest.count >= lineEnd + 2 + size {
                decoded += rest[(lineEnd + 2)..<(lineEnd + 2 + size)]
                rest = Array(rest[min(rest.count, lineEnd + 4 + size)...])
            }
            rest = decoded
        } else if let length = headers["content-length"].flatMap(Int.init) {
            rest = Array(rest.prefix(length))
        }
        body = ByteBuffer(bytes: rest)
    }
}

/// One HTTP/1.1 request ("METHOD PATH") on a connection of its own: the status and the body.
func rawRequest(port: Int, _ line: String, body: String = "") async throws -> (status: Int, body: String) {
    let connection = try RawConnection(port: port)
    try connection.send("\(line) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
    let answer = await connection.receive()
    let status = Int(answer.split(separator: " ").dropFirst().first ?? "") ?? 0
    return (status, answer.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n"))
}

/// A TCP connection to 127.0.0.1 written byte for byte, for clients no HTTP library would be.
final class RawConnection: @unchecked Sendable {
    private let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    private var closed = false

    deinit { close() }

    func close() {
        if !closed { Glibc.close(fd) }
        closed = true
    }

    /// Whether the server sends something within `milliseconds`.
    func hasData(withinMilliseconds milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, milliseconds) > 0
    }

    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        guard Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw POSIXError(.EPIPE) }
    }

    /// Everything the server sends until it closes the connection or 30 s pass (the tests run beside
    /// others on two cores: a server under test can wait seconds for a thread), read on a
    /// thread of its own: a blocking read on Swift's cooperative pool (two threads here)
    /// could starve the server under test, which runs on the same pool.
    func receive() async -> String {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: String(decoding: self.receiveBlocking(), as: UTF8.self)) }.start()
        }
    }

    /// One whole response on a keep-alive connection (head, then `Content-Length` bytes of
    /// body), read on a thread of its own; what arrived if the server stops sending for 30 s.
    func receiveResponse() async -> String {
        await withCheckedContinuation { continuation in
            Thread {
                var out = [UInt8]()
                var buffer = [UInt8](repeating: 0, count: 4096)
                while !Self.isWholeResponse(out) {
                    let n = recv(self.fd, &buffer, buffer.count, 0)
                    if n <= 0 { break }
                    out += buffer[0..<n]
                }
                continuation.resume(returning: String(decoding: out, as: UTF8.self))
            }.start()
        }
    }

    private static func isWholeResponse(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let endOfHead = text.range(of: "\r\n\r\n") else { return false }
        let length = text[..<endOfHead.lowerBound].split(separator: "\r\n")
            .first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") } ?? 0
        return text.utf8.count - text.utf8.distance(from: text.utf8.startIndex, to: endOfHead.upperBound) >= length
    }

    /// The bytes the server sends until it closes the connection or 30 s pass, read as
    /// `receive()` reads them.
    func receiveBytes() async -> [UInt8] {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.receiveBlocking()) }.start()
        }
    }

    private func receiveBlocking() -> [UInt8] {
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return out
    }

    /// Whether the server has not closed the connection (a read would block, not return 0).
    func isOpen() -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    }
}
#endif
