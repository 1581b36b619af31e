#if Server
import Backprop
import BackpropServer
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `backprop serve` as a user runs it: the built binary in a process of its own, reloaded by
/// SIGHUP and drained by SIGTERM.
@Suite struct ServeCommandTests {
    @Test func sighupReloadsAndSigtermDrainsTheRequestInFlight() async throws {
        let fixture = try ServerFixture()
        let served = try ServeProcess(["serve", fixture.classifierPath, "--port", "0", "--watch-interval", "0"])
        defer { served.kill() }
        #expect(served.url.hasPrefix("http://127.0.0.1:"), "binds to loopback by default: \(served.url)")
        #expect(try await served.request("GET /readyz").body.contains("\"version\":1"))

        try ModelFile.write(ServerFixture.classifier(seed: 9), to: fixture.classifierPath)
        kill(served.process.processIdentifier, SIGHUP)
        var ready = ""
        for _ in 0..<400 {
            ready = try await served.request("GET /readyz").body
            if ready.contains("\"version\":2") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(ready.contains("\"version\":2"), "SIGHUP did not reload: \(ready)")

        // A request whose body is half sent when SIGTERM arrives is still answered. (A first
        // request on the same connection makes sure the server has accepted it: a connection
        // still in the listen backlog at SIGTERM would rightly be refused.)
        let body = "{\"instances\": [[1, 2, 3]]}"
        let inFlight = try RawConnection(port: served.port)
        try inFlight.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(await inFlight.receiveResponse().hasPrefix("HTTP/1.1 200"))
        try inFlight.send("POST /v1/models/flowers:predict HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body.prefix(10))
        try await Task.sleep(for: .milliseconds(500))
        kill(served.process.processIdentifier, SIGTERM)
        try await Task.sleep(for: .milliseconds(300))
        #expect(served.process.isRunning, "exited with a request in flight")
        try inFlight.send(String(body.dropFirst(10)))
        let answer = await inFlight.receive()
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
        #expect(answer.contains("\"predictions\""))
        served.process.waitUntilExit()
        #expect(served.process.terminationReason == .exit && served.process.terminationStatus == 0)
        #expect(served.errors().contains("drained"))
    }

    /// Past `--max-connections` a client waits in the listen backlog until a connection
    /// closes. (Checked on the binary, as users run it.)
    @Test func connectionsBeyondTheBoundWait() async throws {
        let fixture = try ServerFixture()
        let served = try ServeProcess(["serve", fixture.classifierPath, "--port", "0", "--max-connections", "2"])
        defer { served.kill() }
        var connections: [RawConnection] = []
        for k in 0..<3 {  // one at a time: a burst is accepted in one go, and may pass the bound
            let connection = try RawConnection(port: served.port)
            try connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(connection.hasData(withinMilliseconds: k < 2 ? 10_000 : 500) == (k < 2), "connection \(k + 1) of 3 with a bound of 2")
            connections.append(connection)
        }
        connections[0].close()
        #expect(connections[2].hasData(withinMilliseconds: 10_000), "the waiting client was not served after a connection closed")
    }

    @Test func aModelThatDoesNotLoadStopsTheStartWithOneLine() throws {
        let fixture = try ServerFixture()
        let missing = fixture.folder.appendingPathComponent("absent.safetensors").path
        let result = try ServeProcess.runToEnd(["serve", missing, "--port", "0"])
        #expect(result.status == 1)
        #expect(result.error.contains("absent.safetensors"), "\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1)
        let badPort = try ServeProcess.runToEnd(["serve", fixture.classifierPath, "--port", "70000"])
        #expect(badPort.status == 2)
        #expect(badPort.error.contains("--port"))
    }

    /// The library checks the settings once: the server names the setting, the command line
    /// the flag and the value as typed.
    @Test func settingsAreCheckedOnceByTheLibrary() throws {
        let fixture = try ServerFixture()
        do {
            _ = try fixture.server { $0.maxBatch = 0 }
            Issue.record("a server with maxBatch 0 started")
        } catch let error as ServerSetupError {
            #expect(error.description == "maxBatch 0: expected at least 1")
        }
        let cases = [
            (["--max-batch", "0"], "--max-batch 0: expected at least 1"),
            (["--request-timeout", "1e300"], "--request-timeout 1e+300: expected more than 0 s and at most 86400 s"),
            (["--request-timeout", "nan"], "--request-timeout nan: expected a number of seconds"),
            (["--watch-interval=-1"], "--watch-interval -1.0: expected more than 0 s and at most 86400 s, or none"),
            (["--max-delay-us", "20000000"], "--max-delay-us 20000000: expected 0 … 10 s"),
            (["--max-request-examples", "0"], "--max-request-examples 0: expected at least 1"),
            (["--header-timeout", "0"], "--header-timeout 0.0: expected more than 0 s and at most 86400 s"),
            (["--metrics-port", "70000"], "--metrics-port 70000: expected 0 … 65535"),
            (["--port", "8123", "--metrics-port", "8123"], "--metrics-port 8123: expected a port other than the main port 8123"),
        ]
        for (flags, message) in cases {
            let result = try ServeProcess.runToEnd(["serve", fixture.classifierPath, "--port", "0"] + flags)
            #expect(result.status == 2, "\(flags): \(result.error)")
            #expect(result.error.contains(message), "\(flags): \(result.error)")
        }
    }

    @Test func aPortInUseIsAnErrorNotACrash() throws {
        let fixture = try ServerFixture()
        let first = try ServeProcess(["serve", fixture.classifierPath, "--port", "0"])
        defer { first.kill() }
        let second = try ServeProcess.runToEnd(["serve", fixture.classifierPath, "--port", "\(first.port)"])
        #expect(second.status == 1, "\(second.error)")
        #expect(second.error.lowercased().contains("address already in use"), "\(second.error)")
    }
}

/// `backprop serve` started in a process of its own, once it prints its URL.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let url: String
    let port: Int
    private let errorPipe = Pipe()

    init(_ arguments: [String]) throws {
        let process = self.process
        process.executableURL = try Self.binary()
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errorPipe
        try Self.withSignalsUnblocked { try process.run() }
        var printed = ""
        while !printed.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            printed += String(decoding: chunk, as: UTF8.self)
        }
        guard let found = printed.firstRange(of: "http://") else {
            process.terminate()
            throw ServeProcessError(message: "no URL printed: \(printed) \(String(decoding: errorPipe.fileHandleForReading.availableData, as: UTF8.self))")
        }
        url = String(printed[found.lowerBound...].prefix { !$0.isWhitespace })
        let authority = url.dropFirst("http://".count).prefix { $0 != "/" }
        port = Int(authority.split(separator: ":").last ?? "") ?? 0
    }

    /// `backprop arguments` run to its end: exit status and standard error.
    static func runToEnd(_ arguments: [String]) throws -> (status: Int32, error: String) {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        let error = Pipe()
        process.standardError = error
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// One HTTP/1.1 request ("METHOD PATH") on a connection of its own.
    func request(_ line: String, body: String = "") async throws -> (status: Int, body: String) {
        try await rawRequest(port: port, line, body: body)
    }

    /// What it wrote to standard error (after it has exited).
    func errors() -> String {
        String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    func kill() {
        if process.isRunning { process.interrupt() }
    }

    static func binary() throws -> URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let candidates = [exe.deletingLastPathComponent(), Bundle.main.bundleURL.deletingLastPathComponent()].map { $0.appendingPathComponent("backprop") }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw ServeProcessError(message: "backprop is not built beside the tests: \(candidates.map(\.path))")
        }
        return found
    }

    /// Runs `body` with SIGINT, SIGTERM and SIGHUP unblocked: the test runner's threads block
    /// them, and a child inherits the mask.
    static func withSignalsUnblocked<T>(_ body: () throws -> T) rethrows -> T {
        var signals = sigset_t(), previous = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_UNBLOCK, &signals, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }
}

struct ServeProcessError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
#endif
