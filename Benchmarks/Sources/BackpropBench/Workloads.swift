import Backprop
import Foundation

/// Fashion-MNIST, as the peers load it: pixels / 255 as Float, 60,000 + 10,000 examples.
struct FashionMNIST {
    let train: Dataset<Float>
    let test: Dataset<Float>

    init(folder: String) throws {
        train = try Dataset.idx(
            images: folder + "/train-images-idx3-ubyte.gz", labels: folder + "/train-labels-idx1-ubyte.gz")
        test = try Dataset.idx(
            images: folder + "/t10k-images-idx3-ubyte.gz", labels: folder + "/t10k-labels-idx1-ubyte.gz")
    }
}

/// One row of the results table.
struct Result {
    var workload: String
    var implementation: String
    /// Seconds per epoch (training) or per example (latency).
    var seconds: Samples
    var examplesPerSecond: Double
    var gflops: Double?
    var accuracy: Double?
    var allocationsPerStep: Double?
    /// Peak resident memory of the process while training, in MiB.
    var peakMemoryMB: Double?
    var note = ""
    /// The round of the interleaved comparison it was measured in.
    var round = 0
    /// The cores' FMA peak measured just before that round (GFLOP/s).
    var roundPeak: Double?
}

func parameterCount(_ sizes: [Int]) -> Int {
    zip(sizes, sizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 }
}

/// The workloads of Benchmarks/Peers/README.md, run with Backprop: W1 and W3 one epoch of a new
/// network, W2 its five epochs, W4 `repeats` passes, as the peers run them in one round.
struct Workloads {
    let data: FashionMNIST
    let repeats: Int
    let allocations: AllocationCounter
    /// Whether to count allocations per step (one more epoch after the timed ones).
    var countsAllocations = true
    /// Seeds the networks' initialization and the shuffling (the peers get the same number).
    var seed: UInt64 = 1

    func run(_ workload: String) throws -> [Result] {
        switch workload {
        case "W1": [try w1()]
        case "W2": [try w2(), try w2(precision: .bfloat16)]
        case "W3": [try w3(), try w3(precision: .bfloat16)]
        default: try w4() + w4(precision: .bfloat16)
        }
    }

    /// W1: [784, 30, 10], sigmoid, quadratic cost, N(0, 1), plain SGD η = 3, batch 10.
    func w1() throws -> Result {
        var network = try Network<Float>(
            sizes: [784, 30, 10], activation: .sigmoid, loss: .quadratic, initialization: .normal, seed: seed)
        var sgd = try SGD<Float>(learningRate: 3)
        return try train(&network, optimizer: &sgd, batchSize: 10, epochs: 1, name: "W1")
    }

    /// W2: [784, 256, 128, 10], ReLU, softmax cross-entropy, Adam 1e-3, batch 64, 5 epochs;
    /// its products in `precision`.
    func w2(precision: Precision = .float32) throws -> Result {
        var network = try Network<Float>(sizes: [784, 256, 128, 10], activation: .relu, loss: .crossEntropy, seed: seed)
        var adam = try Adam<Float>(learningRate: 1e-3)
        return try train(&network, optimizer: &adam, batchSize: 64, epochs: 5, name: "W2", precision: precision)
    }

    /// W3: [784, 1024, 1024, 10], ReLU, softmax cross-entropy, SGD 0.01, batch 512, 1 epoch per
    /// repeat; its products in `precision`.
    func w3(precision: Precision = .float32) throws -> Result {
        var network = try Network<Float>(sizes: [784, 1024, 1024, 10], activation: .relu, loss: .crossEntropy, seed: seed)
        var sgd = try SGD<Float>(learningRate: 0.01)
        PeakMemory.reset()
        var result = try train(&network, optimizer: &sgd, batchSize: 512, epochs: 1, name: "W3", precision: precision)
        result.peakMemoryMB = PeakMemory.megabytes()
        result.gflops = 6 * Double(parameterCount([784, 1024, 1024, 10])) * result.examplesPerSecond / 1e9
        return result
    }

