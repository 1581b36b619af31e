import Testing
import Backprop

/// The library example in README.md, verbatim but for `print` turned into expectations.
@Test func readmeExample() throws {
    let xor = try Dataset<Float>(
        inputs: Matrix([[0, 0], [0, 1], [1, 0], [1, 1]]),
        targets: .classes([0, 1, 1, 0]))
    var network = try Network<Float>(sizes: [2, 8, 2], activation: .tanh, loss: .crossEntropy, seed: 3)
    var sgd = try SGD<Float>(learningRate: 1)
    var random = RandomSource(seed: 1)
    for epoch in 1...500 {
        _ = try network.trainEpoch(on: xor, batchSize: 4, optimizer: &sgd, random: &random, epoch: epoch)
    }
    #expect(try network.predictClasses(xor.inputs) == [0, 1, 1, 0])
    #expect(try network.evaluate(on: xor).accuracy == 1.0)
    let predictor = Predictor(network)
    #expect(try predictor.predictClass([0, 1]) == 1)

    let (loss, gradients) = try network.gradients(for: xor)
    let errors = try GradientCheck().run(network, on: xor)
    #expect(loss < 0.1 && gradients.weight[0].rows == 8)
    #expect(errors.count == 2 && errors.allSatisfy { $0.maximumError < 1e-6 })
}
