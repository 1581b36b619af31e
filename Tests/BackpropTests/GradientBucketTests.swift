import Testing
@testable import Backprop

/// Gradient buckets: layers packed from the last, a bucket closing before it would pass its
/// capacity; packing and unpacking leave the gradients as they were (one process: its sum).
@Suite struct GradientBucketTests {
    /// Layers of [5, 8, 6, 3]: 48, 54 and 21 values.
    func gradients() -> Gradients<Float> {
        var gradients = Gradients<Float>(sizes: [5, 8, 6, 3])
        var value: Float = 1
        for k in gradients.weight.indices {
            let count = gradients.weight[k].elements.count
            gradients.weight[k].withMutablePointer { p in
                for i in 0..<count { p[i] = value; value += 1 }
            }
            for i in gradients.bias[k].indices { gradients.bias[k][i] = -value; value += 1 }
        }
        return gradients
    }

    @Test(arguments: [(1 << 20, 1), (400, 2), (300, 2), (100, 3), (1, 3)])
    func bucketsCloseBeforeTheyPassTheirCapacity(capacity: Int, buckets: Int) {
        #expect(GradientBuckets(for: gradients(), capacity: capacity).count == buckets)
    }

    @Test func packingAndUnpackingKeepsEveryValue() throws {
        let original = gradients()
        let buckets = GradientBuckets(for: original, capacity: 300)
        for k in stride(from: 2, through: 0, by: -1) { try buckets.add(k, of: original, over: SingleProcess()) }
        var unpacked = Gradients<Float>(sizes: [5, 8, 6, 3])
        buckets.unpack(into: &unpacked)
        #expect(unpacked == original)
    }
}
