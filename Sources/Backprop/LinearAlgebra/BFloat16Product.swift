// The matrix products of mixed-precision training: inputs rounded to bfloat16, products
// summed in float32, by the kernels of Sources/CKernels/bf16.c. The rounding, the products
// and the choice of kernel; the training loop does not use them yet.
import CKernels

/// The kernels that compute bfloat16 products.
enum BFloat16Kernels: CaseIterable, Sendable {
    /// Plain C, one product at a time in VDPBF16PS's order: every machine, not fast.
    case portable
    /// AVX512-BF16's VDPBF16PS, 16 sums of pairs of products per instruction: the same bits.
    case avx512

    /// The families this processor can run.
    static let runnable = allCases.filter { $0 == .portable || backprop_has_avx512_bf16() != 0 }

    /// The fastest family this processor has.
    static let fastest: BFloat16Kernels = runnable.last ?? .portable

    var code: backprop_bf16_kernel {
        switch self {
        case .portable: BACKPROP_BF16_PORTABLE
        case .avx512: BACKPROP_BF16_AVX512
        }
    }
}

/// bfloat16 values: float32's upper 16 bits, as the processor's instructions and
/// safetensors' `BF16` store them.
enum BFloat16 {
    /// x_i rounded to bfloat16: to nearest, ties to even; NaN stays NaN, ±∞ stays ±∞, and
    /// values past bfloat16's largest round to ±∞.
    static func round(_ x: [Float]) -> [UInt16] {
        var y = [UInt16](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in backprop_bf16_round(x.baseAddress, y.baseAddress, x.count) }
        }
        return y
    }

    /// The float32 a bfloat16 stands for (exact).
    static func widen(_ h: UInt16) -> Float { Float(bitPattern: UInt32(h) << 16) }
}

extension Matrix where Element == Float {
    /// C = op(A) op(B)ᵀ with A = self, op(X) = X or Xᵀ (`transposeA`, `transposeB`), op(A)
    /// m × k and op(B) n × k: the inputs rounded to bfloat16, each element of C a float32 sum
    /// of exact products in VDPBF16PS's order (kernels.h), so that every kernel gives the
    /// same bits; subnormal inputs and sums count as zero. The forward product Z = A Wᵀ is
    /// (A, W); backpropagation's δ W is (δ, W, transposeB) and δᵀ A is (δ, A, both).
    /// - Throws: `BackpropError.shapeMismatch` where op(A) and op(B) have different k.
    func bfloat16Product(
        transposeA: Bool = false, _ b: Matrix<Float>, transposeB: Bool = false, kernel: BFloat16Kernels = .fastest
    ) throws -> Matrix<Float> {
        let (m, k) = transposeA ? (columns, rows) : (rows, columns)
        let (n, kB) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
        guard k == kB else {
            throw BackpropError.shapeMismatch(what: "op(B) of op(A) op(B)ᵀ in bfloat16", expected: "\(k) columns, as op(A) has", got: "\(kB)")
        }
        let lda = (k + 1) / 2 * 2
        var a = [UInt16](repeating: 0, count: m * lda)
        elements.withUnsafeBufferPointer { source in
            backprop_bf16_round_rows(transposeA ? 1 : 0, source.baseAddress, Int32(columns), Int32(m), Int32(k), &a, Int32(lda))
        }
        var packed = [UInt16](repeating: 0, count: backprop_bf16_packed_b_count(Int32(n), Int32(k)))
        b.elements.withUnsafeBufferPointer { source in
            backprop_bf16_pack_b(transposeB ? 1 : 0, source.baseAddress, Int32(b.columns), Int32(n), Int32(k), &packed)
        }
        var c = [Float](repeating: 0, count: m * n)
        c.withUnsafeMutableBufferPointer { c in
            backprop_sgemm_bf16(kernel.code, Int32(m), Int32(n), Int32(k), a, Int32(lda), packed, c.baseAddress, Int32(n), 0)
        }
        return try Matrix(rows: m, columns: n, elements: c)
    }
}
