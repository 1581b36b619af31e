import Foundation
import Testing
@testable import Backprop

/// The bfloat16 rounding and products of mixed precision (CKernels/bf16.c, bf16_amx.c): each
/// kernel family this processor has against a Double reference within bfloat16's error bound,
/// and bit for bit against the portable kernel (or, for the AMX model, against TDPBF16PS's
/// order written out), on edge shapes.
@Suite struct BFloat16ProductTests {
    @Test func roundingIsToNearestWithTiesToEven() {
        let cases: [(Float, UInt16)] = [
            (1, 0x3F80), (-2, 0xC000), (0, 0x0000), (-0.0, 0x8000),
            (Float(bitPattern: 0x3F80_8000), 0x3F80),  // 1 + 2⁻⁸: halfway, to the even 1
            (Float(bitPattern: 0x3F81_8000), 0x3F82),  // 1 + 3·2⁻⁸: halfway, to the even 1 + 2⁻⁶
            (Float(bitPattern: 0x3F80_8001), 0x3F81),  // just past halfway: up
            (Float(bitPattern: 0x3F80_7FFF), 0x3F80),  // just short of it: down
            (.infinity, 0x7F80), (-.infinity, 0xFF80),
            (.greatestFiniteMagnitude, 0x7F80),  // past bfloat16's largest: ∞
            (Float(bitPattern: 1), 0x0000),  // the smallest subnormal rounds to 0
        ]
        #expect(BFloat16.round(cases.map(\.0)) == cases.map(\.1))
        let nan = BFloat16.round([.nan, -.nan, Float(bitPattern: 0x7F80_0001)])
        #expect(nan.allSatisfy { BFloat16.widen($0).isNaN })
        #expect(nan[1] & 0x8000 != 0)
    }

