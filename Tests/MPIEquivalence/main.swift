// The data-parallel equivalence check, run by MPITests as
// `mpirun -np N mpi-equivalence`: like PyTorch's DDP tests, every rank trains one model
// together with the others and, alone, the same model on the whole batch, stepping both in
// lockstep and comparing every parameter after every step. Cases: SGD with momentum and
// Adam, in Float and Double, with global batches of 10 and 12 on 37 examples (an uneven
// last batch; with 12, a last batch of one example, so that a rank has none), two epochs.
// Then with data shards (`--shard-data`): each rank holds only its part of the training and
// validation sets, and one process holding every part draws the same batches; the
// parameters after every step and each epoch's train and validation losses must agree.
// Gradients are summed one tensor at a time, and in one case also in gradient buckets of
// 25 MiB and of 400 bytes; in another in bfloat16 (within 1e-2, and the sum operation
// itself checked value by value).
// Prints one line per case from rank 0; exits 1 if a difference exceeds the tolerance.
// Without the trait `MPI` it is an empty program (MPITests is not run then).
#if MPI
import Backprop
import BackpropMPI
import Foundation

let world: MPICommunicator
do {
    world = try MPICommunicator()
} catch {
    FileHandle.standardError.write(Data("mpi-equivalence: \(error)\n".utf8))
    exit(1)
}

/// Training that differed between the ranks together and one process alone.
struct Mismatch: Error, CustomStringConvertible {
    var description: String
}

/// ‖a − b‖∞ / ‖b‖∞ over every W^l and b^l.
func relativeDifference<S: Scalar>(_ a: Network<S>, _ b: Network<S>) -> Double {
    var difference = 0.0, size = 0.0
    for (x, y) in zip(a.layers, b.layers) {
        for (u, v) in zip(x.weight.elements + x.bias, y.weight.elements + y.bias) {
            difference = max(difference, abs(Double(u) - Double(v)))
            size = max(size, abs(Double(v)))
        }
    }
    return difference / max(size, .leastNormalMagnitude)
}

/// Steps a distributed and a single-process session in lockstep; returns the largest
/// relative difference seen after any step, and the number of steps.
func compare<S: Scalar>(
    _: S.Type, optimizer: OptimizerConfiguration, batchSize: Int, bucket: Int = 0, sums: Precision = .float32,
    on world: MPICommunicator
) throws -> (Double, Int) {
    let network = try Network<S>(sizes: [5, 8, 6, 3], activation: .tanh, loss: .crossEntropy, seed: 3)
    let data = try Dataset.random(for: network, count: 37, seed: 4)
    let trainer = Trainer(epochs: 2, batchSize: batchSize, optimizer: optimizer, seed: 5)
    var together = try TrainingSession(trainer: trainer, network: network, data: data)
    together.communicator = world
    together.gradientBucketCapacity = bucket
    together.gradientSumPrecision = sums
    var alone = try TrainingSession(trainer: trainer, network: network, data: data)
    var worst = 0.0, steps = 0
    while let step = try together.step() {
        let single = try alone.step()
        worst = max(worst, relativeDifference(together.network, alone.network))
        steps += 1
        if let epoch = step.epoch, let other = single?.epoch, abs(epoch.trainLoss - other.trainLoss) > 1e-4 * abs(other.trainLoss) {
            throw Mismatch(description: "epoch \(epoch.epoch): train loss \(epoch.trainLoss) on \(world.size) ranks, \(other.trainLoss) alone")
        }
    }
    return (worst, steps)
}

/// Rows `range` of `data`: one rank's part.
func rows<S: Scalar>(_ range: Range<Int>, of data: Dataset<S>) throws -> Dataset<S> {
    let d = data.inputs.columns
    let inputs = try Matrix(
        rows: range.count, columns: d, elements: Array(data.inputs.elements[range.lowerBound * d ..< range.upperBound * d]))
    guard case .classes(let labels) = data.targets else { throw Mismatch(description: "expected class targets") }
    return try Dataset(inputs: inputs, targets: .classes(Array(labels[range])))
}

