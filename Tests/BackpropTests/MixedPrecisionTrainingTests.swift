import Foundation
import Testing
@testable import Backprop

/// Training with bfloat16 products (`Precision.bfloat16`): each product of forward and
/// backward propagation is the bfloat16 product of the right operands, bit for bit; the
/// gradients stay within bfloat16's error of float32's; the setting is saved, checked and
/// read from older files; and small W2- and W3-like networks reach float32's test accuracy.
@Suite struct MixedPrecisionTrainingTests {
    /// A 20–16–8–3 network and a batch of 32, one forward and backward pass in `precision`.
    private func pass(_ precision: Precision) throws -> (Network<Float>, Dataset<Float>, Workspace<Float>) {
        let network = try Network<Float>(sizes: [20, 16, 8, 3], activation: .tanh, loss: .crossEntropy, seed: 3)
        let batch = try Dataset<Float>.random(for: network, count: 32, seed: 4)
        let workspace = Workspace(for: network, capacity: 32, precision: precision)
        Array(0..<32).withUnsafeBufferPointer { workspace.load(batch, indices: $0) }
        network.forward(workspace, rows: 32)
        network.backward(workspace, rows: 32)
        return (network, batch, workspace)
    }

    private func matrix(_ pointer: UnsafePointer<Float>, _ rows: Int, _ columns: Int) throws -> Matrix<Float> {
        try Matrix(rows: rows, columns: columns, elements: Array(UnsafeBufferPointer(start: pointer, count: rows * columns)))
    }

    /// Z² = X W¹ᵀ + b¹ with X and W¹ rounded to bfloat16; Δ² = (Δ³ W²) ⊙ g′(Z²) with Δ³ and W²
    /// rounded; ∂C/∂W³ = (1/m) Δ⁴ᵀ A³ with both rounded: each the kernels' product, bit for bit.
    @Test func eachProductIsTheBFloat16ProductOfItsOperands() throws {
        let (network, batch, workspace) = try pass(.bfloat16)
        let z2 = try batch.inputs.bfloat16Product(network.layers[0].weight)
        let bias = network.layers[0].bias
        let expectedZ2 = (0..<32 * 16).map { z2.elements[$0] + bias[$0 % 16] }
        #expect(try matrix(workspace.z[1], 32, 16).elements == expectedZ2)

        let delta3 = try matrix(workspace.delta[2], 32, 8)
        let product = try delta3.bfloat16Product(network.layers[1].weight, transposeB: true)
        let a2 = try matrix(workspace.a[1], 32, 16)
        let derivative = a2.elements.map { 1 - $0 * $0 }  // tanh′ = 1 − a²
        let expectedDelta2 = (0..<32 * 16).map { product.elements[$0] * derivative[$0] }
        #expect(try matrix(workspace.delta[1], 32, 16).elements == expectedDelta2)

        let delta4 = try matrix(workspace.delta[3], 32, 3), a3 = try matrix(workspace.a[2], 32, 8)
        let gradient = try delta4.bfloat16Product(transposeA: true, a3, transposeB: true)
        #expect(workspace.gradients.weight[2].elements == gradient.elements.map { $0 * (1 / Float(32)) })
    }

    /// Plain SGD applied during backpropagation in bfloat16: W³ ← W³ + ((−η/m) Δ⁴)ᵀ A³, the
    /// scaled Δ⁴ and A³ rounded, the sums added to W³ — bit for bit.
    @Test func fusedStepAddsTheBFloat16ProductOfTheScaledDelta() throws {
        var (network, _, workspace) = try pass(.bfloat16)
        let before = network.layers[2].weight.elements
        let delta4 = try matrix(workspace.delta[3], 32, 3), a3 = try matrix(workspace.a[2], 32, 8)
        let eta: Float = 0.5, step = -eta / 32
        let scaled = try Matrix(rows: 32, columns: 3, elements: delta4.elements.map { step * $0 })
        let sums = try scaled.bfloat16Product(transposeA: true, a3, transposeB: true)
        network.backwardApplyingSGD(workspace, rows: 32, learningRate: eta)
        #expect(network.layers[2].weight.elements == zip(before, sums.elements).map { $0 + $1 })
    }

