import Testing
@testable import Backprop

@Suite struct LossStabilityTests {
    /// Softmax cross-entropy from logits ±1e4: finite, and exactly what log-sum-exp gives.
    @Test func softmaxCrossEntropyWithHugeLogits() throws {
        let z: [Float] = [1e4, 0, -1e4]
        var a = [Float](repeating: 0, count: 3)
        z.withUnsafeBufferPointer { zp in
            a.withUnsafeMutableBufferPointer { ap in
                activate(.softmax, z: zp.baseAddress!, a: ap.baseAddress!, rows: 1, columns: 3)
            }
        }
        #expect(a == [1, 0, 0])
        #expect(try Loss.crossEntropy.value(z: z, a: a, target: [1, 0, 0]) == 0)
        #expect(try Loss.crossEntropy.value(z: z, a: a, target: [0, 0, 1]) == 2e4)
        #expect(try Loss.crossEntropy.value(z: z, a: a, target: [0, 1, 0]) == 1e4)
    }

    @Test func binaryCrossEntropyWithHugeLogits() throws {
        let z: [Float] = [1e4, -1e4]
        let a: [Float] = [1, 0]  // σ(±1e4) in Float
        #expect(try Loss.binaryCrossEntropy.value(z: z, a: a, target: [1, 0]) == 0)
        #expect(try Loss.binaryCrossEntropy.value(z: z, a: a, target: [0, 1]) == 2e4)
    }

    @Test(arguments: [Loss.crossEntropy, .binaryCrossEntropy])
    func trainingOnHugeLogitsStaysFinite(_ loss: Loss) throws {
        // A network whose output logits are about ±1e4 must give finite loss and gradients.
        let outputs = loss == .crossEntropy ? 3 : 1
        // Logits for input [1, 0] are (1e4, −1e4, 0) or 1e4; for [0, 1] they are (−1e4, 1e4, 0) or −1e4.
        let rows: [[Float]] = loss == .crossEntropy ? [[1e4, -1e4], [-1e4, 1e4], [0, 0]] : [[1e4, -1e4]]
        let weight = try Matrix<Float>(rows)
        let network = try Network(
            layers: [Dense(weight: weight, bias: [Float](repeating: 0, count: outputs), activation: loss.requiredOutputActivation!)],
            loss: loss)
        let batch = try Dataset<Float>(inputs: Matrix([[1, 0], [0, 1], [1, 0], [0, 1]]), targets: .classes([0, 1, 1, 0]))
        let (value, gradients) = try network.gradients(for: batch)
        #expect(value.isFinite && value > 1000)
        #expect(gradients.weight[0].firstNonFinite() == nil)
        #expect(gradients.bias[0].allSatisfy { $0.isFinite })
    }

    @Test func quadraticLossValue() throws {
        // ½ ‖y − a‖² = ½ (0.25 + 1) = 0.625
        #expect(try Loss.quadratic.value(z: [0.0, 0.0], a: [0.5, 0.0], target: [0.0, 1.0]) == 0.625)
    }

    @Test func mismatchedLengthsThrow() {
        #expect(throws: BackpropError.self) { try Loss.quadratic.value(z: [0.0], a: [0.0, 1.0], target: [1.0, 1.0]) }
        #expect(throws: BackpropError.self) { try Loss.crossEntropy.outputGradient(a: [0.5], target: [1.0, 0.0]) }
    }
}
