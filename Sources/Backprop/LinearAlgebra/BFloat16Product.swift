// The matrix products of mixed-precision training: inputs rounded to bfloat16, products
// summed in float32, by the kernels of Sources/CKernels/bf16.c. The rounding, the kernels,
// and a product C ← α op(A) op(B) + β C run through buffers made once.
import CKernels
import Foundation

/// The kernels that compute bfloat16 products. The first three sum in VDPBF16PS's order and
/// give the same bits; the AMX ones sum in TDPBF16PS's (kernels.h).
enum BFloat16Kernels: String, CaseIterable, Sendable {
    /// Plain C, one product at a time in VDPBF16PS's order: every machine, not fast.
    case portable
    /// AVX2's float32 FMAs under "denormals are zero" and "flush to zero": for processors
    /// without bfloat16 instructions, about as fast as float32.
    case avx2
    /// AVX512-BF16's VDPBF16PS, 16 sums of pairs of products per instruction.
    case avx512 = "avx512-bf16"
    /// AMX's TDPBF16PS, a 16 × 16 tile of sums of 32 products per instruction; only where
    /// `BACKPROP_ISA=amx` asks for it, since no machine with AMX has run it yet.
    case amx = "amx-bf16"
    /// The AMX kernel with its tile instructions computed in plain C as the Intel SDM defines
    /// them: its blocking and TDPBF16PS's order on every machine, for tests.
    case amxModel = "amx-model"

    /// Whether this processor can run the family.
    var isRunnable: Bool {
        switch self {
        case .portable, .amxModel: true
        case .avx2: backprop_has_avx2_fma() != 0
        case .avx512: backprop_has_avx512_bf16() != 0
        case .amx: backprop_has_amx_bf16() != 0
        }
    }

    /// The families this processor can run, whatever `BACKPROP_ISA` says (for tests).
    static let runnable = allCases.filter(\.isRunnable)

    /// The family the products use: the fastest the processor has within `BACKPROP_ISA`'s limit.
    static let fastest: BFloat16Kernels = {
        switch InstructionSet.limit {
        case .portable: .portable
        case .avx2: avx2.isRunnable ? .avx2 : .portable
        case .avx512: avx512.isRunnable ? .avx512 : avx2.isRunnable ? .avx2 : .portable
        case .amx: amx.isRunnable ? .amx : avx512.isRunnable ? .avx512 : avx2.isRunnable ? .avx2 : .portable
        }
    }()

    /// Whether the family uses bfloat16 instructions, rather than computing their sums another way.
    var hasInstructions: Bool { self == .avx512 || self == .amx }

    /// Whether the family sums in VDPBF16PS's order, as the portable kernel does (else in TDPBF16PS's).
    var sumsInVDPBF16PSOrder: Bool { self != .amx && self != .amxModel }

    var code: backprop_bf16_kernel {
        switch self {
        case .portable: BACKPROP_BF16_PORTABLE
        case .avx2: BACKPROP_BF16_AVX2
        case .avx512: BACKPROP_BF16_AVX512
        case .amx: BACKPROP_BF16_AMX
        case .amxModel: BACKPROP_BF16_AMX_MODEL
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

    /// Elements of op(A) rounded for a product with k columns: rows padded to an even length.
    static func roundedCount(rows m: Int, columns k: Int) -> Int { m * ((k + 1) / 2 * 2) }

    /// Elements of op(B)ᵀ (n × k) packed for the kernels.
    static func packedCount(rows n: Int, columns k: Int) -> Int {
        backprop_bf16_packed_b_count(Int32(clamping: n), Int32(clamping: k))
    }
}

/// The buffers of bfloat16 products, made once for the largest product they will run: op(A)
/// rounded row by row, and op(B) rounded and packed; for inference, also each layer's W
/// packed once (`packWeights`). One product runs at a time.
final class BFloat16Buffers: @unchecked Sendable {
    let kernels: BFloat16Kernels
    private let rounded: UnsafeMutableBufferPointer<UInt16>
    private let packed: UnsafeMutableBufferPointer<UInt16>
    /// Layer k's W packed as op(B)ᵀ of Z = A Wᵀ, when the weights do not change (inference).
    private(set) var packedWeights: [UnsafeMutableBufferPointer<UInt16>] = []

    /// Buffers for products whose op(A) has at most `rounded` elements once rounded
    /// (`BFloat16.roundedCount`) and op(B) at most `packed` once packed (`BFloat16.packedCount`).
    init(rounded: Int, packed: Int, kernels: BFloat16Kernels = .fastest) {
        self.kernels = kernels
        self.rounded = .allocate(capacity: max(1, rounded))
        self.packed = .allocate(capacity: max(1, packed))
        self.rounded.initialize(repeating: 0)
        self.packed.initialize(repeating: 0)
    }

    deinit {
        rounded.deallocate()
        packed.deallocate()
        for weights in packedWeights { weights.deallocate() }
    }

    /// Packs every layer's W once, for forward passes through weights that stay as they are.
    func packWeights(_ network: Network<Float>) {
        packedWeights = network.layers.map { layer in
            let (n, k) = (layer.outputSize, layer.inputSize)
            let buffer = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: BFloat16.packedCount(rows: n, columns: k))
            layer.weight.withPointer { w in backprop_bf16_pack_b(0, w, Int32(k), Int32(n), Int32(k), buffer.baseAddress) }
            return buffer
        }
    }

    /// Runs `product` (C ← α op(A) op(B) + β C) with op(A) and op(B) rounded to bfloat16 and
    /// each element of op(A) op(B) summed in float32 as `backprop_sgemm_bf16` does: for β = 0,
    /// C ← α (op(A) op(B)), the sums scaled; for β = 1, C ← C + (α op(A)) op(B), α applied
    /// before the rounding (an SGD step, W ← W + (−η/m Δ)ᵀ A). With `packedB` (from
    /// `packWeights`) op(B) is not packed again. Returns false, C untouched, for another β or
    /// a product larger than the buffers.
    func multiply(_ product: MatrixProduct<Float>, packedB: UnsafeMutableBufferPointer<UInt16>? = nil) -> Bool {
        let (m, n, k) = (product.m, product.n, product.k)
        let packedCount = BFloat16.packedCount(rows: n, columns: k)
        guard product.beta == 0 || product.beta == 1,
              BFloat16.roundedCount(rows: m, columns: k) <= rounded.count,
              packedCount <= (packedB ?? packed).count,
              let a = rounded.baseAddress, let b = (packedB ?? packed).baseAddress
        else { return false }
        guard m > 0, n > 0 else { return true }
        let lda = (k + 1) / 2 * 2
        let (opA, opB) = (product.a, product.b)
        let accumulate = product.beta == 1
        backprop_bf16_round_rows(
            opA.transposed ? 1 : 0, opA.start, Int32(opA.rowStride), Int32(m), Int32(k), accumulate ? product.alpha : 1, a,
            Int32(lda))
        if packedB == nil {  // op(B)ᵀ is B itself where op(B) = Bᵀ
            backprop_bf16_pack_b(opB.transposed ? 0 : 1, opB.start, Int32(opB.rowStride), Int32(n), Int32(k), b)
        }
        let job = BFloat16Blocks(
            kernels: kernels, m: m, n: n, k: k, a: a, lda: lda, packed: b, c: product.c, ldc: product.ldc,
            accumulate: accumulate)
        inParallel(parts: parallelParts(operations: 2 * m * n * k), job)
        if !accumulate, product.alpha != 1 {
            for i in 0..<m {
                let row = product.c + i * product.ldc
                for j in 0..<n { row[j] *= product.alpha }
            }
        }
        return true
    }
}

/// One bfloat16 product split over the helper threads: blocks of 16-column panels of C, or
/// blocks of rows where C has too few panels.
private struct BFloat16Blocks: ParallelJob {
    let kernels: BFloat16Kernels
    let m: Int, n: Int, k: Int
    let a: UnsafePointer<UInt16>, lda: Int
    let packed: UnsafePointer<UInt16>
    let c: UnsafeMutablePointer<Float>, ldc: Int
    let accumulate: Bool

