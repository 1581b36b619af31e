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
                for i in 0..<count { p[i] = value / 3; value += 1 }
            }
            for i in gradients.bias[k].indices { gradients.bias[k][i] = -value / 3; value += 1 }
        }
        return gradients
    }

    @Test(arguments: [(1 << 20, 1), (400, 2), (300, 2), (100, 3), (1, 3)])
    func bucketsCloseBeforeTheyPassTheirCapacity(capacity: Int, buckets: Int) throws {
        #expect(try GradientBuckets(for: gradients(), capacity: capacity).count == buckets)
    }

    @Test func packingAndUnpackingKeepsEveryValue() throws {
        let original = gradients()
        let buckets = try GradientBuckets(for: original, capacity: 300)
        for k in stride(from: 2, through: 0, by: -1) { try buckets.add(k, of: original, over: SingleProcess()) }
        var unpacked = Gradients<Float>(sizes: [5, 8, 6, 3])
        buckets.unpack(into: &unpacked)
        #expect(unpacked == original)
    }

    /// In bfloat16, unpacking gives each gradient rounded to bfloat16 (the sum over one rank).
    @Test func bfloat16BucketsRoundEachGradient() throws {
        let original = gradients()
        let buckets = try GradientBuckets(for: original, capacity: 1, precision: .bfloat16)
        #expect(buckets.count == 3)
        for k in stride(from: 2, through: 0, by: -1) { try buckets.add(k, of: original, over: SingleProcess()) }
        var unpacked = Gradients<Float>(sizes: [5, 8, 6, 3])
        buckets.unpack(into: &unpacked)
        let all = { (g: Gradients<Float>) in g.weight.flatMap(\.elements) + g.bias.flatMap { $0 } }
        for (u, o) in zip(all(unpacked), all(original)) {
            let bits = o.bitPattern
            #expect(u == Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000))
        }
        #expect(all(unpacked) != all(original))  // thirds need more than bfloat16's 8 bits
        #expect(throws: BackpropError.self) {
            try GradientBuckets(for: Gradients<Double>(sizes: [2, 2]), capacity: 1, precision: .bfloat16)
        }
    }
}
