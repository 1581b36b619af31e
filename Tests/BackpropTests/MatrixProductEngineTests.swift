import Foundation
import Testing
@testable import Backprop

/// Backprop's own matrix-product kernels — AVX2, and AVX-512 where the processor has it —
/// against Double products (BLAS `dgemm`): every transpose combination, shapes that cross
/// each blocking boundary (6 × 16 and 8 × 32 tiles and their 2- and 4-row edges, 144 rows,
/// 256 deep and 1,024 wide per packed block), row strides wider than the rows, α and β, and
/// β = 0 over a C full of NaN, which BLAS never reads.
@Suite struct MatrixProductEngineTests {
    struct Shape: Sendable, CustomTestStringConvertible {
        var m: Int, n: Int, k: Int
        var testDescription: String { "\(m)×\(n)×\(k)" }
    }

    static let shapes = [
        Shape(m: 1, n: 1, k: 1), Shape(m: 10, n: 30, k: 784), Shape(m: 30, n: 784, k: 10), Shape(m: 7, n: 33, k: 5),
        Shape(m: 6, n: 16, k: 256), Shape(m: 13, n: 48, k: 257), Shape(m: 150, n: 40, k: 300),
        Shape(m: 40, n: 1030, k: 9), Shape(m: 64, n: 10, k: 128), Shape(m: 31, n: 64, k: 17),
        Shape(m: 12, n: 70, k: 33), Shape(m: 17, n: 32, k: 40),
    ]

    @Test(.enabled(if: !BuiltInKernels.runnable.isEmpty, "the built-in kernels need AVX2 and FMA"),
          arguments: BuiltInKernels.runnable, shapes)
    func builtInKernelsMatchDoubleProducts(kernels: BuiltInKernels, shape: Shape) {
        var random = RandomSource(seed: UInt64(shape.m * 31 + shape.n * 7 + shape.k))
        for (transposeA, transposeB) in [(false, false), (false, true), (true, false), (true, true)] {
            for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-2, 0.25)] {
                let (m, n, k) = (shape.m, shape.n, shape.k)
                let pad = 3  // every stored row is 3 longer than the operand uses
                let (aRows, aColumns) = transposeA ? (k, m) : (m, k)
                let (bRows, bColumns) = transposeB ? (n, k) : (k, n)
                let a = (0..<(aRows * (aColumns + pad))).map { _ in Float(random.normal()) }
                let b = (0..<(bRows * (bColumns + pad))).map { _ in Float(random.normal()) }
                let ldc = n + pad
                let initial = (0..<(m * ldc)).map { _ in beta == 0 ? Float.nan : Float(random.normal()) }
                var c = initial
                let ran = a.withUnsafeBufferPointer { a in
                    b.withUnsafeBufferPointer { b in
                        c.withUnsafeMutableBufferPointer { c in
                            var opA = MatrixOperand(a.baseAddress!, rows: aRows, columns: aColumns, transposed: transposeA)
                            opA.rowStride = aColumns + pad
                            var opB = MatrixOperand(b.baseAddress!, rows: bRows, columns: bColumns, transposed: transposeB)
                            opB.rowStride = bColumns + pad
                            var product = MatrixProduct(opA, opB, into: c.baseAddress!, alpha: alpha, beta: beta)
                            product.ldc = ldc
                            return product.runBuiltIn(kernels)
                        }
                    }
                }
                #expect(ran)
                // The reference: Double products through BLAS (dgemm) of the same operands,
                // and of their magnitudes, which scale each element's rounding allowance.
                let expectedProduct = doubleProduct(a, b, shape: shape, transposed: (transposeA, transposeB), pad: pad)
                let magnitude = doubleProduct(a.map(abs), b.map(abs), shape: shape, transposed: (transposeA, transposeB), pad: pad)
                var worst = 0.0
                for i in 0..<m {
                    for j in 0..<n {
                        let old = beta == 0 ? 0 : Double(initial[i * ldc + j])
                        let expected = Double(alpha) * expectedProduct[i * n + j] + Double(beta) * old
                        let scale = abs(Double(alpha)) * magnitude[i * n + j] + abs(Double(beta) * old) + 1e-30
                        worst = max(worst, abs(Double(c[i * ldc + j]) - expected) / scale)
                    }
                    for j in n..<ldc {  // past the end of each row of C: untouched
                        #expect(c[i * ldc + j].bitPattern == initial[i * ldc + j].bitPattern)
                    }
                }
                #expect(worst < 1e-5, "op(A) \(transposeA ? "Aᵀ" : "A"), op(B) \(transposeB ? "Bᵀ" : "B"), α \(alpha), β \(beta)")
            }
        }
    }

    /// op(A) op(B) in Double through BLAS, for operands stored with rows `pad` longer than used.
    func doubleProduct(_ a: [Float], _ b: [Float], shape: Shape, transposed: (a: Bool, b: Bool), pad: Int) -> [Double] {
        let (m, n, k) = (shape.m, shape.n, shape.k)
        let (aRows, aColumns) = transposed.a ? (k, m) : (m, k)
        let (bRows, bColumns) = transposed.b ? (n, k) : (k, n)
        let a = a.map(Double.init), b = b.map(Double.init)
        var c = [Double](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    var opA = MatrixOperand(a.baseAddress!, rows: aRows, columns: aColumns, transposed: transposed.a)
                    opA.rowStride = aColumns + pad
                    var opB = MatrixOperand(b.baseAddress!, rows: bRows, columns: bColumns, transposed: transposed.b)
                    opB.rowStride = bColumns + pad
                    Double.multiplyOnCallingThread(MatrixProduct(opA, opB, into: c.baseAddress!))
                }
            }
        }
        return c
    }

    /// The engine is one switch away, and the automatic one is the default.
    @Test func engineNamesRoundTrip() {
        #expect(MatrixProductEngine(rawValue: "builtin") == .builtIn)
        #expect(MatrixProductEngine(rawValue: "blas") == .blas)
        #expect(MatrixProductEngine.allCases.first == .automatic)
    }

    /// A value of BACKPROP_GEMM or BACKPROP_ISA that means nothing is named, for the
    /// command line to warn about; valid ones, in any case, and unset ones are not.
    @Test func unknownSettingsAreNamed() {
        #expect(matrixProductSettingsProblem(in: [:]) == nil)
        #expect(matrixProductSettingsProblem(in: ["BACKPROP_GEMM": "BuiltIn", "BACKPROP_ISA": "AVX2"]) == nil)
        #expect(matrixProductSettingsProblem(in: ["BACKPROP_ISA": "amx"]) == nil)
        let problem = matrixProductSettingsProblem(in: ["BACKPROP_GEMM": "mkl", "BACKPROP_ISA": "avx9"])
        #expect(problem?.contains("BACKPROP_GEMM=mkl is not an engine (expected one of automatic, blas, builtin)") == true)
        #expect(problem?.contains("BACKPROP_ISA=avx9 is not an instruction set limit") == true)
    }
}
