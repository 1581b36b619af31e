/// The gradients of consecutive layers packed into one buffer, so that each bucket is summed
/// across ranks in one message rather than two per layer (PyTorch DDP's gradient buckets and
/// its `bucket_cap_mb`).
///
/// Layers are taken from the last, whose gradients backpropagation finishes first: a bucket
/// closes when the next layer would take it past `capacity` bytes (a layer larger than that
/// has a bucket of its own), and its sum starts as soon as its last layer is packed, while
/// backpropagation goes on below. Made once per run; no allocation per step.
final class GradientBuckets<S: Scalar> {
    /// The capacity asked for, in bytes.
    let capacity: Int
    /// Every layer's ∂C/∂W then ∂C/∂b, the last layer first.
    private let buffer: UnsafeMutableBufferPointer<S>
    /// Where layer k's values start in `buffer`.
    private let offset: [Int]
    /// For a layer that closes its bucket: the bucket's range of `buffer`.
    private let closes: [Range<Int>?]

    /// Buckets of at most `capacity` bytes for the layers of `gradients`.
    init(for gradients: Gradients<S>, capacity: Int) {
        self.capacity = capacity
        let sizes = zip(gradients.weight, gradients.bias).map { $0.elements.count + $1.count }
        var offset = [Int](repeating: 0, count: sizes.count), closes = [Range<Int>?](repeating: nil, count: sizes.count)
        var start = 0, end = 0
        for k in stride(from: sizes.count - 1, through: 0, by: -1) {
            if end > start, (end - start + sizes[k]) * MemoryLayout<S>.stride > capacity {
                closes[k + 1] = start ..< end
                start = end
            }
            offset[k] = end
            end += sizes[k]
        }
        if !sizes.isEmpty { closes[0] = start ..< end }
        self.offset = offset
        self.closes = closes
        buffer = .allocate(capacity: end)
        buffer.initialize(repeating: 0)
    }

    deinit {
        buffer.deallocate()
    }

    /// The number of buckets (messages per step).
    var count: Int { closes.count(where: { $0 != nil }) }

    /// Packs layer k's gradients and, when it closes its bucket, starts summing the bucket.
    func add(_ k: Int, of gradients: Gradients<S>, over communicator: any Communicator) throws {
        let target = buffer.baseAddress! + offset[k]
        let weights = gradients.weight[k].elements.count
        gradients.weight[k].withPointer { copyValues(weights, from: $0, to: target) }
        withPointer(gradients.bias[k]) { copyValues(gradients.bias[k].count, from: $0, to: target + weights) }
        if let range = closes[k] { try communicator.startAllReduceSum(UnsafeMutableBufferPointer(rebasing: buffer[range])) }
    }

    /// Unpacks the summed gradients (after `Communicator.finishReductions()`).
    func unpack(into gradients: inout Gradients<S>) {
        for k in offset.indices {
            let source = UnsafePointer(buffer.baseAddress! + offset[k])
            let weights = gradients.weight[k].elements.count, biases = gradients.bias[k].count
            gradients.weight[k].withMutablePointer { copyValues(weights, from: source, to: $0) }
            withMutablePointer(&gradients.bias[k]) { copyValues(biases, from: source + weights, to: $0) }
        }
    }
}
