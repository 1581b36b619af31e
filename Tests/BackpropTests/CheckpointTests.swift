import Foundation
import Testing
@testable import Backprop

/// A run paused at arbitrary batches and epoch ends, saved to a file, read back into a
/// fresh optimizer and continued must end bitwise identical to a run that never paused.
@Suite struct CheckpointTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
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
        var optimizer: @Sendable () throws -> any Optimizer<Float>
        var trainer: Trainer
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "Adam, dropout, cosine schedule", optimizer: { try Adam<Float>(learningRate: 0.01) },
             trainer: Trainer(epochs: 6, batchSize: 16, seed: 3, schedule: .cosine(epochs: 6))),
        Case(name: "SGD with Nesterov momentum, clipping", optimizer: { try SGD<Float>(learningRate: 0.1, momentum: 0.9, nesterov: true) },
             trainer: Trainer(epochs: 5, batchSize: 7, seed: 5, clipNorm: 0.5)),
        Case(name: "RMSProp, plateau schedule, early stopping", optimizer: { try RMSProp<Float>(learningRate: 0.05) },
             trainer: Trainer(epochs: 30, batchSize: 32, seed: 7, schedule: .reduceOnPlateau(factor: 0.5, patience: 1),
                              earlyStopping: EarlyStopping(patience: 2, minimumImprovement: 0.01))),
    ]

    func network() throws -> Network<Float> {
        try Network<Float>(sizes: [3, 16, 8, 3], activation: .relu, loss: .crossEntropy, dropout: 0.3, seed: 2)
    }

    func model(_ network: Network<Float>) throws -> Model<Float> {
        try Model(network: network, labels: LabelEncoding(task: .classification, classNames: ["a", "b", "c"]),
                  scaler: .identity(count: 3))
    }

    @Test(arguments: cases)
    func resumedRunEqualsUninterruptedRun(_ c: Case) throws {
        // Uninterrupted.
        var optimizer = try c.optimizer()
        var whole = TrainingState(network: try network(), trainer: c.trainer, learningRate: optimizer.learningRate)
        try c.trainer.run(&whole, on: Self.data.train, validation: Self.data.validation, optimizer: &optimizer) { _ in .proceed }
        #expect(whole.isFinished)

        // Paused every few batches and at some epoch ends; each pause goes through a file.
        var optimizer2 = try c.optimizer()
        var state = TrainingState(network: try network(), trainer: c.trainer, learningRate: optimizer2.learningRate)
        var pauses = 0, events = 0
        let path = folder.appendingPathComponent("run.safetensors").path
        while !state.isFinished {
            try c.trainer.run(&state, on: Self.data.train, validation: Self.data.validation, optimizer: &optimizer2) { event in
                events += 1
                return events % 5 == 0 ? .pause : .proceed
            }
            pauses += 1
            try CheckpointFile.write(Checkpoint(model: model(state.network), state: state, optimizer: optimizer2.state, trainer: c.trainer), to: path)
            let read: Checkpoint<Float> = try CheckpointFile.read(from: path)
            #expect(read.state == state)
            #expect(read.trainer == c.trainer)
            state = read.state
            optimizer2 = try c.optimizer()
            try optimizer2.restore(read.optimizer, for: state.network)
        }
        #expect(pauses > 3)
        #expect(state.network == whole.network)
        #expect(optimizer2.state == optimizer.state)
        #expect(state.history.epochs.map(\.trainLoss) == whole.history.epochs.map(\.trainLoss))
        #expect(state.history.stoppedEarly == whole.history.stoppedEarly)
    }

    /// A pause asked for at an epoch's last batch takes effect once that epoch is recorded.
    @Test func pauseAtTheLastBatchStopsAfterTheEpoch() throws {
        let trainer = Trainer(epochs: 3, batchSize: 30)  // 90 examples: 3 batches per epoch
        var sgd = try SGD<Float>(learningRate: 0.1)
        var state = TrainingState(network: try network(), trainer: trainer, learningRate: sgd.learningRate)
        let finished = try trainer.run(&state, on: Self.data.train, optimizer: &sgd) { event in
            if case .batch(let progress) = event, progress.batch == progress.batchCount { return .pause }
            return .proceed
        }
        #expect(!finished)
        #expect(state.epoch == 2 && state.batch == 0 && state.history.epochs.count == 1)
    }

    @Test func checkpointReadsAsAModelButAModelIsNoCheckpoint() throws {
        let trainer = Trainer(epochs: 1, batchSize: 8)
        var adam = try Adam<Float>()
        var state = TrainingState(network: try network(), trainer: trainer, learningRate: adam.learningRate)
        try trainer.run(&state, on: Self.data.train, optimizer: &adam) { _ in .proceed }
        let path = folder.appendingPathComponent("c.safetensors").path
        try CheckpointFile.write(Checkpoint(model: model(state.network), state: state, optimizer: adam.state, trainer: trainer), to: path)
        let asModel: Model<Float> = try ModelFile.read(from: path)
        #expect(asModel.network == state.network)
        let modelPath = folder.appendingPathComponent("m.safetensors").path
        try ModelFile.write(asModel, to: modelPath)
        #expect(throws: DataError.self) { let _: Checkpoint<Float> = try CheckpointFile.read(from: modelPath) }
    }

    @Test func optimizerStateMustFitTheNetwork() throws {
        var adam = try Adam<Float>()
        let small = try Network<Float>(sizes: [2, 2], activation: .sigmoid)
        let state = OptimizerState<Float>(step: 1, buffers: ["m": [[0, 0, 0, 0], [0, 0]], "v": [[0, 0, 0], [0, 0]]])
        #expect(throws: BackpropError.self) { try adam.restore(state, for: small) }
        #expect(throws: BackpropError.self) { try adam.restore(OptimizerState(step: 1, buffers: ["velocity": []]), for: small) }
    }
}
