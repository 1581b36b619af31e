import Testing
@testable import Backprop

struct GradientCase: Sendable, CustomTestStringConvertible {
    var activation: Activation
    var outputActivation: Activation?
    var loss: Loss
    var testDescription: String {
        "\(activation) hidden, \(loss)" + (outputActivation.map { ", \($0) output" } ?? "")
    }

    /// Every hidden activation with every loss, plus softmax outputs under the quadratic loss.
    static let all: [GradientCase] =
        Activation.elementwise.flatMap { g in Loss.allCases.map { GradientCase(activation: g, loss: $0) } }
        + [GradientCase(activation: .tanh, outputActivation: .softmax, loss: .quadratic)]
}

@Suite struct GradientCheckTests {
    @Test(arguments: GradientCase.all)
    func backpropagationMatchesFiniteDifferences(_ c: GradientCase) throws {
        let network = try Network<Double>(
            sizes: [4, 6, 5, 3], activation: c.activation, outputActivation: c.outputActivation,
            loss: c.loss, seed: 7)
        let batch = try Dataset.random(for: network, count: 6, seed: 11)
        let results = try GradientCheck().run(network, on: batch)
        #expect(results.count == 3)
        for result in results {
            #expect(result.maximumError <= 1e-6, "layer \(result.layer): \(result)")
        }
    }

    @Test func floatNetworksAreCheckedInDouble() throws {
        let network = try Network<Float>(sizes: [3, 4, 2], activation: .tanh, loss: .crossEntropy, seed: 3)
        let batch = try Dataset.random(for: network, count: 5, seed: 4)
        // The check converts to Double, so it is as exact as for a Double network.
        let results = try GradientCheck().run(network, on: batch)
        #expect(results.allSatisfy { $0.maximumError <= 1e-6 })
    }

    @Test func aWrongGradientIsCaught() throws {
        let network = try Network<Double>(sizes: [3, 4, 2], activation: .sigmoid, loss: .quadratic, seed: 5)
        let batch = try Dataset.random(for: network, count: 5, seed: 6)
        var gradients = try network.gradients(for: batch).gradients
        #expect(try GradientCheck().compare(gradients, for: network, on: batch).allSatisfy { $0.maximumError < 1e-6 })
        gradients.weight[0].elements[3] *= 1.001
        let results = try GradientCheck().compare(gradients, for: network, on: batch)
        #expect(results[0].weightError > 1e-4)
        #expect(results[0].biasError < 1e-6 && results[1].maximumError < 1e-6)
    }

    /// Every parameter one by one, in the order W^1 row by row, b^1, W^2, …: backpropagation's
    /// value is the gradient's, the finite difference is close to it, and a wrong entry is
    /// found at its place.
    @Test func eachParameterIsReportedWhereItIs() throws {
        let network = try Network<Double>(sizes: [3, 4, 2], activation: .tanh, loss: .crossEntropy, seed: 8)
        let batch = try Dataset.random(for: network, count: 4, seed: 9)
        let gradients = try network.gradients(for: batch).gradients
        let results = try GradientCheck().parameterResults(network, on: batch)
        #expect(results.count == network.parameterCount)
        #expect(results[5] == results.first { $0.layer == 1 && $0.row == 1 && $0.column == 2 })
        #expect(results[5].backpropagation == gradients.weight[0][1, 2])
        #expect(results[12].layer == 1 && results[12].column == nil && results[12].backpropagation == gradients.bias[0][0])
        #expect(results[16].layer == 2 && results[16].row == 0 && results[16].column == 0)
        for r in results {
            #expect(abs(r.finiteDifference - r.backpropagation) <= 1e-8 * max(1, abs(r.backpropagation)) && r.relativeError < 1e-6)
        }
        var wrong = gradients
        wrong.weight[1].elements[5] += 0.01
        let flagged = try GradientCheck().compareEach(wrong, for: network, on: batch).filter { $0.relativeError > 1e-4 }
        #expect(flagged.count == 1 && flagged[0].layer == 2 && flagged[0].row == 1 && flagged[0].column == 1)
    }

