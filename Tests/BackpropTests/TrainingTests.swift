import Testing
@testable import Backprop

@Suite struct TrainingTests {
    static let xor = try! Dataset<Float>(
        inputs: Matrix([[0, 0], [0, 1], [1, 0], [1, 1]]), targets: .classes([0, 1, 1, 0]))

    @Test(arguments: [Loss.crossEntropy, .binaryCrossEntropy, .quadratic])
    func xorIsLearned(_ loss: Loss) throws {
        let outputs = loss == .crossEntropy ? 2 : 1
        var network = try Network<Float>(sizes: [2, 8, outputs], activation: .tanh, loss: loss, seed: 3)
        var sgd = try SGD<Float>(learningRate: loss == .quadratic ? 2 : 1)
        var random = RandomSource(seed: 1)
        #expect(try network.evaluate(on: Self.xor).accuracy! < 1)
        for epoch in 1...500 {
            _ = try network.trainEpoch(on: Self.xor, batchSize: 4, optimizer: &sgd, random: &random, epoch: epoch)
        }
        let result = try network.evaluate(on: Self.xor)
        #expect(result.accuracy == 1, "loss \(result.loss)")
        #expect(try network.predictClasses(Self.xor.inputs) == [0, 1, 1, 0])
    }

    @Test func sameSeedGivesBitwiseIdenticalParameters() throws {
        func train(seed: UInt64) throws -> Network<Float> {
            var network = try Network<Float>(sizes: [2, 5, 2], activation: .relu, loss: .crossEntropy, seed: seed)
            var sgd = try SGD<Float>(learningRate: 0.3)
            var random = RandomSource(seed: seed)
            for epoch in 1...20 {
                _ = try network.trainEpoch(on: Self.xor, batchSize: 3, optimizer: &sgd, random: &random, epoch: epoch)
            }
            return network
        }
        let first = try train(seed: 42), second = try train(seed: 42), other = try train(seed: 43)
        #expect(first == second)
        #expect(first != other)
    }

    /// The lecture's one-example step is w ← w − η ∂C_x/∂w with the example's own gradients
    /// (the explanation it returns), lowers that example's cost for a small η, keeps the
    /// run's position and the optimizer's state, and refuses a step that would diverge.
    @Test func lectureStepIsOneExampleSGD() throws {
        let network = try Network<Float>(sizes: [3, 5, 2], activation: .tanh, loss: .crossEntropy, seed: 1)
        let data = try Dataset.random(for: network, count: 40, seed: 2)
        let trainer = Trainer(epochs: 3, batchSize: 8, optimizer: .adam(learningRate: 0.01), seed: 3)
        var session = try TrainingSession(trainer: trainer, network: network, data: data)
        for _ in 0..<3 { _ = try session.step() }
        let (x, y): ([Float], [Float]) = ([0.5, -1, 2], [0, 1])
        let eta = 0.1
        let old = session.network
        let before = try session.lectureStep(input: x, target: y, learningRate: eta)
        for l in old.layers.indices {
            let expected = zip(old.layers[l].weight.elements, before.weightGradients[l].elements).map { Float(Double($0) - eta * $1) }
            #expect(session.network.layers[l].weight.elements == expected, "W^\(l + 1)")
            let expectedBias = zip(old.layers[l].bias, before.biasGradients[l]).map { Float(Double($0) - eta * $1) }
            #expect(session.network.layers[l].bias == expectedBias, "b^\(l + 1)")
        }
        let after = try Explanation(network: session.network.converted(to: Double.self), input: x.map(Double.init), target: y.map(Double.init))
        #expect(after.loss < before.loss)
        #expect(session.state.batch == 3)
        #expect(try session.step() != nil)
        let current = session.network
        #expect(throws: BackpropError.self) { try session.lectureStep(input: x, target: y, learningRate: 1e39) }
        #expect(session.network == current)
        #expect(throws: BackpropError.self) { try session.lectureStep(input: [1, 2], target: y, learningRate: eta) }
    }

    @Test func lastBatchMayBeSmaller() throws {
        // 4 examples in batches of 3: the epoch's mean loss weighs both batches by size.
        var network = try Network<Double>(sizes: [2, 3, 2], activation: .sigmoid, loss: .crossEntropy, seed: 1)
        let before = network
        let data = try Dataset<Double>(inputs: Self.xor.inputs.converted(), targets: Self.xor.targets.converted())
        var sgd = try SGD<Double>(learningRate: 1e-9)
        var random = RandomSource(seed: 1)
        let result = try network.trainEpoch(on: data, batchSize: 3, optimizer: &sgd, random: &random)
        #expect(network != before)
        expectClose([result.loss], [try before.loss(on: data)], tolerance: 1e-7, "epoch loss")
    }

    @Test func divergenceIsReportedWithEpochAndBatch() throws {
        var network = try Network<Float>(sizes: [2, 4, 1], activation: .identity, loss: .quadratic, seed: 1)
        let data = try Dataset<Float>(inputs: Matrix([[1e18, 1e18], [-1e18, 1e18]]), targets: .values(Matrix([[1], [0]])))
        var sgd = try SGD<Float>(learningRate: 1e10)
        var random = RandomSource(seed: 1)
        #expect {
            for epoch in 1...3 {
                _ = try network.trainEpoch(on: data, batchSize: 1, optimizer: &sgd, random: &random, epoch: epoch)
            }
        } throws: { error in
            guard case BackpropError.diverged(let epoch, let batch, let what) = error else { return false }
            return epoch >= 1 && batch >= 1 && what.contains("layer")
        }
    }

    @Test func floatAndDoubleAgree() throws {
        let float = try Network<Float>(sizes: [6, 10, 4], activation: .tanh, loss: .crossEntropy, seed: 8)
        let double = float.converted(to: Double.self)
        let inputs = try Dataset.random(for: double, count: 7, seed: 2).inputs
        let a = try float.predict(inputs.converted(to: Float.self)).doubles
        let b = try double.predict(inputs).doubles
        expectClose(a, b, tolerance: 1e-5, "outputs")
    }
}
