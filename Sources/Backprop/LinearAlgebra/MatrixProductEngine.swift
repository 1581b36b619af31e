// Which code runs single-precision matrix products: BLAS, or Backprop's own AVX2 kernels
// (Sources/CKernels/sgemm.c), chosen per product by processor and shape unless a user
// fixes it. Double precision always uses BLAS.
import CKernels
import Foundation
import Synchronization

/// The code that runs single-precision matrix products.
///
/// The default, `.automatic`, takes for each product the engine that was faster on its
/// shape in the comparison `make bench` prints (README, "Which matrix-product engine").
/// Set another with `setMatrixProductEngine(_:)` or, for a whole process, the environment
/// variable `BACKPROP_GEMM=automatic|blas|builtin`.
public enum MatrixProductEngine: String, Sendable, CaseIterable {
    /// Per product, by processor and shape.
    case automatic
    /// The system's BLAS `sgemm`: OpenBLAS on Linux, Accelerate on Apple platforms.
    case blas
    /// Backprop's own packed, register-blocked AVX2 + FMA kernels (a 6 × 16 micro-kernel),
    /// where the processor has AVX2 and FMA; elsewhere BLAS.
    case builtIn = "builtin"
}

/// The processor features the products may use: all the processor has, unless the
/// environment variable `BACKPROP_ISA=avx2` limits them to AVX2 (to measure an AVX2-only
/// machine's speed on an AVX-512 one).
enum InstructionSet {
    static let limitedToAVX2 = ProcessInfo.processInfo.environment["BACKPROP_ISA"]?.lowercased() == "avx2"
    static let avx512 = !limitedToAVX2 && backprop_has_avx512() != 0
    static let avx2 = backprop_has_avx2_fma() != 0
}

private let engineSetting = Atomic<Int>(
    MatrixProductEngine.allCases.firstIndex {
        $0.rawValue == ProcessInfo.processInfo.environment["BACKPROP_GEMM"]?.lowercased()
    } ?? 0)

/// What is wrong with the environment variables that choose the engine and the
/// instructions — `BACKPROP_GEMM` other than `automatic`, `blas` or `builtin`, or
/// `BACKPROP_ISA` other than `avx2` (either in any case) — for a program to warn about,
/// since the library then ignores them; nil when both are unset or valid.
public func matrixProductSettingsProblem(
    in environment: [String: String] = ProcessInfo.processInfo.environment
) -> String? {
    var problems: [String] = []
    if let engine = environment["BACKPROP_GEMM"], MatrixProductEngine(rawValue: engine.lowercased()) == nil {
        let names = MatrixProductEngine.allCases.map(\.rawValue).joined(separator: ", ")
        problems.append("BACKPROP_GEMM=\(engine) is not an engine (expected one of \(names)); using automatic")
    }
    if let isa = environment["BACKPROP_ISA"], isa.lowercased() != "avx2" {
        problems.append("BACKPROP_ISA=\(isa) is not an instruction set limit (expected avx2); using all the processor has")
    }
    return problems.isEmpty ? nil : problems.joined(separator: "; ")
}

/// Sets the engine of every later single-precision matrix product, in every thread.
public func setMatrixProductEngine(_ engine: MatrixProductEngine) {
    engineSetting.store(MatrixProductEngine.allCases.firstIndex(of: engine) ?? 0, ordering: .relaxed)
}

/// The engine set by `setMatrixProductEngine(_:)` or `BACKPROP_GEMM` (default `.automatic`).
public var matrixProductEngine: MatrixProductEngine {
    MatrixProductEngine.allCases[engineSetting.load(ordering: .relaxed)]
}

extension MatrixProduct where S == Float {
    /// Whether this product (one thread's block) runs on Backprop's own kernels.
    var usesBuiltInKernels: Bool {
        guard InstructionSet.avx2 else { return false }
        switch matrixProductEngine {
        case .blas: return false
        case .builtIn: return true
        case .automatic: return builtInIsFaster
        }
    }

    /// The automatic choice, from the engine comparison on the products of W1–W4 (AMD EPYC,
    /// AVX2, one thread; README): Backprop's kernels where C is short or narrow or the product
    /// shallow — A Wᵀ with 10 rows as dot products at 30 GFLOP/s where OpenBLAS 0.3.21 took
    /// 15, Δᵀ A and Δ W with k = 10 at 22–27 where it took 17–21, W2's weight gradients
    /// with k = 64 at 34–35 where it took 33–34 (and where OpenBLAS first zeroes the large C
    /// in a pass of its own, 7% of W2's step) — and OpenBLAS on the large products, where it
    /// was 3–8% faster. Products under 50,000 operations stay on OpenBLAS, whose call costs less.
    var builtInIsFaster: Bool {
        2 * m * n * k >= 50_000 && (m <= 32 || n <= 12 || k <= 64)
    }

    /// Runs this product on Backprop's kernels; false if they could not run (their packing
    /// buffers could not be allocated), leaving C as it was.
    func runBuiltIn() -> Bool {
        backprop_sgemm_avx2(
            a.transposed ? 1 : 0, b.transposed ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a.start,
            Int32(a.rowStride), b.start, Int32(b.rowStride), beta, c, Int32(ldc)) == 0
    }
}
