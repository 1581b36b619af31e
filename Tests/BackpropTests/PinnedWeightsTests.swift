import Testing
@testable import Backprop

/// Pins the exact parameters (a hash of their bits) that fixed seeds give, so that a
/// redesign of the training code can prove it changed nothing.
///
/// Floating-point sums depend on the BLAS kernels' order of operations, so the pins are kept
/// per OpenBLAS core (recorded with `OPENBLAS_CORETYPE` set to each core, on training code
/// older than the current training loop; the two plain-SGD runs re-recorded when SGD's update
/// was fused into backpropagation, which rounds once instead of twice); on a core without
/// pins the test is skipped and says so, never passed.
@Suite struct PinnedWeightsTests {
    /// Hashes by core name: lecture network (epoch API), lecture network (trainer), Adam MLP.
    static let pins: [String: [UInt64]] = [
        "Zen": [0xf2e7_6890_83b7_4c05, 0xf2e7_6890_83b7_4c05, 0x06b2_826b_3309_4fb2],
        "Haswell": [0xf2e7_6890_83b7_4c05, 0xf2e7_6890_83b7_4c05, 0x06b2_826b_3309_4fb2],
        "Cooperlake": [0xa55d_c0b9_bdd2_5f91, 0xa55d_c0b9_bdd2_5f91, 0x23de_3c97_d1c6_a510],
    ]

    static var core: String {
        let description = blasDescription()
        guard let start = description.range(of: "core: ")?.upperBound else { return "?" }
        return String(description[start...].prefix { $0.isLetter || $0.isNumber })
    }

    /// 240 examples of 16 N(0, 1) features in 10 classes.
    static let data: (train: Dataset<Float>, validation: Dataset<Float>) = {
        var random = RandomSource(seed: 11)
        func examples(_ n: Int) -> Dataset<Float> {
            let labels = (0..<n).map { _ in random.integer(below: 10) }
            let inputs = labels.flatMap { c in (0..<16).map { j in Float(random.normal()) + (j == c ? 2 : 0) } }
            return try! Dataset(inputs: Matrix(rows: n, columns: 16, elements: inputs), targets: .classes(labels))
        }
        return (examples(240), examples(60))
    }()

    /// FNV-1a over the bit patterns of every weight and bias, W^1, b^1, W^2, …
    static func hash(_ network: Network<Float>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for layer in network.layers {
            for value in layer.weight.elements + layer.bias {
                h = (h ^ UInt64(value.bitPattern)) &* 0x100_0000_01b3
            }
        }
        return h
    }

    static func lectureNetwork() throws -> Network<Float> {
        try Network<Float>(sizes: [16, 30, 10], activation: .sigmoid, loss: .quadratic, initialization: .normal, seed: 1)
    }

    static func lectureByEpochs() throws -> UInt64 {
        var network = try lectureNetwork()
        var sgd = try SGD<Float>(learningRate: 3)
        var random = RandomSource(seed: 1)
        for epoch in 1...3 {
            _ = try network.trainEpoch(on: data.train, batchSize: 10, optimizer: &sgd, random: &random, epoch: epoch)
        }
        return hash(network)
    }

    static func lectureByTrainer() throws -> UInt64 {
        var network = try lectureNetwork()
        _ = try Trainer(epochs: 3, batchSize: 10, optimizer: .sgd(learningRate: 3), seed: 1).fit(&network, on: data.train)
        return hash(network)
    }

    static func adamMLP() throws -> UInt64 {
        var network = try Network<Float>(
            sizes: [16, 32, 16, 10], activation: .relu, loss: .crossEntropy, seed: 3).withDropout(0.2)
        var trainer = Trainer(
            epochs: 6, batchSize: 16, optimizer: .adam(learningRate: 0.01), seed: 3, schedule: .cosine(epochs: 6),
            earlyStopping: EarlyStopping(patience: 2))
        trainer.clipNorm = 1
        _ = try trainer.fit(&network, on: data.train, validation: data.validation)
        return hash(network)
    }

    @Test(.enabled(if: pins[core] != nil, "no pinned hashes for OpenBLAS core \(core)"))
    func fixedSeedsGiveThePinnedParameters() throws {
        let actual = [try Self.lectureByEpochs(), try Self.lectureByTrainer(), try Self.adamMLP()]
        #expect(actual == Self.pins[Self.core], "core \(Self.core): \(actual.map { "0x" + String($0, radix: 16) })")
    }
}
