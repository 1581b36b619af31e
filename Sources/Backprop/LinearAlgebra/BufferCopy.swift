// Copying and clearing buffers of scalars with memmove and memset.

/// Copies `count` values with memmove. In unspecialized generic code (the training loop,
/// prediction), `update(from:count:)` copies one element at a time through the type's value
/// witness, far slower (docs/performance-choices.md).
@inline(__always)
func copyValues<S: Scalar>(_ count: Int, from source: UnsafePointer<S>, to target: UnsafeMutablePointer<S>) {
    UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: count * MemoryLayout<S>.stride)
}

/// Sets `count` values to zero with memset (see `copyValues`); the bytes of +0.0 are all zero.
@inline(__always)
func zeroValues<S: Scalar>(_ target: UnsafeMutablePointer<S>, count: Int) {
    UnsafeMutableRawPointer(target).initializeMemory(as: UInt8.self, repeating: 0, count: count * MemoryLayout<S>.stride)
}
