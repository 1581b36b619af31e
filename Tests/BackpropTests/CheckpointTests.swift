import Foundation
import Testing
import TestSupport
@testable import Backprop

/// A run paused at arbitrary batches and epoch ends, saved to a file, read back into a
/// fresh optimizer and continued must end bitwise identical to a run that never paused.
@Suite struct CheckpointTests {
    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder("backprop-ckpt")
    }

    static let data: (train: Dataset<Float>, validation: Dataset<Float>) = {
        var random = RandomSource(seed: 4)
        func blobs(_ n: Int) -> Dataset<Float> {
            var rows: [[Float]] = [], labels: [Int] = []
            for i in 0..<n {
                let c = i % 3
                rows.append([Float(c) + Float(0.8 * random.normal()), Float(2 - c) + Float(0.8 * random.normal()), Float(random.normal())])
                labels.append(c)
            }
            return try! Dataset(inputs: Matrix(rows), targets: .classes(labels))
        }
        return (blobs(90), blobs(30))
    }()

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var trainer: Trainer
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        var clipped = Trainer(epochs: 5, batchSize: 7, optimizer: .sgd(learningRate: 0.1, momentum: 0.9, nesterov: true), seed: 5)
        clipped.clipNorm = 0.5
        return [
            Case(name: "Adam, dropout, cosine schedule",
                 trainer: Trainer(epochs: 6, batchSize: 16, optimizer: .adam(learningRate: 0.01), seed: 3, schedule: .cosine(epochs: 6))),
            Case(name: "SGD with Nesterov momentum, clipping", trainer: clipped),
            Case(name: "RMSProp, plateau schedule, early stopping",
                 trainer: Trainer(epochs: 30, batchSize: 32, optimizer: .rmsProp(learningRate: 0.05), seed: 7,
                                  schedule: .reduceOnPlateau(factor: 0.5, patience: 1),
                                  earlyStopping: EarlyStopping(patience: 2, minimumImprovement: 0.01))),
        ]
    }()

    func network() throws -> Network<Float> {
        try Network<Float>(sizes: [3, 16, 8, 3], activation: .relu, loss: .crossEntropy, seed: 2).withDropout(0.3)
    }

    func model(_ network: Network<Float>) throws -> Model<Float> {
        try Model(network: network, labels: LabelEncoding(task: .classification, classNames: ["a", "b", "c"]),
                  scaler: .identity(count: 3))
    }

    func session(_ trainer: Trainer) throws -> TrainingSession<Float> {
        try TrainingSession(trainer: trainer, network: network(), data: Self.data.train, validation: Self.data.validation)
    }

    @Test(arguments: cases)
    func resumedRunEqualsUninterruptedRun(_ c: Case) throws {
        // Uninterrupted.
        var whole = try session(c.trainer)
        try whole.run()
        #expect(whole.isFinished)

        // Paused every few batches and at some epoch ends; each pause goes through a file.
        var paused = try session(c.trainer)
        var pauses = 0, events = 0
        let path = folder.appendingPathComponent("run.safetensors").path
        while !paused.isFinished {
            try paused.run { event in
                events += 1
                return events % 5 == 0 ? .pause : .proceed
            }
            pauses += 1
            try CheckpointFile.write(paused.checkpoint(model: model(paused.network)), to: path)
            let read: Checkpoint<Float> = try CheckpointFile.read(from: path)
            #expect(read.state == paused.state)
            #expect(read.trainer == c.trainer)
            paused = try read.resume(on: Self.data.train, validation: Self.data.validation)
        }
        #expect(pauses > 3)
        #expect(paused.network == whole.network)
        #expect(paused.optimizer.state.buffers == whole.optimizer.state.buffers)
        #expect(paused.optimizer.state.step == whole.optimizer.state.step)
        #expect(paused.state.history.epochs.map(\.trainLoss) == whole.state.history.epochs.map(\.trainLoss))
        #expect(paused.state.history.stoppedEarly == whole.state.history.stoppedEarly)
    }

    /// `--resume latest`'s order: furthest into training first (a batch of epoch E + 1 after
    /// the end of epoch E, epoch 10 after epoch 9), other files ignored.
    @Test func checkpointsAreListedNewestFirst() throws {
        let names = [
            "checkpoint-epoch-9.safetensors", "checkpoint-epoch-10-batch-2.safetensors", "checkpoint-epoch-10.safetensors",
            "checkpoint-epoch-10-batch-12.safetensors", "checkpoint-epoch-2.safetensors", "model.safetensors",
            "checkpoint-epoch-x.safetensors", "checkpoint-epoch-3.safetensors.tmp",
        ]
        for name in names { try Data().write(to: URL(fileURLWithPath: folder.path(name))) }
        let listed = CheckpointPolicy.checkpoints(in: folder.path).map { URL(fileURLWithPath: $0).lastPathComponent }
        #expect(listed == [
            "checkpoint-epoch-10.safetensors", "checkpoint-epoch-10-batch-12.safetensors", "checkpoint-epoch-10-batch-2.safetensors",
            "checkpoint-epoch-9.safetensors", "checkpoint-epoch-2.safetensors",
        ])
        #expect(CheckpointPolicy.checkpoints(in: folder.path("missing")).isEmpty)
    }

    /// `--resume latest` continues from the newest checkpoint that reads whole: a damaged newer
    /// one is passed over and named with its error; a folder of damaged ones gives nil.
    @Test func newestReadableCheckpointPassesOverDamagedOnes() throws {
        var run = try session(Trainer(epochs: 3, batchSize: 16, optimizer: .adam(learningRate: 0.01), seed: 9))
        _ = try run.run { event in
            if case .epoch = event { return .pause }
            return .proceed
        }
        let policy = CheckpointPolicy(folder: folder.path)
        let whole = policy.path(for: run.state)
        try CheckpointFile.write(run.checkpoint(model: model(run.network)), to: whole)
        let damaged = folder.path("checkpoint-epoch-2.safetensors")
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: damaged))
        var passed: [String] = []
        let newest: (path: String, checkpoint: Checkpoint<Float>)? = CheckpointPolicy.newestReadable(in: folder.path) { path, _ in
            passed.append(path)
        }
        #expect(newest?.path == whole)
        #expect(newest?.checkpoint.state.epoch == run.state.epoch)
        #expect(passed == [damaged])
        try FileManager.default.removeItem(atPath: whole)
        let none: (path: String, checkpoint: Checkpoint<Float>)? = CheckpointPolicy.newestReadable(in: folder.path)
        #expect(none == nil)
    }

    /// Stepping one batch at a time is the same loop as `run`.
    @Test func steppingEqualsRunning() throws {
        let trainer = Trainer(epochs: 3, batchSize: 16, optimizer: .adam(learningRate: 0.01), seed: 9)
        var run = try session(trainer)
        try run.run()
        var stepped = try session(trainer)
        var records: [EpochRecord] = []
        while let step = try stepped.step() {
            if let epoch = step.epoch { records.append(epoch) }
        }
        #expect(stepped.network == run.network)
        #expect(records.map(\.trainLoss) == run.state.history.epochs.map(\.trainLoss))
        #expect(try stepped.step() == nil)
    }

    /// The gradient transform sees every batch's gradients before the update: halving them
    /// under plain SGD is SGD at half the learning rate.
    @Test func gradientTransformRunsBeforeTheUpdate() throws {
        var halved = try session(Trainer(epochs: 2, batchSize: 10, optimizer: .sgd(learningRate: 0.2)))
        var calls = 0
        halved.gradientTransform = { gradients in
            calls += 1
            gradients.scale(by: 0.5)
        }
        try halved.run()
        var half = try session(Trainer(epochs: 2, batchSize: 10, optimizer: .sgd(learningRate: 0.1)))
        half.gradientTransform = { _ in }  // so that both take SGD's own step, not the one fused into backpropagation
        try half.run()
        #expect(calls == 2 * 9)
        #expect(halved.network == half.network)
    }

    /// A pause asked for at an epoch's last batch takes effect once that epoch is recorded.
    @Test func pauseAtTheLastBatchStopsAfterTheEpoch() throws {
        var run = try session(Trainer(epochs: 3, batchSize: 30, optimizer: .sgd(learningRate: 0.1)))  // 3 batches per epoch
        let finished = try run.run { event in
            if case .batch(let progress) = event, progress.batch == progress.batchCount { return .pause }
            return .proceed
        }
        #expect(!finished)
        #expect(run.state.epoch == 2 && run.state.batch == 0 && run.state.history.epochs.count == 1)
    }

    @Test func checkpointReadsAsAModelButAModelIsNoCheckpoint() throws {
        var run = try session(Trainer(epochs: 1, batchSize: 8, optimizer: .adam()))
        try run.run()
        let path = folder.appendingPathComponent("c.safetensors").path
        try CheckpointFile.write(run.checkpoint(model: model(run.network)), to: path)
        let asModel: Model<Float> = try ModelFile.read(from: path)
        #expect(asModel.network == run.network)
        let modelPath = folder.appendingPathComponent("m.safetensors").path
        try ModelFile.write(asModel, to: modelPath)
        #expect(throws: DataError.self) { let _: Checkpoint<Float> = try CheckpointFile.read(from: modelPath) }
    }

    @Test func optimizerStateMustFitTheNetwork() throws {
        var adam = try Adam<Float>()
        let small = try Network<Float>(sizes: [2, 2], activation: .sigmoid)
        let wrong = ["m": ParameterBuffer<Float>(tensors: [[0, 0, 0, 0], [0, 0]]), "v": ParameterBuffer(tensors: [[0, 0, 0], [0, 0]])]
        #expect(throws: BackpropError.self) { try adam.restore(step: 1, buffers: wrong, for: small) }
        #expect(throws: BackpropError.self) {
            try adam.restore(step: 1, buffers: ["velocity": ParameterBuffer(zerosFor: small)], for: small)
        }
        let right = ["m": ParameterBuffer(zerosFor: small), "v": ParameterBuffer(zerosFor: small)]
        #expect(throws: BackpropError.self) { try adam.restore(step: 0, buffers: right, for: small) }
        try adam.restore(step: 4, buffers: right, for: small)
        #expect(adam.state.step == 4)
    }
}
