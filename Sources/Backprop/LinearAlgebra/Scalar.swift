import Foundation

/// A floating-point type the network computes in: `Float` (the default, fast) or
/// `Double` (for gradient checks).
///
/// The requirements are the few scalar functions and BLAS routines whose spelling
/// differs between precisions; everything else is written once, generically.
public protocol Scalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable, CustomStringConvertible
where RawSignificand: FixedWidthInteger {
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    /// log(1 + x), accurate for small x.
    static func log1p(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self

    /// C ← α op(A) op(B) + β C for row-major matrices (BLAS `gemm`).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    /// y ← α op(A) x + β y for a row-major matrix A of shape (m × n) (BLAS `gemv`).
    static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
        x: UnsafePointer<Self>, beta: Self, y: UnsafeMutablePointer<Self>)

    /// y ← α x + y (BLAS `axpy`).
    static func axpy(count: Int, alpha: Self, x: UnsafePointer<Self>, y: UnsafeMutablePointer<Self>)
}
