// Eight values at a time: element-wise kernels load SIMD8 vectors from raw buffers so
// that the compiler emits vector instructions even for x86-64's baseline (SSE2). On SIMD8
// vectors the Adam loop (square root, division, flush) takes a fraction of its scalar time
// (docs/performance-choices.md).

extension UnsafePointer where Pointee: Scalar {
    /// The eight values starting at `self + offset` (no alignment needed).
    @inline(__always)
    func vector8(at offset: Int) -> SIMD8<Pointee> {
        UnsafeRawPointer(self + offset).loadUnaligned(as: SIMD8<Pointee>.self)
    }
}

extension UnsafeMutablePointer where Pointee: Scalar {
    /// The eight values starting at `self + offset` (no alignment needed).
    @inline(__always)
    func vector8(at offset: Int) -> SIMD8<Pointee> {
        UnsafeRawPointer(self + offset).loadUnaligned(as: SIMD8<Pointee>.self)
    }

    /// Writes eight values starting at `self + offset`.
    @inline(__always)
    func store(_ vector: SIMD8<Pointee>, at offset: Int) {
        UnsafeMutableRawPointer(self + offset).storeBytes(of: vector, as: SIMD8<Pointee>.self)
    }
}

/// x with every lane whose magnitude is below 1e-30 set to 0 (see `flushTiny`). For
/// Float and Double it compares bit patterns with integer arithmetic: baseline x86-64 code
/// builds the mask of a floating-point comparison one lane at a time, many times slower.
@inline(__always)
func flushTiny<S: Scalar>(_ x: SIMD8<S>) -> SIMD8<S> {
    // These type tests vanish when the caller is specialized.
    if S.self == Float.self {
        let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
        let keep = flushedBelow(bits, Float(1e-30).bitPattern)
        return unsafeBitCast(bits & keep, to: SIMD8<S>.self)
    }
    if S.self == Double.self {
        let bits = unsafeBitCast(x, to: SIMD8<Int64>.self)
        let keep = flushedBelow(bits, (1e-30).bitPattern)
        return unsafeBitCast(bits & keep, to: SIMD8<S>.self)
    }
    return x.replacing(with: 0, where: (x .< 1e-30) .& (x .> -1e-30))
}

/// All ones in the lanes where the float whose bit pattern is `bits` has a magnitude of at
/// least the float whose (positive) bit pattern is `limit`, else all zeros: for floats of
/// one sign, bit patterns order as the values do, and (limit − 1 − |bits|) is negative
/// exactly when |bits| ≥ limit, so an arithmetic shift by the sign spreads that bit.
@inline(__always)
private func flushedBelow<I: FixedWidthInteger & SignedInteger, P: BinaryInteger>(
    _ bits: SIMD8<I>, _ limit: P
) -> SIMD8<I> where I: SIMDScalar {
    let magnitude = bits & I.max
    return (I(limit) &- 1 &- magnitude) &>> I(I.bitWidth - 1)
}
