// Which code runs single-precision matrix products: BLAS, or Backprop's own AVX-512 or AVX2
// kernels (Sources/CKernels/sgemm.c), chosen per product by processor and shape unless a
// user fixes it. Double precision always uses BLAS.
import CKernels
import Foundation
import Synchronization

/// The code that runs single-precision matrix products.
///
/// The default, `.automatic`, takes for each product the engine that is faster on its
/// shape in the comparison `make bench` prints (docs/performance.md, "Which matrix-product engine").
/// Set another with `setMatrixProductEngine(_:)` or, for a whole process, the environment
/// variable `BACKPROP_GEMM=automatic|blas|builtin`.
public enum MatrixProductEngine: String, Sendable, CaseIterable {
    /// Per product, by processor and shape.
    case automatic
    /// The system's BLAS `sgemm`: OpenBLAS on Linux, Accelerate on Apple platforms.
    case blas
    /// Backprop's own packed, register-blocked kernels: an 8 × 32 micro-kernel where the
    /// processor has AVX-512, a 6 × 16 one where it has AVX2 and FMA; elsewhere BLAS.
    case builtIn = "builtin"
}

/// The processor features the products may use: all the processor has but AMX, unless the
/// environment variable `BACKPROP_ISA` limits them — `avx2` to AVX2 (to measure an
/// AVX2-only machine's speed on an AVX-512 one), `portable` to none of Backprop's own vector
/// kernels (float32 products then run on BLAS, bfloat16 ones on the portable kernel) — or
/// widens them: `amx` adds the AMX tiles to bfloat16 products, which no machine with AMX has
/// run yet. `avx512` is the default.
enum InstructionSet {
    enum Limit: String, CaseIterable {
        case amx, avx512, avx2, portable
    }

    /// The limit `BACKPROP_ISA` sets (`.avx512` when it is unset or not a limit).
    static let limit = limit(in: ProcessInfo.processInfo.environment)
    static let avx512 = (limit == .avx512 || limit == .amx) && backprop_has_avx512() != 0
    static let avx2 = limit != .portable && backprop_has_avx2_fma() != 0

    static func limit(in environment: [String: String]) -> Limit {
        environment["BACKPROP_ISA"].flatMap { Limit(rawValue: $0.lowercased()) } ?? .avx512
    }
}

/// Backprop's own matrix-product kernels, one family per instruction set.
enum BuiltInKernels: CaseIterable, Sendable {
    /// The 6 × 16 micro-kernel of 256-bit vectors (AVX2 + FMA).
    case avx2
    /// The 8 × 32 micro-kernel of 512-bit vectors, with masked edges (AVX-512F).
    case avx512

    /// The family the products use: the widest the processor has within `BACKPROP_ISA`'s
    /// limit; nil where it has neither.
    static let widest: BuiltInKernels? = InstructionSet.avx512 ? .avx512 : InstructionSet.avx2 ? .avx2 : nil

    /// The families this processor can run, whatever `BACKPROP_ISA` says (for tests).
    static let runnable = allCases.filter {
        $0 == .avx2 ? backprop_has_avx2_fma() != 0 : backprop_has_avx512() != 0
    }
}

private let engineSetting = Atomic<Int>(
    MatrixProductEngine.allCases.firstIndex {
        $0.rawValue == ProcessInfo.processInfo.environment["BACKPROP_GEMM"]?.lowercased()
    } ?? 0)

/// What is wrong with the environment variables that choose the engine and the
/// instructions — `BACKPROP_GEMM` other than `automatic`, `blas` or `builtin`, or
/// `BACKPROP_ISA` other than `amx`, `avx512`, `avx2` or `portable` (either in any case) — for a program to warn about,
/// since the library then ignores them; nil when both are unset or valid.
public func matrixProductSettingsProblem(
    in environment: [String: String] = ProcessInfo.processInfo.environment
) -> String? {
    var problems: [String] = []
    if let engine = environment["BACKPROP_GEMM"], MatrixProductEngine(rawValue: engine.lowercased()) == nil {
        let names = MatrixProductEngine.allCases.map(\.rawValue).joined(separator: ", ")
        problems.append("BACKPROP_GEMM=\(engine) is not an engine (expected one of \(names)); using automatic")
    }
    if let isa = environment["BACKPROP_ISA"], InstructionSet.Limit(rawValue: isa.lowercased()) == nil {
        let names = InstructionSet.Limit.allCases.map(\.rawValue).joined(separator: ", ")
        problems.append("BACKPROP_ISA=\(isa) is not an instruction set limit (expected one of \(names)); using the default, avx512")
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
        guard BuiltInKernels.widest != nil else { return false }
        switch matrixProductEngine {
        case .blas: return false
        case .builtIn: return true
        case .automatic: return builtInIsFaster
        }
    }

    /// The automatic choice, from the engine comparison on the products of W1–W4 (one
    /// thread; docs/performance.md and docs/performance-choices.md): Backprop's kernels where C
    /// is short or narrow or the product shallow, OpenBLAS on the large products, where it is
    /// as fast or a little faster.
    /// - With AVX2 alone: Backprop's kernels are faster on A Wᵀ with 10 rows (as dot products,
    ///   nothing packed), on Δᵀ A and Δ W with k = 10, and on W2's weight gradients with
    ///   k = 64 (where OpenBLAS first zeroes the large C in a pass of its own). Products under
    ///   50,000 operations stay on OpenBLAS, whose call costs less.
    /// - With AVX-512, OpenBLAS runs its AVX-512 build, whose small-matrix kernels are faster
    ///   than Backprop's on products between 50,000 and 10⁶ operations (W1's two large ones,
    ///   W2's last layer); Backprop's keep the shallow or narrow products above that (W3's and
    ///   W4's last layer, W2's k = 64 weight gradients).
    var builtInIsFaster: Bool {
        let smallest = InstructionSet.avx512 ? 1_000_000 : 50_000
        return 2 * m * n * k >= smallest && (m <= 32 || n <= 12 || k <= 64)
    }

    /// Runs this product on Backprop's `kernels` (by default the widest the processor has);
    /// false if they could not run (the processor lacks them, or their packing buffers could
    /// not be allocated), leaving C as it was.
    func runBuiltIn(_ kernels: BuiltInKernels? = BuiltInKernels.widest) -> Bool {
        guard let kernels else { return false }
        let sgemm = kernels == .avx512 ? backprop_sgemm_avx512 : backprop_sgemm_avx2
        return sgemm(
            a.transposed ? 1 : 0, b.transposed ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a.start,
            Int32(a.rowStride), b.start, Int32(b.rowStride), beta, c, Int32(ldc)) == 0
    }
}
