#if Server
import Backprop
import BackpropServer
import Foundation
import Hummingbird
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The server on a real socket, and clients that
/// misbehave below HTTP: slow, dripping or not speaking HTTP at all.
@Suite struct LiveServerTests {
    @Test func predictsOverARealConnection() async throws {
        let fixture = try ServerFixture()
        try await serving(fixture.server()) { client in
            let response = try await post(client, "/v1/models/flowers:predict", "{\"instances\": [[1, 2, 3], [4, 5, 6]]}")
            #expect(response.status == .ok)
            #expect((try json(response)["predictions"] as? [Any])?.count == 2)
            #expect(response.headers["server"] == "backprop")
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
        let server = try fixture.server { $0.requestTimeout = .milliseconds(800) }
        try await serving(server) { client in
            let port = client.port
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
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(!dripping.isOpen(), "a client dripping its body held its connection for 8 s")
            #expect(healthChecks > 0)
            for _ in 0..<40 where halfHead.isOpen() { try await Task.sleep(for: .milliseconds(50)) }
            #expect(!halfHead.isOpen(), "half a request head held its connection for 2 s past the deadline")
        }
    }

    @Test func garbageBelowHTTPLeavesTheServerServing() async throws {
        let fixture = try ServerFixture()
        try await serving(fixture.server()) { client in
            let port = client.port
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

    /// A connection that has not finished its request head when `headerTimeout` passes is
    /// closed, long before `requestTimeout`; one that sent its head in time is not.
    @Test func halfHeadsAreCutOffAtTheHeaderTimeout() async throws {
        let fixture = try ServerFixture()
        let server = try fixture.server {
            $0.requestTimeout = .seconds(20)
            $0.headerTimeout = .milliseconds(500)
        }
        try await serving(server) { client in
            let halfHead = try RawConnection(port: client.port)
            try halfHead.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
            let wholeHead = try RawConnection(port: client.port)
            try wholeHead.send("POST /v1/models/flowers:predict HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{")
            for _ in 0..<100 where halfHead.isOpen() { try await Task.sleep(for: .milliseconds(50)) }
            #expect(!halfHead.isOpen(), "half a request head held its connection for 5 s with a header timeout of 0.5 s")
            #expect(wholeHead.isOpen(), "a request whose head came in time was cut off at the header timeout")
        }
    }

    /// With every connection of the main port held by half-sent heads, the metrics port still
    /// answers the probes, and only them.
    @Test func theMetricsPortAnswersWhileTheMainPortIsFull() async throws {
        let fixture = try ServerFixture()
        let server = try fixture.server {
            $0.maxConnections = 4
            $0.metricsPort = 0
        }
        try await serving(server) { client, metrics in
            let metrics = try #require(metrics)
            let flood = try (0..<8).map { _ in try RawConnection(port: client.port) }
            for connection in flood { try? connection.send("GET /healthz HTTP/1.1\r\n") }
            let waiting = try RawConnection(port: client.port)
            try waiting.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(!waiting.hasData(withinMilliseconds: 300), "the main port answered past its connection limit")
            #expect(try await metrics.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await metrics.execute(uri: "/readyz", method: .get).status == .ok)
            #expect(try await metrics.execute(uri: "/metrics", method: .get).status == .ok)
            #expect(try await metrics.execute(uri: "/v1/models/flowers", method: .get).status == .notFound)
            for connection in flood { connection.close() }
            #expect(waiting.hasData(withinMilliseconds: 10_000))
        }
    }

    /// HTTP/1 as nginx answers it: HTTP/1.0 without keep-alive is closed after its response,
    /// which says `Connection: close`; a transfer coding other than `chunked` gets 501; `HEAD`
    /// is `GET` without the body.
    @Test func http1ConformanceOnTheWire() async throws {
        let fixture = try ServerFixture()
        try await serving(fixture.server()) { client in
            let old = try RawConnection(port: client.port)
            try old.send("GET /healthz HTTP/1.0\r\n\r\n")
            let answer = await old.receive()  // returns when the server closes the connection
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
            #expect(answer.lowercased().contains("\r\nconnection: close\r\n"), "\(answer)")
            #expect(answer.hasSuffix("{\"status\":\"ok\"}"), "\(answer)")

            let keptAlive = try RawConnection(port: client.port)
            try keptAlive.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let kept = await keptAlive.receiveResponse()
            #expect(kept.lowercased().contains("\r\nconnection: keep-alive\r\n"), "\(kept)")
            #expect(keptAlive.isOpen(), "an HTTP/1.0 request asking for keep-alive had its connection closed")

            let gzip = try RawConnection(port: client.port)
            try gzip.send("POST /v1/models/flowers:predict HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
            let refused = await gzip.receive()
            #expect(refused.hasPrefix("HTTP/1.1 501"), "\(refused)")
            #expect(refused.contains("{\"error\":\"Transfer-Encoding 'gzip, chunked' is not supported"), "\(refused)")

            let get = try await client.execute(uri: "/v1/models/flowers", method: .get)
            let head = try RawConnection(port: client.port)
            try head.send("HEAD /v1/models/flowers HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            let headAnswer = await head.receive()
            #expect(headAnswer.hasPrefix("HTTP/1.1 200"), "\(headAnswer)")
            #expect(headAnswer.hasSuffix("\r\n\r\n"), "a HEAD response with a body: \(headAnswer)")
            #expect(headAnswer.lowercased().contains("content-length: \(get.body.readableBytes)\r\n"), "\(headAnswer)")
            let missing = try RawConnection(port: client.port)
            try missing.send("HEAD /v1/models/trees HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            let missingAnswer = await missing.receive()
            #expect(missingAnswer.hasPrefix("HTTP/1.1 404") && missingAnswer.hasSuffix("\r\n\r\n"), "\(missingAnswer)")
        }
    }
}

#endif
