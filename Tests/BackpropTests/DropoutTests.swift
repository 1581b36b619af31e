import Testing
@testable import Backprop

@Suite struct DropoutTests {
    @Test func inferenceIgnoresDropout() throws {
        let plain = try Network<Double>(sizes: [4, 50, 3], activation: .relu, loss: .crossEntropy, seed: 1)
        let dropped = try Network<Double>(sizes: [4, 50, 3], activation: .relu, loss: .crossEntropy, seed: 1).withDropout(0.5)
        #expect(dropped.layers[0].dropout == 0.5 && dropped.layers[1].dropout == 0)
        let x = try Dataset.random(for: plain, count: 3, seed: 2).inputs
        #expect(try plain.predict(x) == dropped.predict(x))
    }

    @Test func trainingDropsAFractionPAndScalesTheRest() throws {
        let network = try Network<Double>(sizes: [10, 1000, 2], activation: .sigmoid, loss: .crossEntropy, seed: 1).withDropout(0.3)
        let batch = try Dataset.random(for: network, count: 20, seed: 2)
        let workspace = Workspace(for: network, capacity: 20)
        [Int](0..<20).withUnsafeBufferPointer { workspace.load(batch, indices: $0) }
        var random = RandomSource(seed: 5)
        network.forward(workspace, rows: 20, dropout: &random)
        let count = 20 * 1000
        let mask = Array(UnsafeBufferPointer(start: workspace.mask[1], count: count))
        let zeros = mask.filter { $0 == 0 }.count
        #expect(mask.allSatisfy { $0 == 0 || abs($0 - 1 / 0.7) < 1e-12 })
        // 20,000 draws: the standard error of the fraction is 0.0032.
        #expect(abs(Double(zeros) / Double(count) - 0.3) < 0.015)
        for i in stride(from: 0, to: count, by: 997) {
            #expect(workspace.dropped[1][i] == workspace.a[1][i] * mask[i])
        }
    }

    /// Backpropagation through dropout: with the mask held fixed (the same seed for every
    /// evaluation), the gradients must match finite differences of the masked network's cost.
    @Test(arguments: [Activation.sigmoid, .tanh, .relu])
    func gradientsThroughDropoutMatchFiniteDifferences(_ activation: Activation) throws {
        let network = try Network<Double>(
            sizes: [4, 8, 6, 3], activation: activation, loss: .crossEntropy, seed: 3).withDropout(0.4)
        let batch = try Dataset.random(for: network, count: 5, seed: 4)
        let workspace = Workspace(for: network, capacity: 5)
        [Int](0..<5).withUnsafeBufferPointer { workspace.load(batch, indices: $0) }
        func cost(_ net: Network<Double>) -> Double {
            var random = RandomSource(seed: 9)
            net.forward(workspace, rows: 5, dropout: &random)
            return net.batchLoss(workspace, rows: 5)
        }
        _ = cost(network)
        #expect(workspace.dropoutApplied[1] && workspace.dropoutApplied[2] && !workspace.dropoutApplied[3])
        network.backward(workspace, rows: 5)
        let analytic = workspace.gradients
        let h = 1e-5
        var worst = 0.0
        for l in network.layers.indices {
            for i in network.layers[l].weight.elements.indices {
                var plus = network, minus = network
                plus.layers[l].setWeight(i, to: network.layers[l].weight.elements[i] + h)
                minus.layers[l].setWeight(i, to: network.layers[l].weight.elements[i] - h)
                let numeric = (cost(plus) - cost(minus)) / (2 * h)
                worst = max(worst, GradientCheck().relativeError(analytic.weight[l].elements[i], numeric))
            }
        }
        #expect(worst < 1e-5)
    }
}

@Suite struct TrainerTests {
    static let blobs: Dataset<Double> = {
        var random = RandomSource(seed: 1)
        var rows: [[Double]] = [], labels: [Int] = []
        for i in 0..<60 {
            let c = i % 3
            rows.append([Double(c) + 0.3 * random.normal(), Double(2 - c) + 0.3 * random.normal()])
            labels.append(c)
        }
        return try! Dataset(inputs: Matrix(rows), targets: .classes(labels))
    }()

