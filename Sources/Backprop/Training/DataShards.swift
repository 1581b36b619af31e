/// How the training examples are split over the processes that train on them when each
/// holds only its part (`TrainingSession.shards`; `train --distributed --shard-data`).
///
/// Every epoch each part is shuffled on its own, by a generator drawn from the run's, so
/// that the order depends on the seed and the epoch, as with PyTorch's
/// `DistributedSampler` and `set_epoch`. Mini-batch k then takes from part s its examples
/// k·b_s ..< (k+1)·b_s in that order, where b_s = ⌊m(s+1)/N⌋ − ⌊m s/N⌋ is part s's share of
/// the batch size m over N parts (as each rank's share is without parts), until every part
/// is used up: an epoch sees every example once, and a part used up early adds nothing to
/// the last batches. Each batch's gradients are divided by the examples it has.
public struct DataShards: Equatable, Sendable {
    /// n_s, the examples of each part, in rank order.
    public let counts: [Int]
    /// The part this process holds (its rank), or nil when it holds every part, one after
    /// another: a single process that draws the batches the ranks draw together.
    public let held: Int?

    /// Parts of `counts` examples, of which this process holds `held` (nil: all).
    /// - Throws: `BackpropError.invalidHyperparameter` for a negative count, no examples at
    ///   all, or a part that is not one of them.
    public init(counts: [Int], held: Int?) throws {
        guard !counts.isEmpty, counts.allSatisfy({ $0 >= 0 }), counts.reduce(0, +) > 0 else {
            throw BackpropError.invalidHyperparameter(
                name: "data shards", value: "\(counts)", expected: "one count ≥ 0 per part, not all 0")
        }
        if let held, !counts.indices.contains(held) {
            throw BackpropError.invalidHyperparameter(
                name: "held data shard", value: "\(held)", expected: "a part 0 ..< \(counts.count)")
        }
        (self.counts, self.held) = (counts, held)
    }

    /// This rank's part, of `count` examples, with the counts of every rank's gathered
    /// (every rank of `communicator` calls this together).
    /// - Throws: what `init(counts:held:)` or the communicator throws.
    public init(holding count: Int, over communicator: any Communicator) throws {
        var counts = [Double](repeating: 0, count: communicator.size)
        counts[communicator.rank] = Double(count)
        try self.init(counts: try communicator.sum(counts).map { Int($0) }, held: communicator.rank)
    }

    /// All the examples of every part.
    public var total: Int { counts.reduce(0, +) }

    /// b_s, part s's share of a batch of `size`.
    func share(_ s: Int, of size: Int) -> Int {
        size * (s + 1) / counts.count - size * s / counts.count
    }

    /// The examples of part s used before batch k.
    func taken(_ s: Int, before k: Int, size: Int) -> Int {
        Swift.min(counts[s], k * share(s, of: size))
    }

    /// The generator that shuffles part s in an epoch whose draw is `base`.
    static func generator(_ base: UInt64, part s: Int) -> RandomSource {
        RandomSource(seed: base ^ UInt64(s + 1) &* 0xBF58_476D_1CE4_E5B9)
    }
}
