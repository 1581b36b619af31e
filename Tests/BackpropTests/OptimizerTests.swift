import Testing
@testable import Backprop

/// Three steps of each optimizer on one weight vector w = (0.5, −0.3, 0.8) with fixed
/// gradients, against values computed independently with NumPy from PyTorch's documented
/// update rules (the script is in the comment of each case), in float64.
@Suite struct OptimizerTests {
    static let start: [Double] = [0.5, -0.3, 0.8]
    static let steps: [[Double]] = [[0.1, -0.2, 0.3], [-0.05, 0.4, 0.1], [0.2, 0.2, -0.6]]

    func run<O: Optimizer<Double>>(_ optimizer: inout O) throws -> [Double] {
        var network = try Network(
            layers: [Dense(weight: Matrix(rows: 1, columns: 3, elements: Self.start), bias: [0], activation: .identity)],
            loss: .quadratic)
        for g in Self.steps {
            var gradients = Gradients<Double>(sizes: [3, 1])
            gradients.weight[0] = try Matrix(rows: 1, columns: 3, elements: g)
            optimizer.update(&network, with: gradients)
        }
        return network.layers[0].weight.elements
    }

    @Test func plainSGD() throws {
        var sgd = try SGD<Double>(learningRate: 0.1)
        // w − η Σ g
        expectClose(try run(&sgd), [0.5 - 0.1 * 0.25, -0.3 - 0.1 * 0.4, 0.8 - 0.1 * -0.2], "w")
    }

    /// Plain SGD fused into backpropagation (W^l ← W^l − (η/m) (Δ^(l+1))ᵀ A^l, made after
    /// Δ^l has used W^l) is backpropagation then `update(_:with:)`, to rounding, in both
    /// precisions, with dropout; it counts the step, and only plain SGD offers it.
    @Test(arguments: [false, true]) func fusedSGDStepIsBackpropagationThenUpdate(inFloat: Bool) throws {
        if inFloat {
            try checkFusedStep(Float.self, tolerance: 1e-5)
        } else {
            try checkFusedStep(Double.self, tolerance: 1e-12)
        }
        var momentum = try SGD<Float>(learningRate: 0.1, momentum: 0.9)
        var decay = try SGD<Float>(learningRate: 0.1, weightDecay: 0.01)
        var adam = try Adam<Float>(learningRate: 0.1)
        #expect(momentum.fusedGradientDescentStep() == nil && decay.fusedGradientDescentStep() == nil)
        #expect(adam.fusedGradientDescentStep() == nil && adam.state.step == 0)
    }

    func checkFusedStep<S: Scalar>(_: S.Type, tolerance: Double) throws {
        let network = try Network<S>(sizes: [20, 33, 17, 4], activation: .tanh, loss: .crossEntropy, seed: 5).withDropout(0.3)
        let data = try Dataset<S>.random(for: network, count: 12, seed: 6)
        let workspace = Workspace(for: network, capacity: 12)
        Array(0..<12).withUnsafeBufferPointer { workspace.load(data, indices: $0) }
        var random = RandomSource(seed: 7)
        network.forward(workspace, rows: 12, dropout: &random)  // the same masks for both steps

        var expected = network
        network.backward(workspace, rows: 12)
        var sgd = try SGD<S>(learningRate: 0.7)
        sgd.update(&expected, with: workspace.gradients)

        var fused = network
        var fusedSGD = try SGD<S>(learningRate: 0.7)
        let step = fusedSGD.fusedGradientDescentStep()
        let eta = try #require(step)
        fused.backwardApplyingSGD(workspace, rows: 12, learningRate: S(eta))
        #expect(fusedSGD.state.step == 1)
        for (f, e) in zip(fused.layers, expected.layers) {
            expectClose(f.weight.elements.map(Double.init), e.weight.elements.map(Double.init), tolerance: tolerance, "W")
            expectClose(f.bias.map(Double.init), e.bias.map(Double.init), tolerance: tolerance, "b")
        }
        #expect(fused.layers.map(\.weight) != network.layers.map(\.weight))
    }

