import CPeak
import Foundation

/// The cores' floating-point limit, measured: a register-only loop of single-precision FMAs
/// (no memory traffic) on `threads` threads at once, best of 3, in GFLOP/s; nil where this
/// CPU lacks the instructions. GEMM-bound figures are a fraction of this, not of a BLAS's
/// own sgemm rate.
func fmaPeak(avx512: Bool, threads: Int) -> Double? {
    guard (avx512 ? peak_has_avx512() : peak_has_avx2()) == 1 else { return nil }
    let iterations = 10_000_000  // 5·10⁹ flops per thread with AVX-512
    let clock = ContinuousClock()
    var best = 0.0
    for _ in 0..<3 {
        let start = clock.now
        let perThread = avx512 ? peak_fma_avx512(1) : peak_fma_avx2(1)  // flops per iteration
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            _ = avx512 ? peak_fma_avx512(iterations) : peak_fma_avx2(iterations)
        }
        let flops = Double(threads) * Double(iterations) * perThread
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        best = max(best, flops / seconds / 1e9)
    }
    return best
}
