// How BLAS runs: which kernels OpenBLAS uses on this processor, and on how many threads
// each product runs.
#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif
import Synchronization

/// Done once, before the first BLAS call: where OpenBLAS did not recognise the processor
/// and fell back to its slowest (Prescott, SSE3) kernels, select the AVX-512 or AVX2 ones
/// the processor supports, as newer OpenBLAS releases do (unless OPENBLAS_CORETYPE is
/// set: it always wins). Then the thread count OpenBLAS chose (one per core, or
/// OPENBLAS_NUM_THREADS) becomes the default limit.
private let blasSetup: (selectedCore: String?, threads: Int) = {
    #if canImport(Accelerate)
    return (nil, 1)
    #else
    let core = backprop_upgrade_openblas_core().map { String(cString: $0) }
    return (core, Int(max(1, openblas_get_num_threads())))
    #endif
}()

/// The most threads a product may use; 0 until `setBLASThreadCount` sets it.
private let threadLimit = Atomic<Int>(0)
/// The thread count last given to OpenBLAS; 0 before the first product.
private let activeThreads = Atomic<Int>(0)

/// Matrix products of fewer floating-point operations than this run on one thread. Below
/// it, waking and joining a second thread costs more than it saves: on 2 cores, a
/// 64×256×784 product (26 MFLOP) ran 1.3× faster on 2 threads, one of 4 MFLOP no
/// faster, and training with batch 10 ([784, 30, 10]) 1.6× slower when every product
/// and vector operation could use 2.
public let parallelOperationThreshold = 8_000_000

/// Matrix-vector products and vector operations over fewer elements than this run on one
/// thread. They are limited by memory bandwidth, which a second core adds to: a 256×784
/// matrix-vector product (200,704 elements) took 9.4 µs on 2 threads, 14.8 µs on one.
public let parallelElementThreshold = 131_072

/// Sets the most threads BLAS may use for one matrix product (OpenBLAS only; the default
/// is one per core). Small products always run on one thread (`parallelOperationThreshold`,
/// `parallelElementThreshold`).
public func setBLASThreadCount(_ count: Int) {
    threadLimit.store(max(1, count), ordering: .relaxed)
}

/// The most threads BLAS may use for one matrix product.
public var blasThreadCount: Int {
    let defaultCount = blasSetup.threads  // also runs the setup before the first product
    let limit = threadLimit.load(ordering: .relaxed)
    return limit > 0 ? limit : defaultCount
}

/// Gives OpenBLAS the thread count for a matrix product of `operations` floating-point
/// operations or a memory-bound operation over `elements` values: 1 below the thresholds
/// above, else the limit. Changes OpenBLAS's setting only when the count differs from the
/// last one.
@inline(__always)
func useThreads(operations: Int = 0, elements: Int = 0) {
    #if !canImport(Accelerate)
    let limit = blasThreadCount
    let parallel = operations >= parallelOperationThreshold || elements >= parallelElementThreshold
    let wanted = parallel ? limit : 1
    if activeThreads.load(ordering: .relaxed) != wanted {
        openblas_set_num_threads(Int32(wanted))
        activeThreads.store(wanted, ordering: .relaxed)
    }
    #endif
}

/// Which BLAS runs the matrix products, e.g. "OpenBLAS 0.3.21 … (core: SkylakeX, up to 2 threads)".
public func blasDescription() -> String {
    #if canImport(Accelerate)
    return "Accelerate"
    #else
    let selected = blasSetup.selectedCore.map { _ in ", selected by Backprop for this CPU" } ?? ""
    let config = openblas_get_config().map { String(cString: $0) } ?? "OpenBLAS"
    let core = openblas_get_corename().map { String(cString: $0) } ?? "?"
    return "\(config) (core: \(core)\(selected), up to \(blasThreadCount) threads per product)"
    #endif
}
