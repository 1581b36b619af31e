// The one file that calls BLAS. Every matrix in Backprop is row-major; the
// transpose flags below are the only place where that layout meets BLAS.
#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif
import Foundation

@inline(__always)
private func blasTranspose(_ transpose: Bool) -> CBLAS_TRANSPOSE {
    transpose ? CblasTrans : CblasNoTrans
}

/// OpenBLAS's kernels, chosen once before the first BLAS call: where OpenBLAS did not
/// recognise the processor and fell back to its slowest (Prescott) kernels, the AVX-512 or
/// AVX2 ones the processor supports (unless OPENBLAS_CORETYPE says otherwise). Every
/// function in this file reads it first.
private let blasKernels: String? = {
    #if canImport(Accelerate)
    return nil
    #else
    return backprop_upgrade_openblas_core().map { String(cString: $0) }
    #endif
}()

/// Sets the number of threads BLAS uses for matrix products (OpenBLAS only).
public func setBLASThreadCount(_ count: Int) {
    #if !canImport(Accelerate)
    _ = blasKernels
    openblas_set_num_threads(Int32(max(1, count)))
    #endif
}

/// Which BLAS runs the matrix products, e.g. "OpenBLAS 0.3.21 … (core: Haswell, 2 threads)".
public func blasDescription() -> String {
    #if canImport(Accelerate)
    return "Accelerate"
    #else
    let upgraded = blasKernels.map { _ in ", selected by Backprop for this CPU" } ?? ""
    let config = openblas_get_config().map { String(cString: $0) } ?? "OpenBLAS"
    let core = openblas_get_corename().map { String(cString: $0) } ?? "?"
    return "\(config) (core: \(core)\(upgraded), \(openblas_get_num_threads()) threads)"
    #endif
}

extension Float: Scalar {
    public static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    public static func log(_ x: Float) -> Float { Foundation.log(x) }
    public static func log1p(_ x: Float) -> Float { Foundation.log1p(x) }
    public static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }

    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        _ = blasKernels
        cblas_sgemm(
            CblasRowMajor, blasTranspose(transposeA), blasTranspose(transposeB),
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    public static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
    ) {
        _ = blasKernels
        cblas_sgemv(
            CblasRowMajor, blasTranspose(transpose), Int32(m), Int32(n), alpha, a, Int32(lda),
            x, 1, beta, y, 1)
    }

    public static func axpy(count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        _ = blasKernels
        cblas_saxpy(Int32(count), alpha, x, 1, y, 1)
    }
}

extension Double: Scalar {
    public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    public static func log(_ x: Double) -> Double { Foundation.log(x) }
    public static func log1p(_ x: Double) -> Double { Foundation.log1p(x) }
    public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }

    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        _ = blasKernels
        cblas_dgemm(
            CblasRowMajor, blasTranspose(transposeA), blasTranspose(transposeB),
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    public static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>
    ) {
        _ = blasKernels
        cblas_dgemv(
            CblasRowMajor, blasTranspose(transpose), Int32(m), Int32(n), alpha, a, Int32(lda),
            x, 1, beta, y, 1)
    }

    public static func axpy(count: Int, alpha: Double, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>) {
        _ = blasKernels
        cblas_daxpy(Int32(count), alpha, x, 1, y, 1)
    }
}
