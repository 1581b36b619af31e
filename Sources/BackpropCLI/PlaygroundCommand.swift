#if Server
import ArgumentParser
import BackpropPlayground
import Foundation

struct PlaygroundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playground",
        abstract: "Watch a network learn in the browser: an interactive page served on this machine.",
        discussion: """
            Starts a local server and prints its URL; open it in a browser. Training runs in the library on the \
            server and streams to the page: built-in 2-D datasets or your own CSV file, any layers, the optimizers, \
            heat maps, loss curves, and the lecture's equations with every example's numbers. Ctrl-C stops it.
            """
    )

    @Option(help: "The address to listen on; 0.0.0.0 listens on every interface.")
    var host = "127.0.0.1"

    @Option(help: "The TCP port (0: any free port, printed at start).")
    var port = 8080

    @Option(help: ArgumentHelp(
        "A host name the page may be opened under besides IP addresses and localhost (repeatable; '*' allows any).",
        valueName: "name"))
    var allowedHost: [String] = []

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 … 65535, got \(port)") }
    }

    func run() async throws {
        let server = try PlaygroundServer(host: host, port: port, allowedHosts: allowedHost)
        let host = host
        try await server.run { port in
            let shown = host == "0.0.0.0" ? "127.0.0.1" : host.contains(":") ? "[\(host)]" : host
            print("playground at http://\(shown):\(port)/")
            fflush(nil)
        }
        FileHandle.standardError.write(Data("backprop playground: stopped\n".utf8))
    }
}
#endif
