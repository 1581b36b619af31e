// How BLAS runs: which kernels OpenBLAS uses on this processor, and on how many threads
// each product runs.
#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
import CKernels
#endif
import Foundation
import Synchronization

/// Done once, before the first BLAS call: where OpenBLAS did not recognise the processor
/// and fell back to its slowest (Prescott, SSE3) kernels, select the AVX-512 or AVX2 ones
/// the processor supports, as newer OpenBLAS releases do (unless OPENBLAS_CORETYPE is
/// set: it always wins). OpenBLAS then runs every call on the calling thread: Backprop
/// splits large products over its own helper threads (`inParallel`), which, unlike
/// OpenBLAS's threaded calls, allocate nothing.
private let blasSetup: (selectedCore: String?, threads: Int) = {
    let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    #if canImport(Accelerate)
    return (nil, cores)
    #else
    let core = backprop_upgrade_openblas_core(backprop_openblas_core()).map { String(cString: $0) }
    openblas_set_num_threads(1)
    return (core, cores)
    #endif
}()

/// The most threads a product may use; 0 until `setBLASThreadCount` sets it.
private let threadLimit = Atomic<Int>(0)

/// Matrix products of fewer floating-point operations than this run on one thread. Below
/// it, waking and joining a second thread costs more than it saves: a 64×256×784 product
/// (26 MFLOP) runs faster on 2 threads, but training with batch 10 ([784, 30, 10]) runs
/// slower when every product and vector operation may use 2. W2's 4.2-MFLOP products
/// (64×128×256 and its two backward ones) still gain, so the threshold sits below them
/// (docs/performance-choices.md).
public let parallelOperationThreshold = 4_000_000

/// Matrix-vector products and vector operations over fewer elements than this run on one
/// thread. They are limited by memory bandwidth, which a second core adds to: a 256×784
/// matrix-vector product (200,704 elements) runs faster on 2 threads than on one
/// (docs/performance-choices.md).
public let parallelElementThreshold = 131_072

/// Sets the most threads one matrix product, matrix-vector product or optimizer step may
/// use (the default is one per core; OpenBLAS's own OPENBLAS_NUM_THREADS no longer
/// applies, since OpenBLAS runs single-threaded under Backprop's helper threads). Small
/// work always runs on one thread (`parallelOperationThreshold`, `parallelElementThreshold`).
public func setBLASThreadCount(_ count: Int) {
    threadLimit.store(max(1, count), ordering: .relaxed)
}

/// The most threads one matrix product may use (see `setBLASThreadCount`).
public var blasThreadCount: Int {
    let defaultCount = blasSetup.threads  // also runs the setup before the first product
    let limit = threadLimit.load(ordering: .relaxed)
    return limit > 0 ? limit : defaultCount
}

/// How many parts to split a matrix product of `operations` floating-point operations, or
/// a memory-bound operation over `elements` values, into: 1 below the thresholds above,
/// else one per thread allowed.
@inline(__always)
func parallelParts(operations: Int = 0, elements: Int = 0) -> Int {
    let limit = blasThreadCount
    return operations >= parallelOperationThreshold || elements >= parallelElementThreshold ? limit : 1
}

/// The start of part `part` when `count` items are split into `parts` near-equal parts
/// whose boundaries fall on multiples of `multiple` (for whole SIMD vectors and kernel tiles).
@inline(__always)
func partStart(_ part: Int, of parts: Int, count: Int, multiple: Int = 16) -> Int {
    part >= parts ? count : Swift.min(count, (count * part / parts) / multiple * multiple)
}

/// Which BLAS runs the matrix products, e.g. "OpenBLAS 0.3.21 … (core: SkylakeX, up to 2 threads)".
public func blasDescription() -> String {
    #if canImport(Accelerate)
    return "Accelerate"
    #else
    let selected = blasSetup.selectedCore.map { _ in ", selected by Backprop for this CPU" } ?? ""
    let config = openblas_get_config().map { String(cString: $0) } ?? "OpenBLAS"
    let core = openblas_get_corename().map { String(cString: $0) } ?? "?"
    return "\(config) (core: \(core)\(selected)), up to \(blasThreadCount) threads per product"
    #endif
}

/// Done once, before the first matrix product that may reach OpenBLAS: one product of
/// 128×1024×320 (op(B) transposed) on every helper thread and the calling thread at the same
/// time, so that each of the packing buffers OpenBLAS hands to concurrent calls has held a
/// product wider than its 320-row blocks. Until one of its buffers has, OpenBLAS 0.3.21's
/// Zen kernels run A Bᵀ products narrower than that (W2's and W4's first layers,
/// 64×256×784 and 1000×256×784) at a fraction of their speed in that buffer, the time going
/// to the kernel's software prefetches, for the life of the process: without the warm-up
/// `backprop train` would run slower than a benchmark that multiplies large matrices first
/// (docs/performance-choices.md). The parts wait for one another before multiplying: a
/// helper that woke after the calling thread's product had ended would take the same
/// buffer, and leave its own cold. It costs one product and 2 MB of scratch per thread,
/// once per process.
func warmUpOpenBLASBuffers() {
    _ = openBLASWarmUp
}

/// The warm-up, run by the first read (Swift runs a global's initializer once, thread-safely).
private let openBLASWarmUp: Void = {
    #if !canImport(Accelerate)
    inParallel(parts: HelperPool.shared.helpers.count + 1, OpenBLASWarmUp())
    #endif
}()

/// How many parts of the warm-up have started.
private let warmUpArrivals = Atomic<Int>(0)

/// One warm-up product per part (see `warmUpOpenBLASBuffers`).
private struct OpenBLASWarmUp: ParallelJob {
    func run(part: Int, of parts: Int) {
        #if !canImport(Accelerate)
        let m = 128, n = 1024, k = 320
        let a = [Float](repeating: 0, count: m * k), b = [Float](repeating: 0, count: n * k)
        var c = [Float](repeating: 0, count: m * n)
        // Wait (at most 50 ms: parts run one after another when the helpers are busy) until
        // every part is ready, so that the products hold their buffers at the same time.
        warmUpArrivals.add(1, ordering: .acquiringAndReleasing)
        let clock = ContinuousClock(), deadline = clock.now + .milliseconds(50)
        while warmUpArrivals.load(ordering: .acquiring) < parts, clock.now < deadline { sched_yield() }
        c.withUnsafeMutableBufferPointer { c in
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(k), 0,
                c.baseAddress, Int32(n))
        }
        #endif
    }
}
