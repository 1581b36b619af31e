#if Server
import Backprop
import BackpropServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The server on a real socket (HummingbirdTesting's live framework), and clients that
/// misbehave below HTTP: slow, dripping or not speaking HTTP at all.
@Suite struct LiveServerTests {
    @Test func predictsOverARealConnection() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.server().makeApplication().test(.live) { client in
            let response = try await post(client, "/v1/models/flowers:predict", "{\"instances\": [[1, 2, 3], [4, 5, 6]]}")
            #expect(response.status == .ok)
            #expect((try json(response)["predictions"] as? [Any])?.count == 2)
            #expect(response.headers[.server] == "backprop")
        }
    }

    /// A client that sends half a request head, or drips its body a byte at a time, is cut
    /// off once the request deadline passes; other clients are served meanwhile.
    ///
    /// The drips come every 50 ms, far inside the 800 ms deadline, so Hummingbird's idle
    /// timeout alone would keep the dripping connection open for the whole 8 s. Nothing here
    /// depends on how fast the machine is: a loaded machine that sleeps longer between drips
    /// only makes the connection easier to close, never a correct server fail.
    @Test func slowClientsAreCutOff() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let server = try fixture.server { $0.requestTimeout = .milliseconds(800) }
        try await server.makeApplication().test(.live) { client in
            let port = try #require(client.port)
            let halfHead = try RawConnection(port: port)
            try halfHead.send("POST /v1/models/flowers:predict HTTP/1.1\r\nHost: localhost\r\n")
            let dripping = try RawConnection(port: port)
            try dripping.send("POST /v1/models/flowers:predict HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{")
            let start = ContinuousClock.now
            var healthChecks = 0
            while dripping.isOpen(), ContinuousClock.now - start < .seconds(8) {
                try? dripping.send(" ")
                if healthChecks < 3 {
                    let health = try await rawRequest(port: port, "GET /healthz")
                    #expect(health.status == 200, "\(health)")
                    healthChecks += 1
                }
                try await _Concurrency.Task.sleep(for: .milliseconds(50))
            }
            #expect(!dripping.isOpen(), "a client dripping its body held its connection for 8 s")
            #expect(healthChecks > 0)
            for _ in 0..<40 where halfHead.isOpen() { try await _Concurrency.Task.sleep(for: .milliseconds(50)) }
            #expect(!halfHead.isOpen(), "half a request head held its connection for 2 s past the deadline")
        }
    }

    @Test func garbageBelowHTTPLeavesTheServerServing() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.server().makeApplication().test(.live) { client in
            let port = try #require(client.port)
            for garbage in ["\u{16}\u{03}\u{01}\u{02}\u{00}hello", "GET / HTTP/9.9\r\n\r\n", "POST /v1/models/flowers:predict HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                            "GET /\(String(repeating: "a", count: 100_000)) HTTP/1.1\r\n\r\n"] {
                let connection = try RawConnection(port: port)
                try? connection.send(garbage)
                let answer = await connection.receive()
                #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 4"), "\(answer.prefix(80))")
            }
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
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
        let bytes = Array(text.utf8)
        guard Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw POSIXError(.EPIPE) }
    }

    /// Everything the server sends until it closes the connection or 30 s pass (the tests run beside
    /// others on two cores: a server under test can wait seconds for a thread), read on a
    /// thread of its own: a blocking read on Swift's cooperative pool (two threads here)
    /// could starve the server under test, which runs on the same pool.
    func receive() async -> String {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.receiveBlocking()) }.start()
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

    private func receiveBlocking() -> String {
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether the server has not closed the connection (a read would block, not return 0).
    func isOpen() -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    }
}
#endif