/// As `compare`, with each rank holding its part of the training and validation sets and
/// the single process holding every part (`DataShards(held: nil)`).
func compareSharded<S: Scalar>(_: S.Type, optimizer: OptimizerConfiguration, batchSize: Int, on world: MPICommunicator) throws -> (Double, Int) {
    let network = try Network<S>(sizes: [5, 8, 6, 3], activation: .tanh, loss: .crossEntropy, seed: 3)
    let data = try Dataset.random(for: network, count: 37, seed: 4), validation = try Dataset.random(for: network, count: 13, seed: 6)
    let trainer = Trainer(epochs: 2, batchSize: batchSize, optimizer: optimizer, seed: 5)
    let shard = try DataShard(world.rank, of: world.size)
    var together = try TrainingSession(
        trainer: trainer, network: network, data: rows(shard.range(of: 37), of: data),
        validation: rows(shard.range(of: 13), of: validation))
    together.communicator = world
    together.shards = try DataShards(holding: together.data.count, over: world)
    var alone = try TrainingSession(trainer: trainer, network: network, data: data, validation: validation)
    alone.shards = try DataShards(counts: (0..<world.size).map { try DataShard($0, of: world.size).range(of: 37).count }, held: nil)
    var worst = 0.0, steps = 0
    while let step = try together.step() {
        let single = try alone.step()
        worst = max(worst, relativeDifference(together.network, alone.network))
        steps += 1
        if let epoch = step.epoch, let other = single?.epoch {
            for (name, a, b) in [("train", epoch.trainLoss, other.trainLoss), ("validation", epoch.validationLoss ?? .nan, other.validationLoss ?? 0)]
            where !(abs(a - b) <= 1e-4 * abs(b)) {
                throw Mismatch(description: "sharded epoch \(epoch.epoch): \(name) loss \(a) on \(world.size) ranks, \(b) alone")
            }
        }
    }
    return (worst, steps)
}

/// The bfloat16 sum: on 2 ranks every sum is bf16(a + b), rounded to nearest even.
func checkBFloat16Sums(on world: MPICommunicator) throws -> Bool {
    func round(_ x: Float) -> UInt16 { UInt16((x.bitPattern &+ 0x7FFF &+ ((x.bitPattern >> 16) & 1)) >> 16) }
    func widen(_ b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }
    let values = { (r: Int) in (0..<64).map { round(1 + Float($0) / 7 + Float(r) / 3 - Float($0 % 5) * 0.61) } }
    var mine = values(world.rank)
    try mine.withUnsafeMutableBufferPointer { try world.startAllReduceSum(bfloat16: $0) }
    try world.finishReductions()
    guard world.size == 2 else { return mine.allSatisfy { widen($0).isFinite } }
    return mine == zip(values(0), values(1)).map { round(widen($0) + widen($1)) }
}

var failed = false

/// Records one comparison and, on rank 0, prints it as `ok …` or `FAILED …`.
@MainActor func report(_ ok: Bool, _ what: String) {
    failed = failed || !ok
    if world.rank == 0 { print("\(ok ? "ok" : "FAILED") \(what)") }
}

do {
    for (name, optimizer) in [("SGD+momentum", OptimizerConfiguration.sgd(learningRate: 0.1, momentum: 0.9)), ("Adam", .adam(learningRate: 0.01))] {
        for batchSize in [10, 12] {
            let (single, steps) = try compare(Float.self, optimizer: optimizer, batchSize: batchSize, on: world)
            let (double, _) = try compare(Double.self, optimizer: optimizer, batchSize: batchSize, on: world)
            let ok = single <= 1e-5 && double <= 1e-12
            report(ok, "\(name) batch \(batchSize) on \(world.size) ranks, \(steps) steps: largest relative difference Float \(single), Double \(double)")
            if name == "SGD+momentum", batchSize == 12 {
                // Buckets of 25 MiB (PyTorch DDP's default: one bucket here) and of 400
                // bytes (layers 3 and 2 in one Float bucket, every other layer alone).
                for bucket in [25 << 20, 400] {
                    let (single, _) = try compare(Float.self, optimizer: optimizer, batchSize: batchSize, bucket: bucket, on: world)
                    let (double, _) = try compare(Double.self, optimizer: optimizer, batchSize: batchSize, bucket: bucket, on: world)
                    let ok = single <= 1e-5 && double <= 1e-12
                    report(ok, "\(name) batch \(batchSize) buckets of \(bucket) bytes on \(world.size) ranks: largest relative difference Float \(single), Double \(double)")
                }
            }
            if name == "Adam", batchSize == 10 {
                // Sums in bfloat16: close to float32's, not equal.
                let exact = try checkBFloat16Sums(on: world)
                let (single, _) = try compare(Float.self, optimizer: optimizer, batchSize: batchSize, sums: .bfloat16, on: world)
                let ok = exact && single > 0 && single <= 1e-2
                report(ok, "\(name) batch \(batchSize) bf16 sums on \(world.size) ranks: bf16(a + b) \(exact ? "exact" : "WRONG"), largest relative difference Float \(single) (limit 1e-2)")
            }
            let (shardedSingle, shardedSteps) = try compareSharded(Float.self, optimizer: optimizer, batchSize: batchSize, on: world)
            let (shardedDouble, _) = try compareSharded(Double.self, optimizer: optimizer, batchSize: batchSize, on: world)
            let shardedOK = shardedSingle <= 1e-5 && shardedDouble <= 1e-12
            report(shardedOK, "\(name) batch \(batchSize) sharded on \(world.size) ranks, \(shardedSteps) steps: largest relative difference Float \(shardedSingle), Double \(shardedDouble)")
        }
    }
} catch {
    FileHandle.standardError.write(Data("mpi-equivalence rank \(world.rank): \(error)\n".utf8))
    world.abort(code: 1)
}
world.finalize()
exit(failed ? 1 : 0)
#endif