    /// bfloat16 keeps 8 significant bits, so the gradients move by about 2⁻⁸ relative to
    /// float32's, and do move (the products are rounded, not float32).
    @Test func gradientsAreWithinBFloat16sErrorOfFloat32s() throws {
        let (_, _, exact) = try pass(.float32)
        let (_, _, mixed) = try pass(.bfloat16)
        for l in 0..<3 {
            let a = exact.gradients.weight[l].elements, b = mixed.gradients.weight[l].elements
            let difference = zip(a, b).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +).squareRoot()
            let size = a.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
            #expect(difference > 0, "layer \(l + 1)'s gradient is float32's: its products were not rounded")
            #expect(difference <= 0.03 * size, "layer \(l + 1): ‖Δ‖ = \(difference), ‖∂C/∂W‖ = \(size)")
        }
    }

    /// A predictor in bfloat16 (weights packed once) gives the outputs of `predict` in
    /// bfloat16, for one example and for batches; they differ from float32's by bfloat16's error.
    @Test func predictorInBFloat16MatchesPredict() throws {
        let network = try Network<Float>(sizes: [20, 16, 8, 3], activation: .relu, loss: .crossEntropy, seed: 5)
        let inputs = try Dataset<Float>.random(for: network, count: 12, seed: 6).inputs
        let expected = try network.predict(inputs, precision: .bfloat16)
        let exact = try network.predict(inputs)
        let predictor = Predictor(network, batchSize: 5, precision: .bfloat16)
        for i in 0..<12 {
            #expect(try predictor.predict(inputs.row(i)) == expected.row(i), "example \(i)")
        }
        #expect(try predictor.predictClasses(inputs) == network.classes(from: expected))
        #expect(expected != exact)
        #expect(zip(expected.elements, exact.elements).allSatisfy { abs($0 - $1) <= 0.02 })
    }

    /// A network of Double cannot train in bfloat16; the trainer says so before training.
    @Test func bfloat16NeedsFloat() throws {
        var network = try Network<Double>(sizes: [4, 3, 2], seed: 1)
        let data = try Dataset<Double>.random(for: network, count: 8, seed: 2)
        var trainer = Trainer(epochs: 1, batchSize: 4)
        trainer.precision = .bfloat16
        #expect(throws: BackpropError.self) { try trainer.fit(&network, on: data) }
        var sgd = try SGD<Double>(learningRate: 0.1), random = RandomSource(seed: 1)
        #expect(throws: BackpropError.self) {
            try network.trainEpoch(on: data, batchSize: 4, optimizer: &sgd, random: &random, precision: .bfloat16)
        }
    }

    /// The trainer's precision is saved as "precision" only when it is not float32, and files
    /// written before it existed read as float32.
    @Test func precisionIsSavedWithTheTrainer() throws {
        var trainer = Trainer(epochs: 2)
        let plain = try JSONEncoder().encode(trainer)
        #expect(!String(decoding: plain, as: UTF8.self).contains("precision"))
        #expect(try JSONDecoder().decode(Trainer.self, from: plain).precision == .float32)
        trainer.precision = .bfloat16
        let mixed = try JSONEncoder().encode(trainer)
        #expect(String(decoding: mixed, as: UTF8.self).contains("\"precision\":\"bf16\""))
        #expect(try JSONDecoder().decode(Trainer.self, from: mixed) == trainer)
    }

    /// Ten classes in 32 dimensions: Gaussian clouds around random centres, overlapping
    /// enough that neither precision reaches 100%.
    private func clouds(count: Int, seed: UInt64) throws -> Dataset<Float> {
        var centres = RandomSource(seed: 77), random = RandomSource(seed: seed)
        let centre = (0..<10 * 32).map { _ in Float(centres.normal()) }
        var inputs: [Float] = [], labels: [Int] = []
        for _ in 0..<count {
            let label = random.integer(below: 10)
            labels.append(label)
            inputs += (0..<32).map { centre[label * 32 + $0] + 1.6 * Float(random.normal()) }
        }
        return try Dataset(inputs: Matrix(rows: count, columns: 32, elements: inputs), targets: .classes(labels))
    }

    /// W2's recipe (ReLU, softmax, Adam 10⁻³, batches of 64, 5 epochs) and W3's (SGD, batches
    /// of 512, here η = 0.2 for 12 epochs) on small networks: the median test accuracy of 3
    /// seeds in bfloat16 is at most 0.3 points below float32's.
    @Test(arguments: ["W2", "W3"]) func accuracyMatchesFloat32(workload: String) throws {
        let w2 = workload == "W2"
        let train = try clouds(count: w2 ? 4000 : 2000, seed: 1), test = try clouds(count: 4000, seed: 2)
        func accuracy(_ precision: Precision, seed: UInt64) throws -> Double {
            var network = try Network<Float>(
                sizes: w2 ? [32, 64, 32, 10] : [32, 64, 64, 10], activation: .relu, loss: .crossEntropy, seed: seed)
            var trainer = Trainer(
                epochs: w2 ? 5 : 12, batchSize: w2 ? 64 : 512, optimizer: w2 ? .adam(learningRate: 1e-3) : .sgd(learningRate: 0.2),
                seed: seed)
            trainer.precision = precision
            _ = try trainer.fit(&network, on: train)
            return try network.evaluate(on: test).accuracy ?? 0
        }
        func median(_ precision: Precision) throws -> Double {
            try (1...3).map { try accuracy(precision, seed: UInt64($0)) }.sorted()[1]
        }
        let exact = try median(.float32), mixed = try median(.bfloat16)
        #expect(exact > 0.5 && exact < 0.995, "float32's accuracy \(exact): the task should be learnable, not trivial")
        #expect(mixed >= exact - 0.003, "\(workload): bf16 \(mixed), fp32 \(exact)")
    }
}
