// The matrix products: the one file that calls BLAS routines (BLASSetup.swift configures
// it). Every matrix in Backprop is row-major; the transpose flags below are the only
// place where that layout meets BLAS.
#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif
import CKernels
import Foundation

/// Whether single-precision W x products use Backprop's AVX-512 kernel: on 256×784 (the
/// first layer of W2, read from cache), 7.7 µs where OpenBLAS 0.3.21's sgemv took 10–15.
private let avx512MatrixVectorKernel = backprop_has_avx512() != 0

@inline(__always)
private func blasTranspose(_ transpose: Bool) -> CBLAS_TRANSPOSE {
    transpose ? CblasTrans : CblasNoTrans
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
        let split = ProductSplit(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        inParallel(parts: split.parts, SGEMMBlocks(split: split, k: k, alpha: alpha, a: a, b: b, beta: beta, c: c))
    }

    public static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
    ) {
        let split = MatrixVectorSplit(transpose: transpose, m: m, n: n, lda: lda)
        inParallel(parts: split.parts, SGEMVBlocks(split: split, alpha: alpha, a: a, x: x, beta: beta, y: y))
    }

    public static func axpy(count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        inParallel(parts: parallelParts(elements: count), SAXPYBlocks(count: count, alpha: alpha, x: x, y: y))
    }
}

/// One block of a sgemm per part, on the calling thread (OpenBLAS runs single-threaded).
private struct SGEMMBlocks: ParallelJob {
    let split: ProductSplit
    let k: Int
    let alpha: Float, a: UnsafePointer<Float>, b: UnsafePointer<Float>, beta: Float, c: UnsafeMutablePointer<Float>

    func run(part: Int, of parts: Int) {
        guard let block = split.block(part) else { return }
        cblas_sgemm(
            CblasRowMajor, blasTranspose(split.transposeA), blasTranspose(split.transposeB),
            Int32(block.m), Int32(block.n), Int32(k), alpha, a + block.a, Int32(split.lda),
            b + block.b, Int32(split.ldb), beta, c + block.c, Int32(split.ldc))
    }
}

/// One block of a sgemv per part.
private struct SGEMVBlocks: ParallelJob {
    let split: MatrixVectorSplit
    let alpha: Float, a: UnsafePointer<Float>, x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>

    func run(part: Int, of parts: Int) {
        guard let block = split.block(part) else { return }
        if !split.transpose && avx512MatrixVectorKernel {
            return backprop_sgemv_avx512(
                Int32(block.m), Int32(block.n), alpha, a + block.a, Int32(split.lda), x, beta, y + block.y)
        }
        cblas_sgemv(
            CblasRowMajor, blasTranspose(split.transpose), Int32(block.m), Int32(block.n), alpha, a + block.a,
            Int32(split.lda), x, 1, beta, y + block.y, 1)
    }
}

/// One range of a saxpy per part.
private struct SAXPYBlocks: ParallelJob {
    let count: Int
    let alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>

    func run(part: Int, of parts: Int) {
        let start = partStart(part, of: parts, count: count), end = partStart(part + 1, of: parts, count: count)
        cblas_saxpy(Int32(end - start), alpha, x + start, 1, y + start, 1)
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
        let split = ProductSplit(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        inParallel(parts: split.parts, DGEMMBlocks(split: split, k: k, alpha: alpha, a: a, b: b, beta: beta, c: c))
    }

    public static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>
    ) {
        let split = MatrixVectorSplit(transpose: transpose, m: m, n: n, lda: lda)
        inParallel(parts: split.parts, DGEMVBlocks(split: split, alpha: alpha, a: a, x: x, beta: beta, y: y))
    }

    public static func axpy(count: Int, alpha: Double, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>) {
        inParallel(parts: parallelParts(elements: count), DAXPYBlocks(count: count, alpha: alpha, x: x, y: y))
    }
}

/// One block of a dgemm per part, on the calling thread (OpenBLAS runs single-threaded).
private struct DGEMMBlocks: ParallelJob {
    let split: ProductSplit
    let k: Int
    let alpha: Double, a: UnsafePointer<Double>, b: UnsafePointer<Double>, beta: Double, c: UnsafeMutablePointer<Double>

    func run(part: Int, of parts: Int) {
        guard let block = split.block(part) else { return }
        cblas_dgemm(
            CblasRowMajor, blasTranspose(split.transposeA), blasTranspose(split.transposeB),
            Int32(block.m), Int32(block.n), Int32(k), alpha, a + block.a, Int32(split.lda),
            b + block.b, Int32(split.ldb), beta, c + block.c, Int32(split.ldc))
    }
}

/// One block of a dgemv per part.
private struct DGEMVBlocks: ParallelJob {
    let split: MatrixVectorSplit
    let alpha: Double, a: UnsafePointer<Double>, x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>

    func run(part: Int, of parts: Int) {
        guard let block = split.block(part) else { return }
        cblas_dgemv(
            CblasRowMajor, blasTranspose(split.transpose), Int32(block.m), Int32(block.n), alpha, a + block.a,
            Int32(split.lda), x, 1, beta, y + block.y, 1)
    }
}

/// One range of a daxpy per part.
private struct DAXPYBlocks: ParallelJob {
    let count: Int
    let alpha: Double, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>

    func run(part: Int, of parts: Int) {
        let start = partStart(part, of: parts, count: count), end = partStart(part + 1, of: parts, count: count)
        cblas_daxpy(Int32(end - start), alpha, x + start, 1, y + start, 1)
    }
}