    /// With a limit below the network's size, every k-th parameter (k = ⌈P / limit⌉) is
    /// compared, and each one exactly as the full check compares it.
    @Test func aLimitChecksAnEvenlySpacedSample() throws {
        let network = try Network<Double>(sizes: [3, 4, 2], activation: .tanh, loss: .crossEntropy, seed: 8)
        let batch = try Dataset.random(for: network, count: 4, seed: 9)
        let all = try GradientCheck().parameterResults(network, on: batch)
        let sample = try GradientCheck().parameterResults(network, on: batch, atMost: 10)
        #expect(network.parameterCount == 26)
        #expect(sample == stride(from: 0, to: 26, by: 3).map { all[$0] })
        #expect(try GradientCheck().parameterResults(network, on: batch, atMost: 26) == all)
        #expect(try GradientCheck().parameterResults(network, on: batch, atMost: 1) == [all[0]])
    }

    @Test func batchGradientIsTheMeanOfPerExampleGradients() throws {
        let network = try Network<Double>(sizes: [5, 7, 4], activation: .relu, loss: .crossEntropy, seed: 9)
        let batch = try Dataset.random(for: network, count: 8, seed: 10)
        let whole = try network.gradients(for: batch)
        var weightSums = whole.gradients.weight.map { [Double](repeating: 0, count: $0.elements.count) }
        var biasSums = whole.gradients.bias.map { [Double](repeating: 0, count: $0.count) }
        var lossSum = 0.0
        guard case .classes(let labels) = batch.targets else { Issue.record("expected class targets"); return }
        for i in 0..<batch.count {
            let single = try Dataset(inputs: Matrix([batch.inputs.row(i)]), targets: .classes([labels[i]]))
            let (loss, g) = try network.gradients(for: single)
            lossSum += loss
            for l in g.weight.indices {
                for k in weightSums[l].indices { weightSums[l][k] += g.weight[l].elements[k] }
                for k in biasSums[l].indices { biasSums[l][k] += g.bias[l][k] }
            }
        }
        let m = Double(batch.count)
        expectClose([whole.loss], [lossSum / m], "loss")
        for l in weightSums.indices {
            expectClose(whole.gradients.weight[l].doubles, weightSums[l].map { $0 / m }, "∂C/∂W^\(l + 1)")
            expectClose(whole.gradients.bias[l], biasSums[l].map { $0 / m }, "∂C/∂b^\(l + 1)")
        }
    }

    @Test(arguments: Loss.allCases)
    func fusedOutputDeltaEqualsChainRule(_ loss: Loss) throws {
        // δ^L = ∇_a C ⊙ g′(z^L): the fused δ^L must equal the chain rule through the
        // loss's own output gradient and the output activation's derivative.
        let network = try Network<Double>(sizes: [3, 4], activation: .sigmoid, loss: loss, seed: 2)
        let x = [0.3, -1.2, 0.8]
        let y: [Double] = loss == .crossEntropy ? [0, 0, 1, 0] : [0.2, 1, 0, 0.6]
        let e = try Explanation(network: network, input: x, target: y)
        let a = e.a[1], z = e.z[0]
        let gradA = try loss.outputGradient(a: a, target: y)
        var chain = gradA
        var pointer = chain
        pointer.withUnsafeMutableBufferPointer { d in
            a.withUnsafeBufferPointer { a in
                z.withUnsafeBufferPointer { z in
                    multiplyByDerivative(
                        network.layers[0].activation, delta: d.baseAddress!, z: z.baseAddress!,
                        a: a.baseAddress!, rows: 1, columns: 4)
                }
            }
        }
        chain = pointer
        expectClose(e.delta[0], chain, tolerance: 1e-12, "δ^L")
        #expect(try loss.value(z: z, a: a, target: y) == e.loss)
    }
}
