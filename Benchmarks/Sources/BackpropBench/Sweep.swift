import Backprop
import Foundation

/// Training throughput as layer width and batch size grow, on random data: where the
/// matrix products take over from per-element work.
struct Sweep {
    let peak: Double

    func run() throws {
        Swift.print("\nSweep: one training step of [784, w, w, 10] (ReLU, cross-entropy, SGD), GFLOP/s = 6 × parameters × examples / s")
        Swift.print("width  batch  examples/s  GFLOP/s  % sgemm")
        for width in [64, 256, 1024, 4096] { try measure(width: width, batch: 64) }
        for batch in [1, 8, 64, 256, 1024] { try measure(width: 256, batch: batch) }
    }

    private func measure(width: Int, batch: Int) throws {
        let sizes = [784, width, width, 10]
        var network = try Network<Float>(sizes: sizes, activation: .relu, loss: .crossEntropy, seed: 1)
        let examples = max(batch * 8, min(8192, batch * 64))
        let data = try Dataset.random(for: network, count: examples, seed: 2)
        var sgd = try SGD<Float>(learningRate: 1e-3)
        var random = RandomSource(seed: 3)
        _ = try network.trainEpoch(on: data, batchSize: batch, optimizer: &sgd, random: &random)  // warm up
        var best = Double.infinity
        for _ in 0..<3 {
            var failure: Error?
            let t = Timing.measure {
                do { _ = try network.trainEpoch(on: data, batchSize: batch, optimizer: &sgd, random: &random) }
                catch { failure = error }
            }
            if let failure { throw failure }
            best = min(best, t.seconds)
        }
        let rate = Double(examples) / best
        let gflops = 6 * Double(parameterCount(sizes)) * rate / 1e9
        Swift.print(
            String(format: "%5d  %5d  %10.0f  %7.1f  %6.0f%%", width, batch, rate, gflops, 100 * gflops / peak))
    }
}