    /// W4: the W2 network, inference: one example at a time (latency), and the test set in
    /// batches of 1,000 (throughput); the products in `precision`.
    func w4(precision: Precision = .float32) throws -> [Result] {
        let implementation = precision == .float32 ? "backprop" : "backprop \(precision.rawValue)"
        let network = try Network<Float>(sizes: [784, 256, 128, 10], activation: .relu, loss: .crossEntropy, seed: seed)
        let inputs = data.test.inputs
        let predictor = Predictor(network, precision: precision)
        let clock = ContinuousClock()
        var single = Samples()
        var classes = 0  // consumed below, so the predictions cannot be optimized away
        for _ in 0..<repeats {
            var latencies: [Double] = []
            var failure: Error?
            let t = Timing.measure {
                inputs.elements.withUnsafeBufferPointer { x in
                    for i in 0..<inputs.rows {
                        let example = UnsafeBufferPointer(rebasing: x[(i * 784)..<((i + 1) * 784)])
                        let start = clock.now
                        do { classes &+= try predictor.predictClass(example) } catch { failure = error }
                        latencies.append((clock.now - start).seconds)
                    }
                }
            }
            if let failure { throw failure }
            latencies.sort()
            single.timings.append(Timing(seconds: latencies[latencies.count / 2], otherCores: t.otherCores))
        }
        if classes < 0 { print(classes) }
        var batched = Samples()
        let chunks = try stride(from: 0, to: inputs.rows, by: 1000).map { start in
            try Matrix(rows: 1000, columns: 784, elements: Array(inputs.elements[(start * 784)..<((start + 1000) * 784)]))
        }
        let batchPredictor = Predictor(network, batchSize: 1000, precision: precision)
        for _ in 0..<repeats {
            batched.timings.append(try Timing.measure { for chunk in chunks { _ = try batchPredictor.predictClasses(chunk) } })
        }
        return [
            Result(workload: "W4 latency", implementation: implementation, seconds: single, examplesPerSecond: 1 / single.median,
                   note: "median of 1,000 single predictions"),
            Result(workload: "W4 batch 1000", implementation: implementation, seconds: batched,
                   examplesPerSecond: Double(inputs.rows) / batched.best),
        ]
    }

    /// Trains `epochs` epochs with products in `precision`, timing each; counts allocations
    /// over one more epoch.
    private func train<O: Optimizer<Float>>(
        _ network: inout Network<Float>, optimizer: inout O, batchSize: Int, epochs: Int, name: String,
        precision: Precision = .float32
    ) throws -> Result {
        let implementation = precision == .float32 ? "backprop" : "backprop \(precision.rawValue)"
        var random = RandomSource(seed: seed)
        var samples = Samples()
        for epoch in 1...epochs {
            var caught: Error?
            var net = network, opt = optimizer, rng = random
            samples.timings.append(Timing.measure {
                do {
                    _ = try net.trainEpoch(
                        on: data.train, batchSize: batchSize, optimizer: &opt, random: &rng, epoch: epoch, precision: precision)
                }
                catch { caught = error }
            })
            if let caught { throw caught }
            network = net
            optimizer = opt
            random = rng
        }
        let accuracy = try network.evaluate(on: data.test).accuracy
        guard countsAllocations else {
            return Result(
                workload: name, implementation: implementation, seconds: samples,
                examplesPerSecond: Double(data.train.count) / samples.best, accuracy: accuracy)
        }
        // Allocations in the steady state: counted over batches 11 … 110 of one more epoch.
        var net = network, opt = optimizer, rng = random
        let counter = allocations
        _ = try net.trainEpoch(
            on: data.train, batchSize: batchSize, optimizer: &opt, random: &rng, epoch: epochs + 1, precision: precision
        ) { progress in
            if progress.batch == 10 { counter.start() }
            if progress.batch == 110 { counter.stop() }
        }
        return Result(
            workload: name, implementation: implementation, seconds: samples,
            examplesPerSecond: Double(data.train.count) / samples.best, accuracy: accuracy,
            allocationsPerStep: counter.count.map { Double($0) / 100 })
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
