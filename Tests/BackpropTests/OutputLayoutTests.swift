import Testing
@testable import Backprop

/// The one rule every front end uses for a network's output end.
@Suite struct OutputLayoutTests {
    let three = try! LabelEncoding(task: .classification, classNames: ["a", "b", "c"])
    let two = try! LabelEncoding(task: .classification, classNames: ["no", "yes"])
    let regression = try! LabelEncoding(task: .regression)

    @Test func defaultsFollowTheTask() throws {
        #expect(try OutputLayout(for: three) == OutputLayout(loss: .crossEntropy, activation: .softmax, size: 3))
        #expect(try OutputLayout(for: two) == OutputLayout(loss: .crossEntropy, activation: .softmax, size: 2))
        #expect(try OutputLayout(for: regression) == OutputLayout(loss: .quadratic, activation: .identity, size: 1))
    }

    @Test func theLossSetsTheActivationAndWidth() throws {
        #expect(try OutputLayout(for: two, loss: .binaryCrossEntropy) == OutputLayout(loss: .binaryCrossEntropy, activation: .sigmoid, size: 1))
        #expect(try OutputLayout(for: three, loss: .binaryCrossEntropy).size == 3)
        #expect(try OutputLayout(for: three, loss: .quadratic) == OutputLayout(loss: .quadratic, activation: .sigmoid, size: 3))
        #expect(try OutputLayout(for: three, loss: .quadratic, activation: .tanh).activation == .tanh)
        #expect(try OutputLayout(for: regression, activation: .tanh).activation == .tanh)
    }

    @Test func mismatchesAreRefusedNamingTheSetting() throws {
        #expect(throws: BackpropError.invalidHyperparameter(
            name: "loss", value: "cross-entropy", expected: "quadratic, for a regression (the others need classes)")) {
            try OutputLayout(for: regression, loss: .crossEntropy)
        }
        #expect(throws: BackpropError.invalidHyperparameter(
            name: "output activation", value: "sigmoid", expected: "softmax, for the cross-entropy loss")) {
            try OutputLayout(for: three, activation: .sigmoid)
        }
    }
}

extension OutputLayout {
    init(loss: Loss, activation: Activation, size: Int) {
        self = try! OutputLayout(for: LabelEncoding(task: .regression))
        (self.loss, self.activation, self.size) = (loss, activation, size)
    }
}