    @Test func sgdWithMomentumAndWeightDecay() throws {
        // g += 0.01 w; v = g if first else 0.9 v + g; w -= 0.1 v
        var sgd = try SGD<Double>(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        expectClose(try run(&sgd), [0.4596303895, -0.3401544197, 0.7553398092], "w")
    }

    @Test func sgdWithNesterovMomentum() throws {
        // as above, but w -= 0.1 (g + 0.9 v)
        var sgd = try SGD<Double>(learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01)
        expectClose(try run(&sgd), [0.4372273119805, -0.3752708931623, 0.7776467551428001], "w")
    }

    @Test func adam() throws {
        // m = 0.9 m + 0.1 g; v = 0.999 v + 0.001 g²; w -= 0.01 m̂ / (√v̂ + 1e-8)
        var adam = try Adam<Double>(learningRate: 0.01)
        expectClose(try run(&adam), [0.4807555154351381, -0.29885344363316624, 0.7838046980740491], "w")
        #expect(adam.state.step == 3)
    }

    @Test func adamWithL2WeightDecay() throws {
        // g += 0.1 w, then Adam
        var adam = try Adam<Double>(learningRate: 0.01, weightDecay: 0.1)
        expectClose(try run(&adam), [0.4752235505715115, -0.2971370436493444, 0.7812722183701392], "w")
    }

    @Test func adamW() throws {
        // w *= 1 − 0.01 · 0.1, then Adam on the plain gradient
        var adamW = try Adam<Double>.adamW(learningRate: 0.01, weightDecay: 0.1)
        expectClose(try run(&adamW), [0.4792796683031988, -0.29797067229701213, 0.7814357979125003], "w")
    }

    @Test func rmsProp() throws {
        // g += 0.01 w; s = 0.99 s + 0.01 g²; w -= 0.01 g / (√s + 1e-8)
        var rms = try RMSProp<Double>(learningRate: 0.01, weightDecay: 0.01)
        expectClose(try run(&rms), [0.35288556631620405, -0.32974273752955435, 0.7548670179031249], "w")
    }

    /// Where gradients stop (dead units), Adam's moments decay; they must reach exactly 0
    /// instead of lingering as slow subnormal numbers.
    @Test func vanishedMomentsFlushToZero() throws {
        var network = try Network(
            layers: [Dense<Float>(weight: Matrix(rows: 1, columns: 1, elements: [1]), bias: [0], activation: .identity)],
            loss: .quadratic)
        var adam = try Adam<Float>(learningRate: 0.01)
        var gradients = Gradients<Float>(sizes: [1, 1])
        gradients.weight[0].elements = [1]
        adam.update(&network, with: gradients)
        gradients.weight[0].elements = [0]
        // Unflushed, m = 0.1 · 0.9^820 ≈ 3e-39 would be subnormal in Float now.
        for _ in 0..<820 { adam.update(&network, with: gradients) }
        let state = adam.state
        #expect(state.m?.tensors[0] == [0])
        let v = state.v?.tensors[0][0] ?? 0
        #expect(v > 0 && !v.isSubnormal)
    }

    @Test func invalidHyperparametersAreErrors() {
        #expect(throws: BackpropError.self) { try SGD<Float>(learningRate: 0.1, momentum: 1) }
        #expect(throws: BackpropError.self) { try SGD<Float>(learningRate: 0.1, nesterov: true) }
        #expect(throws: BackpropError.self) { try SGD<Float>(learningRate: 0.1, weightDecay: -1) }
        #expect(throws: BackpropError.self) { try Adam<Float>(learningRate: 0) }
        #expect(throws: BackpropError.self) { try Adam<Float>(beta1: 1) }
        #expect(throws: BackpropError.self) { try Adam<Float>(epsilon: -1) }
        #expect(throws: BackpropError.self) { try RMSProp<Float>(alpha: 1.5) }
    }

    @Test func clippingScalesToTheNorm() {
        var gradients = Gradients<Double>(sizes: [2, 1])
        gradients.weight[0].elements = [3, 0]
        gradients.bias[0] = [4]
        #expect(gradients.norm == 5)
        gradients.clip(toNorm: 1)
        expectClose(gradients.weight[0].elements + gradients.bias[0], [0.6, 0, 0.8], tolerance: 1e-6, "clipped")
        gradients.clip(toNorm: 10)
        expectClose([gradients.norm], [1], tolerance: 1e-6, "unchanged below the limit")
    }
}

@Suite struct ScheduleTests {
    func rates(_ schedule: LearningRateSchedule, losses: [Double?] = []) -> [Double] {
        var scheduler = LearningRateScheduler(schedule, initialRate: 0.1)
        return (1...6).map { e in scheduler.rate(forEpoch: e, previousLoss: e - 2 < losses.count && e >= 2 ? losses[e - 2] : nil) }
    }

    @Test func constant() { expectClose(rates(.constant), [0.1, 0.1, 0.1, 0.1, 0.1, 0.1], "η") }

    @Test func step() {
        expectClose(rates(.step(every: 2, factor: 0.5)), [0.1, 0.1, 0.05, 0.05, 0.025, 0.025], "η")
    }

    @Test func exponential() {
        expectClose(rates(.exponential(factor: 0.5)), [0.1, 0.05, 0.025, 0.0125, 0.00625, 0.003125], "η")
    }

    @Test func cosine() {
        // 0.05 (1 + cos(π k / 4)) for k = 0 … 5, held at the minimum after 4.
        expectClose(
            rates(.cosine(epochs: 4)), [0.1, 0.085355339059327376, 0.05, 0.014644660940672624, 0, 0],
            tolerance: 1e-15, "η")
    }

    @Test func reduceOnPlateau() {
        // Loss improves, then stalls: after more than `patience` = 1 bad epochs the rate drops.
        let rates = rates(.reduceOnPlateau(factor: 0.5, patience: 1), losses: [1.0, 0.5, 0.6, 0.55, 0.7])
        expectClose(rates, [0.1, 0.1, 0.1, 0.1, 0.05, 0.05], "η")
    }

    @Test func invalidSchedulesAreErrors() {
        #expect(throws: BackpropError.self) { try LearningRateSchedule.step(every: 0, factor: 0.5).validate() }
        #expect(throws: BackpropError.self) { try LearningRateSchedule.exponential(factor: 1.5).validate() }
        #expect(throws: BackpropError.self) { try LearningRateSchedule.cosine(epochs: 0).validate() }
    }
}
