// backprop-grpc-load: the gRPC rows of scripts/bench-serve.sh, as wrk gives the REST ones.
// Calls ModelInfer of `inference.GRPCInferenceService` with grpc-swift 2's client (the
// messages and client in Generated/, from scripts/grpc), `--concurrency` calls at a time
// spread over up to 8 connections, each call one tensor of `--rows` examples sent as
// `raw_input_contents`, for `--seconds`. Prints one JSON object: requests/s, p50 and p99
// latency in ms, errors, and the cores this client used.
import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
#if canImport(Glibc)
import Glibc
#endif

@main
struct GRPCLoad: AsyncParsableCommand {
    @Option(help: "The server's gRPC port on 127.0.0.1.")
    var port: Int

    @Option(help: "The model to call.")
    var model: String

    @Option(help: "A file of little-endian FP32 values, rows × width of them.")
    var tensor: String

    @Option(help: "Examples per call.")
    var rows: Int

    @Option(help: "Calls in flight at once.")
    var concurrency = 1

    @Option(help: "Seconds to run.")
    var seconds = 10.0

    func run() async throws {
        let raw = try Data(contentsOf: URL(fileURLWithPath: tensor))
        let width = raw.count / 4 / rows
        let request = Inference_ModelInferRequest.with {
            $0.modelName = model
            $0.inputs = [.with { $0.name = "input"; $0.datatype = "FP32"; $0.shape = [Int64(rows), Int64(width)] }]
            $0.rawInputContents = [raw]
        }
        let connections = min(concurrency, 8)
        let clients = try (0..<connections).map { _ in
            GRPCClient(transport: try HTTP2ClientTransport.Posix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext))
        }
        var latencies: [Double] = []
        var errors = 0
        let clock = ContinuousClock()
        let cpuStart = cpuSeconds()
        let start = clock.now
        let deadline = start + .milliseconds(Int64(seconds * 1000))
        try await withThrowingDiscardingTaskGroup { group in
            for client in clients { group.addTask { try await client.runConnections() } }
            // One call first on each connection, so that connecting is not timed.
            for client in clients { _ = try await Inference_GRPCInferenceService.Client(wrapping: client).modelInfer(request) }
            try await withThrowingTaskGroup(of: ([Double], Int).self) { workers in
                for k in 0..<concurrency {
                    let service = Inference_GRPCInferenceService.Client(wrapping: clients[k % connections])
                    workers.addTask {
                        var mine: [Double] = []
                        var failed = 0
                        while clock.now < deadline {
                            let begin = clock.now
                            do {
                                _ = try await service.modelInfer(request)
                                let elapsed = clock.now - begin
                                mine.append(Double(elapsed.components.attoseconds) * 1e-15 + Double(elapsed.components.seconds) * 1e3)
                            } catch {
                                failed += 1
                            }
                        }
                        return (mine, failed)
                    }
                }
                for try await (mine, failed) in workers {
                    latencies += mine
                    errors += failed
                }
            }
            for client in clients { client.beginGracefulShutdown() }
        }
        let elapsed = clock.now - start
        let total = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let sorted = latencies.sorted()
        let quantile = { (q: Double) in sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))] }
        print(
            "{\"requests_per_second\": \(Double(sorted.count) / total), \"p50_ms\": \(quantile(0.5)), \"p99_ms\": \(quantile(0.99)), "
                + "\"errors\": \(errors), \"cores\": \((cpuSeconds() - cpuStart) / total)}")
    }

    /// User and system CPU seconds this process has used, on all its threads.
    private func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    }
}