    @Test func historyRecordsEveryEpoch() throws {
        var network = try Network<Double>(sizes: [2, 8, 3], activation: .tanh, loss: .crossEntropy, seed: 1)
        var events = 0
        let trainer = Trainer(epochs: 5, batchSize: 16, optimizer: .adam(learningRate: 0.05), schedule: .exponential(factor: 0.5))
        let history = try trainer.fit(&network, on: Self.blobs, validation: Self.blobs) { event in
            if case .batch = event { events += 1 }
        }
        #expect(history.epochs.map(\.epoch) == [1, 2, 3, 4, 5])
        #expect(history.epochs.map(\.learningRate) == [0.05, 0.025, 0.0125, 0.00625, 0.003125])
        #expect(events == 5 * 4)  // 60 examples in batches of 16
        #expect(history.epochs.allSatisfy { $0.validationLoss != nil && $0.trainAccuracy != nil })
        #expect(history.epochs.last!.trainLoss < history.epochs.first!.trainLoss)
        #expect(!history.stoppedEarly && history.bestEpoch == 5)
        // The recorded validation figures are the network's at the end of each epoch.
        let final = try network.evaluate(on: Self.blobs)
        #expect(final.loss == history.epochs.last!.validationLoss)
    }

    /// With labels flipped in the validation set, validation loss worsens as training
    /// succeeds: early stopping must stop and restore the best epoch's parameters.
    @Test func earlyStoppingRestoresTheBestEpoch() throws {
        guard case .classes(let labels) = Self.blobs.targets else { return }
        let flipped = try Dataset(inputs: Self.blobs.inputs, targets: .classes(labels.map { ($0 + 1) % 3 }))
        var network = try Network<Double>(sizes: [2, 8, 3], activation: .tanh, loss: .crossEntropy, seed: 1)
        let trainer = Trainer(epochs: 50, batchSize: 16, optimizer: .adam(learningRate: 0.05), earlyStopping: EarlyStopping(patience: 3))
        let history = try trainer.fit(&network, on: Self.blobs, validation: flipped)
        #expect(history.stoppedEarly)
        let best = try #require(history.bestEpoch)
        #expect(history.epochs.count == best + 3)
        let bestLoss = try #require(history.epochs[best - 1].validationLoss)
        #expect(history.epochs.compactMap(\.validationLoss).allSatisfy { $0 >= bestLoss - 1e-4 })
        #expect(try network.evaluate(on: flipped).loss == bestLoss)
    }

    @Test func callbackCanStopTraining() throws {
        struct Stop: Error {}
        var network = try Network<Double>(sizes: [2, 4, 3], activation: .relu, loss: .crossEntropy, seed: 1)
        #expect(throws: Stop.self) {
            try Trainer(epochs: 10, optimizer: .sgd(learningRate: 0.1)).fit(&network, on: Self.blobs) { event in
                if case .epoch(let record) = event, record.epoch == 2 { throw Stop() }
            }
        }
    }

    @Test func invalidSettingsAreErrors() throws {
        var network = try Network<Double>(sizes: [2, 4, 3], activation: .relu, loss: .crossEntropy, seed: 1)
        #expect(throws: BackpropError.self) { try Trainer(epochs: 0).fit(&network, on: Self.blobs) }
        var clipped = Trainer(epochs: 1)
        clipped.clipNorm = -1
        #expect(throws: BackpropError.self) { try clipped.fit(&network, on: Self.blobs) }
        #expect(throws: BackpropError.self) {
            try Trainer(epochs: 1, schedule: .step(every: 0, factor: 0.1)).fit(&network, on: Self.blobs)
        }
        #expect(throws: BackpropError.self) { try Trainer(epochs: 1, optimizer: .adam(learningRate: -1)).fit(&network, on: Self.blobs) }
    }
}
