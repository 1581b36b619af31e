import Foundation
import Testing
@testable import Backprop

/// The lecture's 2–3–2 sigmoid network with the quadratic cost, worked through with fixed
/// numbers. The expected values were computed independently with NumPy (float64), from
/// the lecture's formulas written out directly:
///     z2 = W1 @ x + b1; a2 = σ(z2); z3 = W2 @ a2 + b2; a3 = σ(z3)
///     d3 = (a3 − y) * a3 * (1 − a3); dW2 = outer(d3, a2); d2 = (W2.T @ d3) * a2 * (1 − a2)
@Suite struct LectureExampleTests {
    let network: Network<Double>
    let x = [0.5, 0.1]
    let y = [0.0, 1.0]

    init() throws {
        network = try Network(
            layers: [
                Dense(weight: Matrix([[0.1, 0.3], [-0.2, 0.4], [0.5, -0.6]]), bias: [0.1, -0.1, 0.2], activation: .sigmoid),
                Dense(weight: Matrix([[0.7, -0.8, 0.9], [-0.3, 0.2, 0.6]]), bias: [-0.2, 0.3], activation: .sigmoid),
            ],
            loss: .quadratic)
    }

    @Test func forwardPropagation() throws {
        let e = try Explanation(network: network, input: x, target: y)
        expectClose(e.z[0], [0.18, -0.16, 0.39], "z^2")
        expectClose(e.a[1], [0.5448788923735801, 0.46008511544443426, 0.5962826992967879], "a^2")
        expectClose(e.z[1], [0.3500015616730677, 0.5863229749548855], "z^3")
        expectClose(e.a[2], [0.5866179576189297, 0.642521021371236], "a^3")
        expectClose([e.loss], [0.23595592418123434], "C")
        #expect(try network.predict(x) == e.a[2])
    }

    /// Every layer's activations for a batch hold, row by row, the lecture's a^2 and a^3.
    @Test func layerActivationsForABatch() throws {
        let layers = try network.layerActivations(Matrix([x, [0, 0], x]))
        #expect(layers.count == 2 && layers[0].columns == 3 && layers[1].columns == 2)
        expectClose(layers[0].row(0), [0.5448788923735801, 0.46008511544443426, 0.5962826992967879], "a^2")
        expectClose(layers[1].row(2), [0.5866179576189297, 0.642521021371236], "a^3")
        // For x = 0: a^2 = σ(b^1).
        expectClose(layers[0].row(1), [0.1, -0.1, 0.2].map { 1 / (1 + exp(-$0)) }, "a^2 at x = 0")
        #expect(layers[1] == (try network.predict(Matrix([x, [0, 0], x]))))
    }

    @Test func backpropagation() throws {
        let e = try Explanation(network: network, input: x, target: y)
        // δ^3 = (a^3 − y) ⊙ σ′(z^3)
        expectClose(e.delta[1], [0.14225328811118815, -0.08210854530042053], "δ^3")
        // ∂C/∂W^2 = δ^3 (a^2)ᵀ
        expectClose(
            e.weightGradients[1].doubles,
            [0.07751081406252397, 0.06544862048298637, 0.08482317461878293,
             -0.04473921321769907, -0.03777691954351853, -0.04895990502706734], "∂C/∂W^2")
        // ∂C/∂b^2 = δ^3
        expectClose(e.biasGradients[1], [0.14225328811118815, -0.08210854530042053], "∂C/∂b^2")
        // δ^2 = ((W^2)ᵀ δ^3) ⊙ σ′(z^2)
        expectClose(e.delta[0], [0.0308022933666051, -0.03234861172875483, 0.01896054836462708], "δ^2")
        // ∂C/∂W^1 = δ^2 (a^1)ᵀ, ∂C/∂b^1 = δ^2
        expectClose(
            e.weightGradients[0].doubles,
            [0.01540114668330255, 0.00308022933666051, -0.01617430586437742,
             -0.00323486117287548, 0.00948027418231354, 0.00189605483646271], "∂C/∂W^1")
        expectClose(e.biasGradients[0], e.delta[0], "∂C/∂b^1")
    }

    @Test func oneSGDStepMovesAgainstTheGradient() throws {
        var net = network
        var sgd = try SGD<Double>(learningRate: 0.5)
        let data = try Dataset(inputs: Matrix([x]), targets: .values(Matrix([y])))
        let (before, gradients) = try net.gradients(for: data)
        sgd.update(&net, with: gradients)
        // w ← w − η ∂C/∂w, element by element.
        expectClose(
            net.layers[1].weight.doubles,
            zip(network.layers[1].weight.doubles, gradients.weight[1].doubles).map { $0 - 0.5 * $1 }, "W^2 after one step")
        #expect(try net.loss(on: data) < before)
    }
}
