import Testing
@testable import Backprop

@Suite struct ValidationTests {
    @Test func zeroWidthLayerIsRejected() {
        #expect(throws: BackpropError.invalidArchitecture("layer 2 has width 0; every layer needs at least 1 neuron")) {
            try Network<Float>(sizes: [3, 0, 2])
        }
        #expect(throws: BackpropError.self) { try Network<Float>(sizes: [3]) }
    }

    @Test func softmaxOnlyAtTheOutput() {
        #expect(throws: BackpropError.self) { try Network<Float>(sizes: [3, 4, 2], activation: .softmax, loss: .quadratic) }
        #expect(throws: BackpropError.self) {
            try Network<Float>(sizes: [3, 2], outputActivation: .tanh, loss: .crossEntropy)
        }
        #expect(throws: BackpropError.self) { try Network<Float>(sizes: [3, 1], loss: .crossEntropy) }
    }

    @Test func layersMustFitTogether() throws {
        let first = try Dense<Float>(weight: Matrix(rows: 4, columns: 3), bias: [0, 0, 0, 0], activation: .relu)
        let second = try Dense<Float>(weight: Matrix(rows: 2, columns: 5), bias: [0, 0], activation: .identity)
        #expect(throws: BackpropError.self) { try Network(layers: [first, second], loss: .quadratic) }
        #expect(throws: BackpropError.self) {
            try Dense<Float>(weight: Matrix(rows: 2, columns: 2), bias: [0], activation: .relu)
        }
        #expect(throws: BackpropError.nonFinite(what: "weight", row: 1, column: 0)) {
            try Dense<Float>(weight: Matrix([[0, 1], [.nan, 2]]), bias: [0, 0], activation: .relu)
        }
    }

    @Test func raggedRowsAreRejected() {
        #expect(throws: BackpropError.shapeMismatch(what: "row 1", expected: "2 values", got: "3 values")) {
            try Matrix<Float>([[1, 2], [3, 4, 5]])
        }
    }

    @Test func dataMustFitTheNetwork() throws {
        let network = try Network<Float>(sizes: [2, 3, 3], activation: .relu, loss: .crossEntropy)
        let wrongWidth = try Dataset<Float>(inputs: Matrix([[1, 2, 3]]), targets: .classes([0]))
        #expect(throws: BackpropError.self) { try network.gradients(for: wrongWidth) }
        let badLabel = try Dataset<Float>(inputs: Matrix([[1, 2], [3, 4]]), targets: .classes([0, 3]))
        #expect(throws: BackpropError.labelOutOfRange(row: 1, label: 3, classCount: 3)) {
            try network.gradients(for: badLabel)
        }
        #expect(throws: BackpropError.self) {
            try Dataset<Float>(inputs: Matrix([[1, 2]]), targets: .classes([0, 1]))
        }
        #expect(throws: BackpropError.nonFinite(what: "inputs", row: 0, column: 1)) {
            try Dataset<Float>(inputs: Matrix([[1, .infinity]]), targets: .classes([0]))
        }
        #expect(throws: BackpropError.self) { try network.predict(Matrix([[1, .nan]])) }
        #expect(throws: BackpropError.self) { try network.predict([1, 2, 3]) }
    }

    @Test func hyperparametersAreValidated() throws {
        #expect(throws: BackpropError.self) { try SGD<Float>(learningRate: -1) }
        #expect(throws: BackpropError.self) { try SGD<Float>(learningRate: .nan) }
        var network = try Network<Float>(sizes: [2, 2], activation: .sigmoid)
        let data = try Dataset<Float>(inputs: Matrix([[0, 1]]), targets: .values(Matrix([[0, 1]])))
        var sgd = try SGD<Float>(learningRate: 1)
        var random = RandomSource(seed: 1)
        #expect(throws: BackpropError.self) {
            try network.trainEpoch(on: data, batchSize: 0, optimizer: &sgd, random: &random)
        }
    }
}
