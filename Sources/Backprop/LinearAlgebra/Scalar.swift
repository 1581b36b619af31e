import Foundation

/// A floating-point type the network computes in: `Float` (the default, fast) or
/// `Double` (for gradient checks).
///
/// The requirements are the few scalar functions and BLAS routines whose spelling
/// differs between precisions; everything else is written once, generically.
public protocol Scalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable, CustomStringConvertible
where RawSignificand: FixedWidthInteger {
    /// e^x.
    static func exp(_ x: Self) -> Self
    /// ln x, the natural logarithm.
    static func log(_ x: Self) -> Self
    /// log(1 + x), accurate for small x.
    static func log1p(_ x: Self) -> Self
    /// tanh x.
    static func tanh(_ x: Self) -> Self

    /// Runs `product` (C ← α op(A) op(B) + β C), split over Backprop's helper threads when large.
    static func multiply(_ product: MatrixProduct<Self>)
    /// Runs `product` (y ← α op(A) x + β y), split over Backprop's helper threads when large.
    static func multiply(_ product: MatrixVectorProduct<Self>)
    /// y ← α x + y over `count` values (BLAS `axpy`), split over the helper threads when long.
    static func axpy(count: Int, alpha: Self, x: UnsafePointer<Self>, y: UnsafeMutablePointer<Self>)

    /// `product` on the calling thread, by the engine the automatic rule or the setting picks
    /// for it: Backprop's kernels or this precision's BLAS `gemm`.
    static func multiplyOnCallingThread(_ product: MatrixProduct<Self>)
    /// `product` on the calling thread: Backprop's AVX-512 kernel where it applies, else this
    /// precision's BLAS `gemv`.
    static func multiplyOnCallingThread(_ product: MatrixVectorProduct<Self>)
    /// This precision's BLAS `axpy`, on the calling thread.
    static func axpyOnCallingThread(count: Int, alpha: Self, x: UnsafePointer<Self>, y: UnsafeMutablePointer<Self>)
}
