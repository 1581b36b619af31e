import CKernels

/// The gradients of consecutive layers packed into one buffer, so that each bucket is summed
/// across ranks in one message rather than two per layer (PyTorch DDP's gradient buckets and
/// its `bucket_cap_mb`), in float32 or, with half the bytes, in bfloat16.
///
/// Layers are taken from the last, whose gradients backpropagation finishes first: a bucket
/// closes when the next layer would take it past `capacity` bytes (a layer larger than that
/// has a bucket of its own), and its sum starts as soon as its last layer is packed, while
/// backpropagation goes on below. In bfloat16 each gradient is rounded to nearest even as it
/// is packed, each partial sum across ranks is rounded again, and the sums are widened back
/// to float32 as they are unpacked. Made once per run; no allocation per step.
final class GradientBuckets<S: Scalar> {
    /// The capacity asked for, in bytes of the values sent.
    let capacity: Int
    /// The precision of the values sent.
    let precision: Precision
    /// Every layer's ∂C/∂W then ∂C/∂b, the last layer first (float32 sums).
    private let buffer: UnsafeMutableBufferPointer<S>
    /// The same, rounded to bfloat16 (bfloat16 sums).
    private let rounded: UnsafeMutableBufferPointer<UInt16>
    /// Where layer k's values start in the buffer.
    private let offset: [Int]
    /// For a layer that closes its bucket: the bucket's range of the buffer.
    private let closes: [Range<Int>?]

    /// Buckets of at most `capacity` bytes for the layers of `gradients`, summed in `precision`.
    /// - Throws: `BackpropError` for bfloat16 sums of anything but `Float` gradients.
    init(for gradients: Gradients<S>, capacity: Int, precision: Precision = .float32) throws {
        try precision.check(for: S.self)
        self.capacity = capacity
        self.precision = precision
        let width = precision == .bfloat16 ? 2 : MemoryLayout<S>.stride
        let sizes = zip(gradients.weight, gradients.bias).map { $0.elements.count + $1.count }
        var offset = [Int](repeating: 0, count: sizes.count), closes = [Range<Int>?](repeating: nil, count: sizes.count)
        var start = 0, end = 0
        for k in stride(from: sizes.count - 1, through: 0, by: -1) {
            if end > start, (end - start + sizes[k]) * width > capacity {
                closes[k + 1] = start ..< end
                start = end
            }
            offset[k] = end
            end += sizes[k]
        }
        if !sizes.isEmpty { closes[0] = start ..< end }
        self.offset = offset
        self.closes = closes
        buffer = .allocate(capacity: precision == .bfloat16 ? 0 : end)
        buffer.initialize(repeating: 0)
        rounded = .allocate(capacity: precision == .bfloat16 ? end : 0)
        rounded.initialize(repeating: 0)
    }

    deinit {
        buffer.deallocate()
        rounded.deallocate()
    }

    /// The number of buckets (messages per step).
    var count: Int { closes.count(where: { $0 != nil }) }

    /// Packs layer k's gradients and, when it closes its bucket, starts summing the bucket.
    func add(_ k: Int, of gradients: Gradients<S>, over communicator: any Communicator) throws {
        let weights = gradients.weight[k].elements.count, biases = gradients.bias[k].count
        if precision == .bfloat16, let target = rounded.baseAddress.map({ $0 + offset[k] }) {
            gradients.weight[k].withPointer { pack($0, weights, into: target) }
            withPointer(gradients.bias[k]) { pack($0, biases, into: target + weights) }
            if let range = closes[k] {
                try communicator.startAllReduceSum(bfloat16: UnsafeMutableBufferPointer(rebasing: rounded[range]))
            }
        } else if let target = buffer.baseAddress.map({ $0 + offset[k] }) {
            gradients.weight[k].withPointer { copyValues(weights, from: $0, to: target) }
            withPointer(gradients.bias[k]) { copyValues(biases, from: $0, to: target + weights) }
            if let range = closes[k] { try communicator.startAllReduceSum(UnsafeMutableBufferPointer(rebasing: buffer[range])) }
        }
    }

    /// Unpacks the summed gradients (after `Communicator.finishReductions()`).
    func unpack(into gradients: inout Gradients<S>) {
        for k in offset.indices {
            let weights = gradients.weight[k].elements.count, biases = gradients.bias[k].count
            if precision == .bfloat16, let source = rounded.baseAddress.map({ UnsafePointer($0 + offset[k]) }) {
                gradients.weight[k].withMutablePointer { widen(source, weights, into: $0) }
                withMutablePointer(&gradients.bias[k]) { widen(source + weights, biases, into: $0) }
            } else if let source = buffer.baseAddress.map({ UnsafePointer($0 + offset[k]) }) {
                gradients.weight[k].withMutablePointer { copyValues(weights, from: source, to: $0) }
                withMutablePointer(&gradients.bias[k]) { copyValues(biases, from: source + weights, to: $0) }
            }
        }
    }

    /// Rounds `count` values to bfloat16 (only `Float` gets here: see `init`).
    private func pack(_ values: UnsafePointer<S>, _ count: Int, into target: UnsafeMutablePointer<UInt16>) {
        values.withMemoryRebound(to: Float.self, capacity: count) { backprop_bf16_round($0, target, count) }
    }

    /// Widens `count` bfloat16 values to float32 (exactly).
    private func widen(_ source: UnsafePointer<UInt16>, _ count: Int, into values: UnsafeMutablePointer<S>) {
        values.withMemoryRebound(to: Float.self, capacity: count) { floats in
            for i in 0..<count { floats[i] = Float(bitPattern: UInt32(source[i]) << 16) }
        }
    }
}