    /// The rounding's vector loop (where the processor has AVX-512) against the rule written
    /// out bit by bit, on random bit patterns (NaNs, infinities and subnormals among them) and
    /// lengths that leave every kind of tail.
    @Test func roundingsVectorLoopFollowsTheRule() {
        var random = RandomSource(seed: 9)
        let x = (0..<4099).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: random.next())) }
        func rule(_ x: Float) -> UInt16 {
            let u = x.bitPattern
            if u & 0x7fff_ffff > 0x7f80_0000 { return UInt16(u >> 16) | 0x40 }
            return UInt16((u &+ 0x7fff &+ ((u >> 16) & 1)) >> 16)
        }
        for count in [0, 1, 15, 16, 17, 33, 4099] {
            #expect(BFloat16.round(Array(x.prefix(count))) == x.prefix(count).map(rule), "\(count) values")
        }
    }

    /// bfloat16 keeps 8 significant bits: rounding moves a value by at most half a unit in the
    /// last place, 2⁻⁸ of it.
    @Test func roundingIsWithinHalfAUnitAndIdempotent() {
        var random = RandomSource(seed: 28)
        let x = (0..<10_000).map { _ in Float(random.normal()) * Float(pow(10, Double(Int.random(in: -30...30, using: &random))))
        }
        let rounded = BFloat16.round(x)
        for (value, h) in zip(x, rounded) {
            #expect(abs(BFloat16.widen(h) - value) <= abs(value) * 0x1p-8, "\(value)")
        }
        #expect(BFloat16.round(rounded.map(BFloat16.widen)) == rounded)
    }

    /// (m, n, k): one row, one column, k odd (a padded pair), n past a panel of 16 and short of
    /// one, a 4-row tile with a 1-row tail, k = 0, and W4's first layer.
    static let shapes = [(1, 1, 1), (1, 17, 3), (5, 33, 7), (4, 32, 64), (9, 50, 129), (3, 16, 2), (7, 15, 1), (2, 3, 0), (2, 90, 9), (37, 256, 784)]

    @Test(arguments: BFloat16Kernels.runnable) func productsAreWithinBFloat16sBound(kernel: BFloat16Kernels) throws {
        var random = RandomSource(seed: 3)
        for (m, n, k) in Self.shapes {
            let a = try Matrix(rows: m, columns: k, elements: (0..<(m * k)).map { _ in Float(random.normal()) })
            let b = try Matrix(rows: n, columns: k, elements: (0..<(n * k)).map { _ in Float(random.normal()) })
            let c = try a.bfloat16Product(b, kernel: kernel)
            #expect(c.rows == m && c.columns == n)
            for i in 0..<m {
                for j in 0..<n {
                    var (exact, magnitude) = (0.0, 0.0)
                    for p in 0..<k {
                        let product = Double(a[i, p]) * Double(b[j, p])
                        exact += product
                        magnitude += abs(product)
                    }
                    // Each input rounded to 8 significant bits (within 2⁻⁸, relative), so each
                    // product within 2⁻⁷ + 2⁻¹⁶; k float32 sums, each within 2⁻²⁴ of a partial
                    // sum no larger than the magnitude.
                    let bound = (0x1p-7 + 0x1p-16 + Double(k) * 0x1p-23) * magnitude
                    #expect(abs(Double(c[i, j]) - exact) <= bound, "\(kernel) \(m)×\(n)×\(k) at (\(i), \(j))")
                }
            }
        }
    }

    @Test(arguments: BFloat16Kernels.runnable.filter(\.sumsInVDPBF16PSOrder))
    func everyKernelGivesThePortableBits(kernel: BFloat16Kernels) throws {
        var random = RandomSource(seed: 5)
        for (m, n, k) in Self.shapes {
            let a = try Matrix(rows: m, columns: k, elements: (0..<(m * k)).map { _ in Float(random.normal()) * 3 })
            let b = try Matrix(rows: n, columns: k, elements: (0..<(n * k)).map { _ in Float(random.normal()) })
            let fast = try a.bfloat16Product(b, kernel: kernel).elements
            let portable = try a.bfloat16Product(b, kernel: .portable).elements
            #expect(fast.map(\.bitPattern) == portable.map(\.bitPattern), "\(kernel) \(m)×\(n)×\(k)")
        }
    }

    /// Backpropagation's products read their operands transposed: δ W = op(δ) op(Wᵀ)ᵀ and
    /// δᵀ A = op(δᵀ) op(Aᵀ)ᵀ. Reading a matrix transposed gives the bits of the product of its
    /// transpose, stored.
    @Test(arguments: BFloat16Kernels.runnable) func transposedOperandsGiveTheSameBits(kernel: BFloat16Kernels) throws {
        var random = RandomSource(seed: 7)
        func transpose(_ x: Matrix<Float>) throws -> Matrix<Float> {
            try Matrix(rows: x.columns, columns: x.rows, elements: (0..<x.elements.count).map { x[$0 % x.rows, $0 / x.rows] })
        }
        for (m, n, k) in Self.shapes where m * n * k > 0 {
            let a = try Matrix(rows: m, columns: k, elements: (0..<(m * k)).map { _ in Float(random.normal()) })
            let b = try Matrix(rows: n, columns: k, elements: (0..<(n * k)).map { _ in Float(random.normal()) })
            let stored = try a.bfloat16Product(b, kernel: kernel).elements.map(\.bitPattern)
            let (aT, bT) = (try transpose(a), try transpose(b))
            #expect(try aT.bfloat16Product(transposeA: true, b, kernel: kernel).elements.map(\.bitPattern) == stored)
            #expect(try a.bfloat16Product(bT, transposeB: true, kernel: kernel).elements.map(\.bitPattern) == stored)
            #expect(try aT.bfloat16Product(transposeA: true, bT, transposeB: true, kernel: kernel).elements.map(\.bitPattern) == stored)
        }
    }

    /// A sum whose float32 rounding depends on the order: products 1, 2²⁴ (pair 0) and −2²⁴, 1
    /// (pair 1). In VDPBF16PS's order, the second of a pair first: 2²⁴, then + 1 rounds back
    /// to 2²⁴ (a tie, to even), + 1 again, then − 2²⁴ gives 0; left to right it would give 1.
    @Test(arguments: BFloat16Kernels.runnable.filter(\.sumsInVDPBF16PSOrder))
    func sumsGoInVDPBF16PSOrder(kernel: BFloat16Kernels) throws {
        let a = try Matrix<Float>([[1, 4096, -4096, 1]])
        let b = try Matrix<Float>([[1, 4096, 4096, 1]])
        #expect(try a.bfloat16Product(b, kernel: kernel)[0, 0] == 0)
    }

    /// The same sum in the Intel SDM's TDPBF16PS order: the even products 1 + (−2²⁴) and the
    /// odd ones 2²⁴ + 1 (a tie, rounded to 2²⁴) summed apart, then added: 1.
    @Test func amxModelSumsInTDPBF16PSOrder() throws {
        let a = try Matrix<Float>([[1, 4096, -4096, 1]])
        let b = try Matrix<Float>([[1, 4096, 4096, 1]])
        #expect(try a.bfloat16Product(b, kernel: .amxModel)[0, 0] == 1)
    }

    /// x rounded to bfloat16 and widened back, subnormals as zero (as TDPBF16PS reads its
    /// inputs), padded with zeros to whole steps of 16 pairs.
    static func tdpbf16psInputs(_ x: [Float]) -> [Float] {
        let steps = (x.count + 31) / 32
        let widened = BFloat16.round(x).map { $0 & 0x7f80 == 0 ? Float(bitPattern: UInt32($0 & 0x8000) << 16) : BFloat16.widen($0) }
        return widened + [Float](repeating: 0, count: steps * 32 - x.count)
    }

    /// The sum of x_p y_p as the Intel SDM defines TDPBF16PS, written out for one element
    /// (x and y from `tdpbf16psInputs`): for each step of 16 pairs, an even and an odd float32
    /// sum from 0, each with FMA, then s ← s + (even + odd); subnormal sums as zero.
    static func tdpbf16psSum(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>) -> Float {
        func flushed(_ x: Float) -> Float { abs(x) < Float.leastNormalMagnitude ? (x.sign == .minus ? -0.0 : 0) : x }
        var s: Float = 0
        for step in stride(from: 0, to: x.count, by: 32) {
            var (even, odd): (Float, Float) = (0, 0)
            for p in stride(from: step, to: step + 32, by: 2) {
                even = flushed(even.addingProduct(x[p], y[p]))
                odd = flushed(odd.addingProduct(x[p + 1], y[p + 1]))
            }
            s = flushed(s + flushed(even + odd))
        }
        return s
    }

    /// The AMX kernel's blocking — 32 × 32 blocks of C, short row blocks copied a chunk of 8
    /// steps at a time, an odd panel, the last step's pairs — gives the bits of TDPBF16PS's
    /// order written out, both into a zeroed C and added to one (β = 1, α applied before the
    /// rounding, as the fused SGD step uses it).
    @Test func amxModelGivesTheBitsOfTDPBF16PSOrder() throws {
        var random = RandomSource(seed: 11)
        let shapes = Self.shapes.filter { $0.0 * $0.1 * $0.2 < 100_000 } + [(70, 40, 600), (32, 64, 64), (16, 16, 32), (33, 48, 1024)]
        for (m, n, k) in shapes {
            let a = try Matrix(rows: m, columns: k, elements: (0..<(m * k)).map { _ in Float(random.normal()) })
            let b = try Matrix(rows: n, columns: k, elements: (0..<(n * k)).map { _ in Float(random.normal()) })
            let c = try a.bfloat16Product(b, kernel: .amxModel)
            let start = (0..<(m * n)).map { _ in Float(random.normal()) }
            var added = start
            let alpha: Float = -0.375
            let buffers = BFloat16Buffers(
                rounded: BFloat16.roundedCount(rows: m, columns: k), packed: BFloat16.packedCount(rows: n, columns: k),
                kernels: .amxModel)
            a.withPointer { aStart in
                b.withPointer { bStart in
                    added.withUnsafeMutableBufferPointer { c in
                        guard let c = c.baseAddress else { return }
                        #expect(buffers.multiply(MatrixProduct(
                            MatrixOperand(aStart, rows: m, columns: k), MatrixOperand(bStart, rows: n, columns: k, transposed: true),
                            into: c, alpha: alpha, beta: 1)))
                    }
                }
            }
            let rows = (0..<m).map { i in Self.tdpbf16psInputs((0..<k).map { a[i, $0] }) }
            let scaledRows = (0..<m).map { i in Self.tdpbf16psInputs((0..<k).map { alpha * a[i, $0] }) }
            let columns = (0..<n).map { j in Self.tdpbf16psInputs((0..<k).map { b[j, $0] }) }
            for i in 0..<m {
                for j in 0..<n {
                    let (sum, scaled) = columns[j].withUnsafeBufferPointer { y in
                        (rows[i].withUnsafeBufferPointer { Self.tdpbf16psSum($0, y) },
                         scaledRows[i].withUnsafeBufferPointer { Self.tdpbf16psSum($0, y) })
                    }
                    #expect(c[i, j].bitPattern == sum.bitPattern, "\(m)×\(n)×\(k) at (\(i), \(j))")
                    #expect(added[i * n + j].bitPattern == (start[i * n + j] + scaled).bitPattern, "β = 1: \(m)×\(n)×\(k) at (\(i), \(j))")
                }
            }
        }
    }

    /// A subnormal input counts as zero, as VDPBF16PS reads it: 2⁻¹³⁰ · 2¹⁰⁰ gives 0, not 2⁻³⁰.
    @Test(arguments: BFloat16Kernels.runnable) func subnormalInputsCountAsZero(kernel: BFloat16Kernels) throws {
        let a = try Matrix<Float>([[0x1p-130, 1]])
        let b = try Matrix<Float>([[0x1p100, 0]])
        #expect(try a.bfloat16Product(b, kernel: kernel)[0, 0] == 0)
    }

    @Test func columnCountsThatDifferAreAnError() throws {
        let a = Matrix<Float>(rows: 2, columns: 3)
        #expect(throws: BackpropError.self) { try a.bfloat16Product(Matrix<Float>(rows: 2, columns: 4)) }
    }
}