    func run(part: Int, of parts: Int) {
        let panels = (n + 15) / 16, pairs = (k + 1) / 2
        if panels >= 2 * parts {
            let first = partStart(part, of: parts, count: panels, multiple: 1)
            let last = partStart(part + 1, of: parts, count: panels, multiple: 1)
            guard last > first else { return }
            let columns = Swift.min(n, last * 16) - first * 16
            backprop_sgemm_bf16(
                kernels.code, Int32(m), Int32(columns), Int32(k), a, Int32(lda), packed + first * pairs * 32,
                c + first * 16, Int32(ldc), accumulate ? 1 : 0)
        } else {
            let first = partStart(part, of: parts, count: m, multiple: 4)
            let last = partStart(part + 1, of: parts, count: m, multiple: 4)
            guard last > first else { return }
            backprop_sgemm_bf16(
                kernels.code, Int32(last - first), Int32(n), Int32(k), a + first * lda, Int32(lda), packed,
                c + first * ldc, Int32(ldc), accumulate ? 1 : 0)
        }
    }
}

extension Matrix where Element == Float {
    /// C = op(A) op(B)ᵀ with A = self, op(X) = X or Xᵀ (`transposeA`, `transposeB`), op(A)
    /// m × k and op(B) n × k: the inputs rounded to bfloat16, each element of C a float32 sum
    /// of exact products in VDPBF16PS's order (kernels.h; the AMX kernels in TDPBF16PS's), so
    /// that every other kernel gives the same bits; subnormal inputs and sums count as zero.
    /// The forward product Z = A Wᵀ is (A, W); backpropagation's δ W is (δ, W, transposeB)
    /// and δᵀ A is (δ, A, both).
    /// - Throws: `BackpropError.shapeMismatch` where op(A) and op(B) have different k.
    func bfloat16Product(
        transposeA: Bool = false, _ b: Matrix<Float>, transposeB: Bool = false, kernel: BFloat16Kernels = .fastest
    ) throws -> Matrix<Float> {
        let (m, k) = transposeA ? (columns, rows) : (rows, columns)
        let (n, kB) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
        guard k == kB else {
            throw BackpropError.shapeMismatch(what: "op(B) of op(A) op(B)ᵀ in bfloat16", expected: "\(k) columns, as op(A) has", got: "\(kB)")
        }
        let buffers = BFloat16Buffers(
            rounded: BFloat16.roundedCount(rows: m, columns: k), packed: BFloat16.packedCount(rows: n, columns: k),
            kernels: kernel)
        var c = Matrix<Float>(rows: m, columns: n)
        withPointer { a in
            b.withPointer { bStart in
                c.withMutablePointer { c in
                    _ = buffers.multiply(MatrixProduct(
                        MatrixOperand(a, rows: rows, columns: columns, transposed: transposeA),
                        MatrixOperand(bStart, rows: b.rows, columns: b.columns, transposed: !transposeB), into: c))
                }
            }
        }
        return c
    }
}
