// backprop-scaling: data-parallel training speed on the MPI job this process belongs to
// (`mpirun -np N backprop-scaling …`, or alone for one process). Trains W2 or W3 on
// Fashion-MNIST for one untimed epoch and `--epochs` timed ones, then times the allreduce
// of the model's gradient size. Rank 0 prints one JSON object, with its processor time per
// timed step in user space and in the kernel (where the kernel's TCP work shows).
import ArgumentParser
import Backprop
import BackpropMPI
import Foundation

@main
struct ScalingBench: ParsableCommand {
    @Argument(help: "W2 ([784, 256, 128, 10], Adam, batch 64) or W3 ([784, 1024, 1024, 10], SGD, batch 512).")
    var workload: String

    @Option(help: "BLAS threads per process.")
    var threads = 1

    @Option(help: "Timed epochs.")
    var epochs = 1

    @Flag(help: "Sum the gradients after backpropagation instead of layer by layer during it.")
    var noOverlap = false

    @Option(help: "The most MiB of gradients summed in one message (0: one message per tensor).")
    var bucketCapMb = 0.0

    @Option(help: "Gradient sums in fp32 or bf16.")
    var allreducePrecision = "fp32"

    @Option(help: "Folder of Fashion-MNIST.")
    var data = "/usr/share/datasets/fashion-mnist"

    @Option(help: "What joins the ranks, for the record (e.g. \"shared memory\", \"TCP 1gbit\").")
    var link = "shared memory"

    func run() throws {
        let world = try MPICommunicator()
        defer { world.finalize() }
        setBLASThreadCount(threads)
        let (sizes, optimizer, batch): ([Int], OptimizerConfiguration, Int) = workload == "W3"
            ? ([784, 1024, 1024, 10], .sgd(learningRate: 0.01), 512) : ([784, 256, 128, 10], .adam(learningRate: 1e-3), 64)
        let network = try Network<Float>(sizes: sizes, activation: .relu, loss: .crossEntropy, seed: 1)
        let train = try Dataset<Float>.idx(
            images: data + "/train-images-idx3-ubyte.gz", labels: data + "/train-labels-idx1-ubyte.gz")
        var session = try TrainingSession(
            trainer: Trainer(epochs: epochs + 1, batchSize: batch, optimizer: optimizer, seed: 1), network: network, data: train)
        session.communicator = world
        session.overlapsCommunication = !noOverlap
        session.gradientBucketCapacity = Int(bucketCapMb * Double(1 << 20))
        session.gradientSumPrecision = Precision(rawValue: allreducePrecision) ?? .float32
        _ = try session.run { event in  // the untimed first epoch
            if case .epoch = event { return .pause }
            return .proceed
        }
        try world.barrier()
        let clock = ContinuousClock()
        let start = clock.now
        let cpuBefore = processorTime()
        try session.run()
        let cpuAfter = processorTime()
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18

        // The allreduce of one step's gradients, alone: median of 30.
        let count = zip(sizes, sizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 }
        var gradients = [Float](repeating: 1, count: count)
        var times: [Double] = []
        for _ in 0..<30 {
            try world.barrier()
            let t = clock.now
            try gradients.withUnsafeMutableBufferPointer { try world.allReduceSum($0) }
            let d = clock.now - t
            times.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        }
        guard world.rank == 0 else { return }
        let steps = epochs * ((train.count + batch - 1) / batch)
        let object: [String: Any] = [
            "workload": workload, "ranks": world.size, "threads": threads, "overlap": !noOverlap, "link": link,
            "bucket_cap_mb": bucketCapMb, "allreduce_precision": allreducePrecision,
            "batch": batch,
            "examples_per_second": Double(train.count * epochs) / seconds,
            "allreduce_seconds": times.sorted()[times.count / 2], "gradient_values": count,
            "user_seconds_per_step": (cpuAfter.user - cpuBefore.user) / Double(steps),
            "system_seconds_per_step": (cpuAfter.system - cpuBefore.system) / Double(steps),
        ]
        let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}

/// This process's processor time so far, in user space and in the kernel (`getrusage`).
private func processorTime() -> (user: Double, system: Double) {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return (seconds(usage.ru_utime), seconds(usage.ru_stime))
}
