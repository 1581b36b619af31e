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
}

#endif
