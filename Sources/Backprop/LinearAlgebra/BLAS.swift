// The one file that calls BLAS routines (BLASSetup.swift configures it). Every matrix in
// Backprop is row-major; the transpose flags below are the only place where that layout
// meets BLAS. Each precision maps the products onto its own routines in one line apiece;
// splitting over threads is written once, generically (MatrixProduct.swift). The per-type
// `multiply` lines keep the threaded entry points concrete, so that even unspecialized
// generic callers (the training loop) reach them without allocating.
#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif
import CKernels
import Foundation

/// Whether single-precision W x products use Backprop's AVX-512 kernel, which is faster than
/// OpenBLAS 0.3.21's sgemv on 256×784 (the first layer of W2, read from cache; see
/// docs/performance-choices.md). (Not with `BACKPROP_ISA=avx2`.)
private let avx512MatrixVectorKernel = InstructionSet.avx512

/// Whether they use its AVX2 twin elsewhere (unless the engine is `.blas`): on a processor
/// with AVX2 alone, one W4 prediction (784-256-128-10) is faster with it than with OpenBLAS
/// 0.3.21's sgemv (docs/performance-choices.md).
private var avx2MatrixVectorKernel: Bool { InstructionSet.avx2 && matrixProductEngine != .blas }

@inline(__always)
private func blasTranspose(_ transpose: Bool) -> CBLAS_TRANSPOSE {
    transpose ? CblasTrans : CblasNoTrans
}

extension Float: Scalar {
    public static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    public static func log(_ x: Float) -> Float { Foundation.log(x) }
    public static func log1p(_ x: Float) -> Float { Foundation.log1p(x) }
    public static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }

    public static func multiply(_ product: MatrixProduct<Float>) { product.run() }
    public static func multiply(_ product: MatrixVectorProduct<Float>) { product.run() }
    public static func axpy(count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        VectorUpdate(count: count, alpha: alpha, x: x, y: y).run()
    }

    public static func multiplyOnCallingThread(_ p: MatrixProduct<Float>) {
        if p.usesBuiltInKernels, p.runBuiltIn() { return }
        cblas_sgemm(
            CblasRowMajor, blasTranspose(p.a.transposed), blasTranspose(p.b.transposed), Int32(p.m), Int32(p.n),
            Int32(p.k), p.alpha, p.a.start, Int32(p.a.rowStride), p.b.start, Int32(p.b.rowStride), p.beta, p.c, Int32(p.ldc))
    }

    public static func multiplyOnCallingThread(_ p: MatrixVectorProduct<Float>) {
        if !p.a.transposed && avx512MatrixVectorKernel {
            return backprop_sgemv_avx512(
                Int32(p.a.rows), Int32(p.a.columns), p.alpha, p.a.start, Int32(p.a.rowStride), p.x, p.beta, p.y)
        }
        if !p.a.transposed && avx2MatrixVectorKernel {
            return backprop_sgemv_avx2(
                Int32(p.a.rows), Int32(p.a.columns), p.alpha, p.a.start, Int32(p.a.rowStride), p.x, p.beta, p.y)
        }
        cblas_sgemv(
            CblasRowMajor, blasTranspose(p.a.transposed), Int32(p.a.rows), Int32(p.a.columns), p.alpha, p.a.start,
            Int32(p.a.rowStride), p.x, 1, p.beta, p.y, 1)
    }

    public static func axpyOnCallingThread(count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        cblas_saxpy(Int32(count), alpha, x, 1, y, 1)
    }
}

extension Double: Scalar {
    public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    public static func log(_ x: Double) -> Double { Foundation.log(x) }
    public static func log1p(_ x: Double) -> Double { Foundation.log1p(x) }
    public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }

    public static func multiply(_ product: MatrixProduct<Double>) { product.run() }
    public static func multiply(_ product: MatrixVectorProduct<Double>) { product.run() }
    public static func axpy(count: Int, alpha: Double, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>) {
        VectorUpdate(count: count, alpha: alpha, x: x, y: y).run()
    }

    public static func multiplyOnCallingThread(_ p: MatrixProduct<Double>) {
        cblas_dgemm(
            CblasRowMajor, blasTranspose(p.a.transposed), blasTranspose(p.b.transposed), Int32(p.m), Int32(p.n),
            Int32(p.k), p.alpha, p.a.start, Int32(p.a.rowStride), p.b.start, Int32(p.b.rowStride), p.beta, p.c, Int32(p.ldc))
    }

    public static func multiplyOnCallingThread(_ p: MatrixVectorProduct<Double>) {
        cblas_dgemv(
            CblasRowMajor, blasTranspose(p.a.transposed), Int32(p.a.rows), Int32(p.a.columns), p.alpha, p.a.start,
            Int32(p.a.rowStride), p.x, 1, p.beta, p.y, 1)
    }

    public static func axpyOnCallingThread(count: Int, alpha: Double, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>) {
        cblas_daxpy(Int32(count), alpha, x, 1, y, 1)
    }
}
