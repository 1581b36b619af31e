/// The mini-batches of a training set: the data, the batch size, the shuffled order of the
/// epoch in progress, and the buffers every step reuses (allocated once).
///
/// A streamed training set (`DataStream`) is read through its shuffle buffer instead: `data`
/// is then a window of one batch, refilled from the buffer before each step, and `order` is
/// the window's rows in order.
final class MiniBatches<S: Scalar> {
    /// The training data, or for a stream the window that holds the batch in progress.
    private(set) var data: Dataset<S>
    /// The stream the batches are read from, if any.
    let stream: ShuffleBuffer<S>?
    let size: Int
    /// Batches per epoch; the last one may be smaller.
    private(set) var count: Int
    /// The examples of an epoch over every process: n, or all the parts' with `shards`.
    private(set) var total: Int
    /// How the examples are split over the processes, when each holds only its part.
    private(set) var shards: DataShards?
    let workspace: Workspace<S>
    /// The examples this process holds, in the order it takes them in the epoch `orderEpoch`.
    private(set) var order: [Int]
    private(set) var orderEpoch = 0
    /// The gradient buckets summed across ranks, if any (none: one message per tensor).
    private(set) var buckets: GradientBuckets<S>?
    /// A batch's loss and correct count, summed across ranks while backpropagation runs.
    let sums = UnsafeMutableBufferPointer<Double>.allocate(capacity: 2)

    /// Batches of `size` of `data` (or read from `stream`, into `data` as its window), whose
    /// products run in `precision`.
    /// - Throws: `BackpropError` if the data do not fit `network`, are empty, or `size` < 1.
    init(
        _ data: Dataset<S>, size: Int, for network: Network<S>, precision: Precision = .float32, stream: DataStream<S>? = nil
    ) throws {
        try data.validate(for: network)
        guard size > 0 else {
            throw BackpropError.invalidHyperparameter(name: "batch size", value: "\(size)", expected: "an integer ≥ 1")
        }
        guard data.count > 0 else {
            throw BackpropError.shapeMismatch(what: "training data", expected: "at least 1 example", got: "0")
        }
        self.data = data
        self.size = size
        self.stream = stream.map { ShuffleBuffer($0) }
        total = stream?.count ?? data.count
        count = (total + size - 1) / size
        workspace = Workspace(for: network, capacity: Swift.min(size, data.count), precision: precision)
        order = Array(0..<data.count)
        sums.initialize(repeating: 0)
    }

    deinit {
        sums.deallocate()
    }

    /// Takes the batches as `shards` describe (none: every process holds all the data) for
    /// rank `rank` of `ranks`.
    /// - Throws: `BackpropError` if the parts do not match the ranks and the data held, or
    ///   the batch size is below the number of parts.
    func use(_ shards: DataShards?, rank: Int, of ranks: Int) throws {
        guard shards != self.shards else { return }
        guard stream == nil else {
            throw BackpropError.invalidHyperparameter(
                name: "data shards", value: "\(shards?.counts ?? [])", expected: "none for a streamed training set (every rank reads the stream)")
        }
        if let shards {
            if let held = shards.held {
                guard shards.counts.count == ranks, held == rank, shards.counts[held] == data.count else {
                    throw BackpropError.shapeMismatch(
                        what: "data shards", expected: "\(ranks) parts, part \(rank) of \(data.count) examples (this rank's data)",
                        got: "\(shards.counts.count) parts, part \(held) of \(shards.counts[held])")
                }
            } else {
                guard ranks == 1, shards.total == data.count else {
                    throw BackpropError.shapeMismatch(
                        what: "data shards held by one process", expected: "1 process holding all \(data.count) examples",
                        got: "\(ranks) processes, \(shards.total) examples in the parts")
                }
            }
            guard size >= shards.counts.count else {
                throw BackpropError.invalidHyperparameter(
                    name: "batch size", value: "\(size)",
                    expected: "at least the \(shards.counts.count) data shards (each gives every batch at least one example)")
            }
            count = shards.counts.indices.map { s in
                let b = shards.share(s, of: size)
                return (shards.counts[s] + b - 1) / b
            }.max() ?? 0
            total = shards.total
        } else {
            count = (data.count + size - 1) / size
            total = data.count
        }
        self.shards = shards
        orderEpoch = 0
    }

    /// Sums the gradients across ranks in buckets of at most `capacity` bytes (0: one
    /// message per tensor; in bfloat16, one per layer), in `precision`; the buffer is made once.
    /// - Throws: `BackpropError` for bfloat16 sums of gradients other than `Float`.
    func useBuckets(of capacity: Int, precision: Precision) throws {
        let capacity = precision == .bfloat16 ? Swift.max(capacity, 1) : capacity
        guard capacity != (buckets?.capacity ?? 0) || precision != (buckets?.precision ?? .float32) else { return }
        buckets = capacity > 0 ? try GradientBuckets(for: workspace.gradients, capacity: capacity, precision: precision) : nil
    }

    /// Batch k for rank `rank` of `ranks`: the rows of `order` this process computes
    /// (`first ..< first + rows`), m, the batch's examples over every process, and the
    /// epoch's examples done once it is done.
    func batch(_ k: Int, rank: Int, of ranks: Int) -> (first: Int, rows: Int, m: Int, done: Int) {
        guard let shards else {
            let start = k * size, m = Swift.min(size, total - start)
            let origin = stream == nil ? start : 0  // a stream's batch fills its window from row 0
            let first = origin + m * rank / ranks
            return (first, origin + m * (rank + 1) / ranks - first, m, start + m)
        }
        var m = 0, done = 0, before = 0, (first, rows) = (0, 0)
        for s in shards.counts.indices {
            let taken = shards.taken(s, before: k, size: size), next = shards.taken(s, before: k + 1, size: size)
            m += next - taken
            done += next
            before += taken
            if s == shards.held { (first, rows) = (taken, next - taken) }
        }
        return shards.held == nil ? (before, m, m, done) : (first, rows, m, done)
    }

    /// Shuffles the examples for `epoch` with `random`: a permutation of 0 ..< n, or with
    /// `shards`, each part's own permutation (see `DataShards`); or for a stream, starts the
    /// epoch's reading with a generator drawn from `random`, at batch `batch` (after a resume).
    /// - Throws: `DataError` for a stream's file that cannot be read or a malformed example.
    func shuffle(for epoch: Int, with random: inout RandomSource, from batch: Int = 0) throws {
        defer { orderEpoch = epoch }
        for i in order.indices { order[i] = i }
        if let stream {
            try stream.restart(seed: random.next())
            try stream.skip(Swift.min(total, batch * size))
            return
        }
        guard let shards else {
            random.shuffle(&order)
            return
        }
        let base = random.next()
        if let held = shards.held {
            var generator = DataShards.generator(base, part: held)
            generator.shuffle(&order)
            return
        }
        var offset = 0
        let parts = shards.counts.indices.map { s -> [Int] in
            var part = Array(offset ..< offset + shards.counts[s])
            var generator = DataShards.generator(base, part: s)
            generator.shuffle(&part)
            offset += shards.counts[s]
            return part
        }
        order.removeAll(keepingCapacity: true)
        for k in 0..<count {
            for s in parts.indices {
                order += parts[s][shards.taken(s, before: k, size: size) ..< shards.taken(s, before: k + 1, size: size)]
            }
        }
    }

    /// Reads batch k of a stream into the window (nothing for held data).
    /// - Throws: `DataError` for a malformed example, or a file changed while training.
    func read(_ k: Int) throws {
        guard let stream else { return }
        try stream.next(Swift.min(size, total - k * size), into: &data)
    }
}
