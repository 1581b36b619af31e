import Foundation
import Testing
import TestSupport
@testable import Backprop

/// The checkpoint loop `backprop train` runs: scheduled checkpoints, a stop that leaves one
/// from which the run continues exactly, and a divergence that names the last one.
@Suite struct CheckpointedRunTests {
    let folder: TemporaryFolder
    let network: Network<Float>
    let data: Dataset<Float>
    let model: Model<Float>

    init() throws {
        folder = try TemporaryFolder("backprop-checkpointed")
        network = try Network<Float>(sizes: [3, 6, 2], activation: .tanh, loss: .crossEntropy, seed: 1)
        data = try Dataset.random(for: network, count: 40, seed: 2)
        var model = try Model(
            network: network, labels: LabelEncoding(task: .classification, classNames: ["a", "b"]), scaler: .identity(count: 3))
        model.training = TrainingRecord(settings: [:], history: TrainingHistory())
        self.model = model
    }

    func session(learningRate: Double = 0.05) throws -> TrainingSession<Float> {
        let trainer = Trainer(epochs: 3, batchSize: 8, optimizer: .adam(learningRate: learningRate), seed: 3)
        return try TrainingSession(trainer: trainer, network: network, data: data)
    }

    @Test func scheduledCheckpointsAreWrittenAndReported() throws {
        var session = try session()
        var reported: [Int] = []
        let end = try session.run(
            checkpointing: model, policy: CheckpointPolicy(folder: folder.path, every: 1), stopRequested: { false }
        ) { event in
            if case .checkpoint(let path, let epoch) = event {
                #expect(path == folder.path("checkpoint-epoch-\(epoch).safetensors"))
                #expect(FileManager.default.fileExists(atPath: path))
                reported.append(epoch)
            }
        }
        #expect(end == .finished)
        #expect(reported == [1, 2])
        #expect(session.isFinished)
    }

    @Test func aStopLeavesACheckpointThatContinuesExactly() throws {
        var whole = try session()
        _ = try whole.run()
        var stopped = try session()
        var batches = 0
        let end = try stopped.run(
            checkpointing: model, policy: CheckpointPolicy(folder: folder.path), stopRequested: { batches >= 7 }
        ) { event in
            if case .training(.batch) = event { batches += 1 }
        }
        let path = folder.path("checkpoint-epoch-2-batch-2.safetensors")
        #expect(end == .stopped(checkpoint: path))
        let checkpoint: Checkpoint<Float> = try CheckpointFile.read(from: path)
        var resumed = try checkpoint.resume(on: data)
        _ = try resumed.run()
        #expect(resumed.network == whole.network)
    }

    @Test func aDivergenceNamesTheLastCheckpoint() throws {
        var session = try session(learningRate: 1e38)
        #expect(throws: DivergedAfterCheckpoint.self) {
            try session.run(
                checkpointing: model, policy: CheckpointPolicy(folder: folder.path), resumedFrom: "earlier.safetensors",
                stopRequested: { false }, onEvent: { _ in })
        }
        var fresh = try self.session(learningRate: 1e38)
        #expect(throws: BackpropError.self) {
            try fresh.run(checkpointing: model, policy: CheckpointPolicy(folder: folder.path), stopRequested: { false }, onEvent: { _ in })
        }
    }
}
