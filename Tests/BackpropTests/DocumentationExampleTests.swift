import Testing
@testable import Backprop

/// Checks every number of the worked example in the DocC article
/// `Sources/Backprop/Backprop.docc/BackpropagationEquationByEquation.md` against the
/// library, so that the article and the code stay together: change one, and this test says
/// whether the other still agrees. Edit the numbers here and in the article together.
///
/// The expected values are the article's, as printed there: rounded to six decimals, so
/// each is within 5e-7 of the exact value, and the tolerance is 1e-6 (`expectClose` divides
/// by max(1, |expected|), and every value here is below 1 in magnitude, so this is absolute).
@Suite struct DocumentationExampleTests {
    static let tolerance = 1e-6

    /// The article's 2–3–2 sigmoid network with the quadratic cost.
    let network: Network<Double>
    let x = [0.5, 0.1]
    let y = [0.0, 1.0]

    init() throws {
        network = try Network<Double>(
            layers: [
                Dense(weight: Matrix([[0.1, 0.3], [-0.2, 0.4], [0.5, -0.6]]), bias: [0.1, -0.1, 0.2], activation: .sigmoid),
                Dense(weight: Matrix([[0.7, -0.8, 0.9], [-0.3, 0.2, 0.6]]), bias: [-0.2, 0.3], activation: .sigmoid),
            ],
            loss: .quadratic)
    }

    func expectArticle(_ actual: [Double], _ expected: [Double], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        expectClose(actual, expected, tolerance: Self.tolerance, what, sourceLocation: sourceLocation)
    }

    @Test func forwardPropagation() throws {
        let e = try Explanation(network: network, input: x, target: y)
        expectArticle(e.a[0], [0.5, 0.1], "a^1 = x")
        expectArticle(e.z[0], [0.180000, -0.160000, 0.390000], "z^2")
        expectArticle(e.a[1], [0.544879, 0.460085, 0.596283], "a^2")
        expectArticle(e.z[1], [0.350002, 0.586323], "z^3")
        expectArticle(e.a[2], [0.586618, 0.642521], "a^3")
        expectArticle([e.loss], [0.235956], "C")
        try expectArticle(network.predict(x), [0.586618, 0.642521], "predict(x)")
    }

    @Test func backpropagation() throws {
        let e = try Explanation(network: network, input: x, target: y)
        // δ^3 = ∇_a C ⊙ σ′(z^3), with ∇_a C = a^3 − y and σ′(z) = σ(z)(1 − σ(z)).
        try expectArticle(network.loss.outputGradient(a: e.a[2], target: y), [0.586618, -0.357479], "a^3 − y")
        expectArticle(e.a[2].map { $0 * (1 - $0) }, [0.242497, 0.229688], "σ′(z^3)")
        expectArticle(e.delta[1], [0.142253, -0.082109], "δ^3")
        // ∂C/∂W^2 = δ^3 (a^2)ᵀ, ∂C/∂b^2 = δ^3.
        expectArticle(
            e.weightGradients[1].doubles,
            [0.077511, 0.065449, 0.084823,
             -0.044739, -0.037777, -0.048960], "∂C/∂W^2")
        expectArticle(e.biasGradients[1], [0.142253, -0.082109], "∂C/∂b^2")
        // δ^2 = ((W^2)ᵀ δ^3) ⊙ σ′(z^2).
        let w2 = network.layers[1].weight
        let backward = (0..<w2.columns).map { k in (0..<w2.rows).reduce(0.0) { $0 + w2[$1, k] * e.delta[1][$1] } }
        expectArticle(backward, [0.124210, -0.130224, 0.078763], "(W^2)ᵀ δ^3")
        expectArticle(e.a[1].map { $0 * (1 - $0) }, [0.247986, 0.248407, 0.240730], "σ′(z^2)")
        expectArticle(e.delta[0], [0.030802, -0.032349, 0.018961], "δ^2")
        // ∂C/∂W^1 = δ^2 (a^1)ᵀ, ∂C/∂b^1 = δ^2.
        expectArticle(
            e.weightGradients[0].doubles,
            [0.015401, 0.003080,
             -0.016174, -0.003235,
             0.009480, 0.001896], "∂C/∂W^1")
        expectArticle(e.biasGradients[0], [0.030802, -0.032349, 0.018961], "∂C/∂b^1")
    }

    /// The article's two ways to take the step: `gradients(for:)` then `SGD.update`, and
    /// one epoch of `trainEpoch` on the one-example data set with batch size 1.
    @Test func oneSGDStep() throws {
        let data = try Dataset(inputs: Matrix([x]), targets: .values(Matrix([y])))

        var stepped = network
        var sgd = try SGD<Double>(learningRate: 0.5)
        let (loss, gradients) = try stepped.gradients(for: data)
        expectArticle([loss], [0.235956], "C before the step")
        expectArticle(gradients.weight[1].doubles, [0.077511, 0.065449, 0.084823, -0.044739, -0.037777, -0.048960], "∂C/∂W^2")
        sgd.update(&stepped, with: gradients)

        var trained = network
        var sgd2 = try SGD<Double>(learningRate: 0.5)
        var random = RandomSource(seed: 1)
        let evaluation = try trained.trainEpoch(on: data, batchSize: 1, optimizer: &sgd2, random: &random)
        expectArticle([evaluation.loss], [0.235956], "the epoch's training cost (measured before the update)")

        for net in [stepped, trained] {
            expectArticle(
                net.layers[0].weight.doubles,
                [0.092299, 0.298460,
                 -0.191913, 0.401617,
                 0.495260, -0.600948], "W^1 after the step")
            expectArticle(net.layers[0].bias, [0.084599, -0.083826, 0.190520], "b^1 after the step")
            expectArticle(
                net.layers[1].weight.doubles,
                [0.661245, -0.832724, 0.857588,
                 -0.277630, 0.218888, 0.624480], "W^2 after the step")
            expectArticle(net.layers[1].bias, [-0.271127, 0.341054], "b^2 after the step")
            try expectArticle([net.loss(on: data)], [0.209970], "C after the step")
        }
    }
}
