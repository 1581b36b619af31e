// backprop-serve-bench: the in-process rate that `backprop serve` is measured against
// (scripts/bench-serve.sh). Loads a model file and times `Model.predict` on batches of
// `--batch` raw examples (as the server's batcher runs them: scaling, then one forward pass)
// for `--seconds`, after a warm-up. Prints one JSON object: examples/s, and the cores used
// (CPU seconds per second).
import ArgumentParser
import Backprop
import Foundation
#if canImport(Glibc)
import Glibc
#endif

@main
struct ServeBench: ParsableCommand {
    @Argument(help: "A model file written by `backprop train --output`.")
    var model: String

    @Option(help: "Examples per forward pass.")
    var batch = 256

    @Option(help: "Seconds to time.")
    var seconds = 3.0

    func run() throws {
        let trained: Model<Float> = try ModelFile.read(from: model)
        var random = SystemRandomNumberGenerator()
        let n = trained.network.inputSize
        let inputs = try Matrix(rows: batch, columns: n, elements: (0..<(batch * n)).map { _ in Float.random(in: 0...1, using: &random) })
        for _ in 0..<20 { _ = try trained.predict(inputs) }
        let clock = ContinuousClock()
        let cpuStart = cpuSeconds()
        let start = clock.now
        var passes = 0
        while clock.now - start < .milliseconds(Int64(seconds * 1000)) {
            _ = try trained.predict(inputs)
            passes += 1
        }
        let elapsed = clock.now - start
        let total = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let cores = (cpuSeconds() - cpuStart) / total
        print("{\"batch\": \(batch), \"examples_per_second\": \(Double(passes * batch) / total), \"cores\": \(cores)}")
    }

    /// User and system CPU seconds this process has used, on all its threads.
    private func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    }
}
