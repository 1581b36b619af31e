/// One value per parameter of a network, stored flat in the order W^1, b^1, W^2, b^2, …:
/// an optimizer's state (velocities, moments).
///
/// Flat storage matters for speed: the optimizer's loop takes one pointer per step instead
/// of reaching into an array of arrays, whose element accessor allocates in generic code.
public struct ParameterBuffer<S: Scalar>: Equatable, Sendable {
    private var values: [S]
    /// Where each parameter tensor starts, then the total count.
    let offsets: [Int]

    /// Zeros shaped like `network`'s parameters.
    public init(zerosFor network: Network<S>) {
        offsets = network.parameterOffsets
        values = [S](repeating: 0, count: offsets.last ?? 0)
    }

    /// A buffer from one array per parameter tensor, W^1, b^1, W^2, … (as a checkpoint stores it).
    public init(tensors: [[S]]) {
        var offsets = [0]
        for tensor in tensors { offsets.append((offsets.last ?? 0) + tensor.count) }
        self.offsets = offsets
        values = tensors.flatMap { $0 }
    }

    /// One array per parameter tensor, W^1, b^1, W^2, …
    public var tensors: [[S]] {
        (0..<(offsets.count - 1)).map { Array(values[offsets[$0]..<offsets[$0 + 1]]) }
    }

    /// Whether the tensors have `network`'s parameter shapes (checked without allocating).
    public func fits(_ network: Network<S>) -> Bool {
        guard offsets.count == 2 * network.layers.count + 1 else { return false }
        var k = 0
        for layer in network.layers {
            guard offsets[k + 1] - offsets[k] == layer.weight.elements.count,
                  offsets[k + 2] - offsets[k + 1] == layer.bias.count
            else { return false }
            k += 2
        }
        return true
    }

    /// The first value that is NaN or ±∞, if any.
    func firstNonFinite() -> S? {
        values.first { !$0.isFinite }
    }

    /// Calls `body` with a pointer to the first value.
    mutating func withBase<R>(_ body: (UnsafeMutablePointer<S>) throws -> R) rethrows -> R {
        try withMutablePointer(&values, body)
    }
}

extension Network {
    /// Where each parameter tensor (W^1, b^1, W^2, …) starts in a flat buffer, then the total.
    var parameterOffsets: [Int] {
        var offsets = [0]
        for layer in layers {
            offsets.append(offsets[offsets.count - 1] + layer.weight.elements.count)
            offsets.append(offsets[offsets.count - 1] + layer.bias.count)
        }
        return offsets
    }
}
