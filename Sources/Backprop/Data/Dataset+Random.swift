extension Dataset {
    /// `count` random examples that fit `network`, for gradient checks and walk-throughs.
    ///
    /// Inputs are N(0, 1). Targets suit the loss: class indices for softmax
    /// cross-entropy, 0/1 values for binary cross-entropy, U(0, 1) values for the quadratic loss.
    public static func random(for network: Network<S>, count: Int, seed: UInt64) throws -> Dataset {
        var random = RandomSource(seed: seed ^ 0x5DEE_CE66_D1CE_5EED)
        let inputs = (0..<(count * network.inputSize)).map { _ in S(random.normal()) }
        let n = network.outputSize
        let targets: Targets<S>
        switch network.loss {
        case .crossEntropy:
            targets = .classes((0..<count).map { _ in random.integer(below: n) })
        case .binaryCrossEntropy:
            targets = .values(try Matrix(rows: count, columns: n, elements: (0..<(count * n)).map { _ in
                S(random.integer(below: 2))
            }))
        case .quadratic:
            targets = .values(try Matrix(rows: count, columns: n, elements: (0..<(count * n)).map { _ in
                S(random.uniform())
            }))
        }
        return try Dataset(
            inputs: Matrix(rows: count, columns: network.inputSize, elements: inputs), targets: targets)
    }
}
