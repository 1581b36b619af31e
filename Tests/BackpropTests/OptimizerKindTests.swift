import Testing
@testable import Backprop

/// The optimizer names the command line and the playground share.
@Suite struct OptimizerKindTests {
    @Test func namesAndDefaults() {
        #expect(OptimizerKind.names == "sgd, momentum, adam, adamw or rmsprop")
        #expect(OptimizerKind.sgd.configuration() == .sgd(learningRate: 0.01))
        #expect(OptimizerKind.momentum.configuration() == .sgd(learningRate: 0.01, momentum: 0.9))
        #expect(OptimizerKind.adam.configuration() == .adam(learningRate: 0.001))
        #expect(OptimizerKind.adamw.configuration() == .adamW(learningRate: 0.001, weightDecay: 0.01))
        #expect(OptimizerKind.rmsprop.configuration() == .rmsProp(learningRate: 0.001))
    }

    @Test func settingsOverrideTheDefaults() {
        #expect(OptimizerKind.momentum.configuration(learningRate: 0.1, momentum: 0.5, nesterov: true, weightDecay: 0.2)
            == .sgd(learningRate: 0.1, momentum: 0.5, nesterov: true, weightDecay: 0.2))
        #expect(OptimizerKind.adamw.configuration(weightDecay: 0) == .adamW(learningRate: 0.001, weightDecay: 0))
        #expect(OptimizerKind.momentum.configuration().momentum == 0.9)
        #expect(OptimizerKind.adam.configuration().momentum == 0)
    }
}
