/// The mini-batches of a training set: the data, the batch size, the shuffled order of the
/// epoch in progress, and the buffers every step reuses (allocated once).
final class MiniBatches<S: Scalar> {
    let data: Dataset<S>
    let size: Int
    /// Batches per epoch; the last one may be smaller.
    let count: Int
    let workspace: Workspace<S>
    /// The order of the examples in the epoch `orderEpoch`.
    private(set) var order: [Int]
    private(set) var orderEpoch = 0
    /// A batch's loss and correct count, summed across ranks while backpropagation runs.
    let sums = UnsafeMutableBufferPointer<Double>.allocate(capacity: 2)

    /// Batches of `size`, whose products run in `precision`.
    /// - Throws: `BackpropError` if the data do not fit `network`, are empty, or `size` < 1.
    init(_ data: Dataset<S>, size: Int, for network: Network<S>, precision: Precision = .float32) throws {
        try data.validate(for: network)
        guard size > 0 else {
            throw BackpropError.invalidHyperparameter(name: "batch size", value: "\(size)", expected: "an integer ≥ 1")
        }
        guard data.count > 0 else {
            throw BackpropError.shapeMismatch(what: "training data", expected: "at least 1 example", got: "0")
        }
        self.data = data
        self.size = size
        count = (data.count + size - 1) / size
        workspace = Workspace(for: network, capacity: Swift.min(size, data.count), precision: precision)
        order = Array(0..<data.count)
        sums.initialize(repeating: 0)
    }

    deinit {
        sums.deallocate()
    }

    /// Shuffles the examples for `epoch` with `random` (a permutation of 0 ..< n).
    func shuffle(for epoch: Int, with random: inout RandomSource) {
        for i in order.indices { order[i] = i }
        random.shuffle(&order)
        orderEpoch = epoch
    }
}
