import Foundation
import Testing
@testable import Backprop

/// The speed-minded kernels against plain scalar formulas: the eight-lane loops, their
/// scalar tails, and the BLAS set-up.
@Suite struct KernelTests {
    /// Adam's vector loop and tail against the per-element formula in Double, over 37
    /// parameters (four vectors and a tail of five), with zero and tiny gradients so that
    /// the flush of |m|, |v| < 1e-30 is exercised.
    @Test(arguments: [false, true]) func adamStepMatchesTheScalarFormula(decoupled: Bool) {
        let count = 37
        var random = RandomSource(seed: 4)
        var w = (0..<count).map { _ in Float(random.normal()) }
        var m = [Float](repeating: 0, count: count), v = [Float](repeating: 0, count: count)
        var (wRef, mRef, vRef) = (w.map(Double.init), [Double](repeating: 0, count: count), [Double](repeating: 0, count: count))
        let (eta, beta1, beta2, epsilon, lambda) = (0.01, 0.9, 0.999, 1e-8, 0.05)
        for t in 1...3 {
            let g: [Float] = (0..<count).map { i in
                i % 5 == 0 ? 0 : i % 7 == 0 ? 1e-33 : Float(random.normal())
            }
            let settings = AdamSettings(
                eta: eta, beta1: beta1, beta2: beta2, epsilon: epsilon,
                correction1: 1 - pow(beta1, Double(t)), correction2: 1 - pow(beta2, Double(t)),
                lambda: lambda, decoupled: decoupled)
            adamStep(&w, g, &m, &v, count: count, settings)
            for i in 0..<count {
                let gi = Double(g[i]) + (decoupled ? 0 : lambda * wRef[i])
                mRef[i] = beta1 * mRef[i] + (1 - beta1) * gi
                vRef[i] = beta2 * vRef[i] + (1 - beta2) * gi * gi
                if abs(mRef[i]) < 1e-30 { mRef[i] = 0 }
                if abs(vRef[i]) < 1e-30 { vRef[i] = 0 }
                let mHat = mRef[i] / settings.correction1, vHat = vRef[i] / settings.correction2
                wRef[i] = (decoupled ? 1 - eta * lambda : 1) * wRef[i] - eta * mHat / (vHat.squareRoot() + epsilon)
            }
        }
        expectClose(w.map(Double.init), wRef, tolerance: 1e-6, "w after 3 steps")
        expectClose(m.map(Double.init), mRef, tolerance: 1e-6, "m after 3 steps")
        expectClose(v.map(Double.init), vRef, tolerance: 1e-6, "v after 3 steps")
        if decoupled {  // without decay in the gradient, m of a zero gradient stays 0
            #expect(m.enumerated().allSatisfy { i, x in i % 5 != 0 || x == 0 })
        }
    }

    /// The vectorized e^x behind Float sigmoid and softmax against Double's: relative error
    /// ≤ 1e-6 over −100 … 100 (both tails included), NaN kept, softmax rows summing to 1.
    @Test func vectorizedExpMatchesTheCLibrary() {
        let z: [Float] = stride(from: -100, through: 100, by: 0.0137).map { Float($0) } + [-1e-7, 0, 1e-7, 1e30, -1e30]
        var a = [Float](repeating: 0, count: z.count)
        activate(.sigmoid, z: z, a: &a, rows: 1, columns: z.count)
        var worst = 0.0
        for (x, y) in zip(z, a) {
            let exact = 1 / (1 + Foundation.exp(-Double(x)))
            worst = max(worst, abs(Double(y) - exact) / max(exact, 1e-30))
            #expect(y.isFinite && y >= 0 && y <= 1, "σ(\(x)) = \(y)")
        }
        #expect(worst <= 1e-6, "largest relative error of σ: \(worst)")
        var nan: [Float] = [0]
        activate(.sigmoid, z: [Float.nan], a: &nan, rows: 1, columns: 1)
        #expect(nan[0].isNaN)

        let logits: [Float] = [-90, -3, 0, 2.5, 7, 80, -1e4, 1e-3, 12, -40]
        var p = [Float](repeating: 0, count: logits.count)
        activate(.softmax, z: logits, a: &p, rows: 1, columns: logits.count)
        let top = logits.max()!
        let exact = logits.map { Foundation.exp(Double($0 - top)) }
        let total = exact.reduce(0, +)
        expectClose(p.map(Double.init), exact.map { $0 / total }, tolerance: 1e-6, "softmax")
        #expect(abs(p.reduce(0, +) - 1) < 1e-6)
    }

    /// The vectorized ReLU and leaky-ReLU derivatives (Float, in C) against the definition,
    /// bit for bit: δ kept where z > 0, else 0 (even for an infinite δ) or slope · δ, NaN z
    /// counted as not positive; 37 values, so a partial vector is left at the end.
    @Test(arguments: [Activation.relu, .leakyReLU(slope: 0.1)])
    func vectorizedReLUDerivativeMatchesTheDefinition(activation: Activation) {
        let z: [Float] = (0..<37).map { i in [Float(i) - 18, 0, -0, .nan, .infinity, -.infinity][i % 6] }
        let delta: [Float] = (0..<37).map { i in [Float(i) * 0.25 - 3, .infinity, -.infinity, .nan][i % 4] }
        var product = delta
        multiplyByDerivative(activation, delta: &product, z: z, a: z, rows: 1, columns: z.count)
        let slope: Float = if case .leakyReLU(let s) = activation { Float(s) } else { 0 }
        for i in 0..<z.count {
            let expected = z[i] > 0 ? delta[i] : slope == 0 ? 0 : slope * delta[i]
            #expect(product[i].bitPattern == expected.bitPattern, "z \(z[i]), δ \(delta[i]): \(product[i])")
        }
    }

    /// The bit-pattern flush against the scalar comparison, lane by lane, for values around
    /// the 1e-30 limit, both signs, zero, ±∞ and NaN.
    @Test func vectorFlushMatchesTheScalarFlush() {
        let floats: [Float] = [0, -0, 1e-30, -1e-30, 0.99e-30, -0.99e-30, 1.01e-30, .leastNonzeroMagnitude, 1e-38, 2, -3.5,
                               .infinity, -.infinity, .greatestFiniteMagnitude, 1e-31, -1e-29]
        let doubles = floats.map(Double.init) + [1e-300, -1e-300, 1e-30, 0.999999e-30]
        func check<S: Scalar>(_ values: [S]) {
            var padded = values
            while padded.count % 8 != 0 { padded.append(.nan) }
            for start in stride(from: 0, to: padded.count, by: 8) {
                let lanes = SIMD8<S>(padded[start..<start + 8])
                let flushed = flushTiny(lanes)
                for i in 0..<8 {
                    let expected = flushTiny(lanes[i])
                    #expect(
                        flushed[i] == expected || (flushed[i].isNaN && expected.isNaN),
                        "\(S.self) \(lanes[i]): \(flushed[i]), expected \(expected)")
                }
            }
        }
        check(floats)
        check(doubles)
    }

    /// The block-summing search for NaN and ±∞ finds the first one wherever it is: in the
    /// first block, deep in a later one, in the tail, or nowhere.
    @Test func firstNonFiniteIndexFindsTheFirstOne() {
        let count = 3 * 512 + 13
        for (position, value) in [(0, Float.nan), (700, .infinity), (1100, -.infinity), (count - 1, .nan), (-1, 0)] {
            var x = [Float](repeating: 1.5, count: count)
            if position >= 0 { x[position] = value }
            if position >= 0, position + 40 < count { x[position + 40] = .nan }  // a later one must not win
            let found = x.withUnsafeBufferPointer { firstNonFiniteIndex($0.baseAddress!, count: count) }
            #expect(found == (position >= 0 ? position : nil), "\(value) at \(position)")
        }
    }

    /// The one-example path (gemv onto the bias) gives the batch forward pass's outputs and
    /// classes, and rejects inputs of the wrong size or with NaN.
    @Test func predictorMatchesBatchPrediction() throws {
        let network = try Network<Float>(sizes: [20, 16, 8, 5], activation: .tanh, loss: .crossEntropy, seed: 9)
        var random = RandomSource(seed: 10)
        let inputs = try Matrix<Float>(rows: 6, columns: 20, elements: (0..<120).map { _ in Float(random.normal()) })
        let batch = try network.predict(inputs)
        let classes = try network.predictClasses(inputs)
        let predictor = Predictor(network)
        for r in 0..<inputs.rows {
            expectClose(try predictor.predict(inputs.row(r)).map(Double.init), batch.row(r).map(Double.init),
                        tolerance: 1e-5, "row \(r)")
            #expect(try predictor.predictClass(inputs.row(r)) == classes[r])
        }
        #expect(throws: BackpropError.self) { try predictor.predict([Float](repeating: 0, count: 19)) }
        var bad = inputs.row(0)
        bad[3] = .nan
        #expect(throws: BackpropError.nonFinite(what: "input", row: 0, column: 3)) { try predictor.predict(bad) }
    }

    /// y ← α op(W) x + β y in Float (W x through the AVX-512 or AVX2 kernel where the
    /// processor has them) against a Double loop, for shapes with and without whole 8- and
    /// 16-column and 4-row blocks,
    /// large enough to split over threads or not, and β = 0 ignoring a NaN already in y.
    @Test(arguments: [(7, 37), (16, 16), (5, 3), (10, 30), (256, 784), (300, 513)])
    func matrixVectorProductMatchesALoop(m: Int, n: Int) {
        var random = RandomSource(seed: 12)
        let w = (0..<(m * n)).map { _ in Float(random.normal()) }
        let x = (0..<n).map { _ in Float(random.normal()) }, xt = (0..<m).map { _ in Float(random.normal()) }
        for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-2, 0.25)] {
            var y = (0..<m).map { _ in Float(random.normal()) }
            let yStart = y
            if beta == 0 { y[0] = .nan }
            w.withUnsafeBufferPointer { w in
                Float.multiply(MatrixVectorProduct(MatrixOperand(w.baseAddress!, rows: m, columns: n), x, into: &y, alpha: alpha, beta: beta))
            }
            let expected = (0..<m).map { i in
                Double(alpha) * (0..<n).reduce(0.0) { $0 + Double(w[i * n + $1]) * Double(x[$1]) }
                    + (beta == 0 ? 0 : Double(beta) * Double(yStart[i]))
            }
            expectClose(y.map(Double.init), expected, tolerance: 1e-4, "W x, \(m)×\(n), α \(alpha), β \(beta)")
            var yt = [Float](repeating: 1, count: n)
            if beta == 0 { yt[n - 1] = .nan }
            w.withUnsafeBufferPointer { w in
                Float.multiply(MatrixVectorProduct(
                    MatrixOperand(w.baseAddress!, rows: m, columns: n, transposed: true), xt, into: &yt, alpha: alpha, beta: beta))
            }
            let expectedT = (0..<n).map { j in
                Double(alpha) * (0..<m).reduce(0.0) { $0 + Double(w[$1 * n + j]) * Double(xt[$1]) } + Double(beta)
            }
            expectClose(yt.map(Double.init), expectedT, tolerance: 1e-4, "Wᵀ x, \(m)×\(n), α \(alpha), β \(beta)")
        }
    }

    /// A product large enough for several threads gives the one-thread result, for every
    /// transpose combination, both precisions, and both ways of splitting (column blocks,
    /// and row blocks when C has few columns).
    @Test(arguments: [(96, 256, 400), (1024, 10, 1024)])
    func threadCountDoesNotChangeProducts(m: Int, n: Int, k: Int) throws {
        #expect(2 * m * n * k >= parallelOperationThreshold)
        func check<S: Scalar>(_: S.Type) {
            var random = RandomSource(seed: 11)
            let a = (0..<(m * k)).map { _ in S(random.normal()) }
            let b = (0..<(k * n)).map { _ in S(random.normal()) }
            for (transposeA, transposeB) in [(false, false), (false, true), (true, false), (true, true)] {
                func product(threads: Int) -> [Double] {
                    setBLASThreadCount(threads)
                    var c = [S](repeating: 0, count: m * n)
                    a.withUnsafeBufferPointer { a in
                        b.withUnsafeBufferPointer { b in
                            S.multiply(MatrixProduct(
                                MatrixOperand(a.baseAddress!, rows: transposeA ? k : m, columns: transposeA ? m : k, transposed: transposeA),
                                MatrixOperand(b.baseAddress!, rows: transposeB ? n : k, columns: transposeB ? k : n, transposed: transposeB),
                                into: &c))
                        }
                    }
                    return c.map { Double($0) }
                }
                let one = product(threads: 1), many = product(threads: 2)
                // Kernels may block a part of C differently from the whole (seen with OpenBLAS's
                // Zen kernels): sums of k products then round differently, by up to ~√k ε.
                let tolerance = S.self == Float.self ? 1e-4 : 1e-12
                expectClose(many, one, tolerance: tolerance, "\(S.self) C, transposes \(transposeA) \(transposeB)")
            }
        }
        check(Float.self)
        check(Double.self)
        // The split itself: two blocks that tile C (by columns when it has enough of them).
        setBLASThreadCount(2)
        let a = [Float](repeating: 0, count: m * k), b = [Float](repeating: 0, count: n * k)
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    let product = MatrixProduct(
                        MatrixOperand(a.baseAddress!, rows: m, columns: k),
                        MatrixOperand(b.baseAddress!, rows: n, columns: k, transposed: true), into: c.baseAddress!)
                    let split = product.split
                    #expect(split.parts == 2 && split.byColumns == (n >= 128))
                    let blocks = (0..<2).compactMap { product.block($0, of: 2, byColumns: split.byColumns) }
                    #expect(blocks.count == 2)
                    #expect(blocks.map { split.byColumns ? $0.n : $0.m }.reduce(0, +) == (split.byColumns ? n : m))
                    #expect(blocks.allSatisfy { (split.byColumns ? $0.m == m : $0.n == n) && $0.k == k })
                }
            }
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        setBLASThreadCount(cores)
        #expect(blasThreadCount == cores)
    }

    /// A product with one row of C runs as a matrix-vector product: it equals the sum
    /// c_j = α Σ_i op(A)_{0i} op(B)_{ij} + β c_j, for every transpose combination, both
    /// precisions, and a transposed A stored as a column or inside a wider matrix (which
    /// takes the gemm path).
    @Test(arguments: [(1, 3), (784, 256), (30, 10)])
    func oneRowProductsEqualTheSum(k: Int, n: Int) {
        func check<S: Scalar>(_: S.Type) {
            var random = RandomSource(seed: 5)
            let a = (0..<(2 * k)).map { _ in S(random.normal()) }  // room for a (k × 2) transposed A
            let b = (0..<(k * n)).map { _ in S(random.normal()) }
            let c0 = (0..<n).map { _ in S(random.normal()) }
            let (alpha, beta): (S, S) = (S(0.5), S(-2))
            for (transposeA, wideA, transposeB) in [(false, false, false), (false, false, true), (true, false, false), (true, false, true), (true, true, false)] {
                var c = c0
                a.withUnsafeBufferPointer { a in
                    b.withUnsafeBufferPointer { b in
                        // Transposed: op(A) is row 0 of Aᵀ, with A stored (k × 1), or as the first
                        // column of a (k × 2) matrix (row stride 2).
                        let operandA = transposeA
                            ? MatrixOperand(a.baseAddress!, rows: k, columns: wideA ? 2 : 1, transposed: true).rows(0 ..< 1)
                            : MatrixOperand(a.baseAddress!, rows: 1, columns: k)
                        #expect(operandA.operationRows == 1 && operandA.operationColumns == k)
                        S.multiply(MatrixProduct(
                            operandA,
                            MatrixOperand(b.baseAddress!, rows: transposeB ? n : k, columns: transposeB ? k : n, transposed: transposeB),
                            into: &c, alpha: alpha, beta: beta))
                    }
                }
                let expected = (0..<n).map { j in
                    let sum = (0..<k).reduce(0.0) { total, i in
                        let x = Double(a[transposeA ? i * (wideA ? 2 : 1) : i])
                        return total + x * Double(b[transposeB ? j * k + i : i * n + j])
                    }
                    return 0.5 * sum - 2 * Double(c0[j])
                }
                let tolerance = S.self == Float.self ? 1e-4 : 1e-12
                expectClose(c.map { Double($0) }, expected, tolerance: tolerance, "\(S.self) k \(k) n \(n), transposes \(transposeA) \(transposeB), wide \(wideA)")
            }
        }
        check(Float.self)
        check(Double.self)
    }

    /// Where the processor has AVX2 and FMA, OpenBLAS runs more than its SSE3 (Prescott)
    /// kernels, unless OPENBLAS_CORETYPE chose them.
    @Test func blasUsesTheProcessorsVectorKernels() throws {
        let description = blasDescription()
        #expect(description.contains("core: "), "\(description)")
        #if os(Linux) && arch(x86_64)
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = Set(cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        if flags.isSuperset(of: ["avx2", "fma"]), ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil {
            #expect(!description.contains("core: Prescott"), "\(description)")
        }
        #endif
    }

    /// Every part runs exactly once, whatever the part count, when jobs nest (the inner one
    /// runs on its caller's thread) and when several threads start jobs at once.
    @Test func inParallelRunsEveryPartOnce() async {
        struct Count: ParallelJob {
            let counts: UnsafeMutablePointer<Int>
            let nested: Bool
            func run(part: Int, of parts: Int) {
                counts[part] += 1
                if nested { inParallel(parts: 3, Count(counts: counts + 8 + 3 * part, nested: false)) }
            }
        }
        for parts in 1...6 {
            let counts = UnsafeMutablePointer<Int>.allocate(capacity: 64)
            counts.initialize(repeating: 0, count: 64)
            defer { counts.deallocate() }
            inParallel(parts: parts, Count(counts: counts, nested: true))
            #expect((0..<parts).allSatisfy { counts[$0] == 1 }, "parts \(parts)")
            #expect((0..<(3 * parts)).allSatisfy { counts[8 + $0] == 1 }, "nested parts of \(parts)")
        }
        // Four threads at once, each summing 0 ..< 10,000 in parallel parts many times.
        struct Sum: ParallelJob {
            let partial: UnsafeMutablePointer<Int>
            func run(part: Int, of parts: Int) {
                let start = partStart(part, of: parts, count: 10_000), end = partStart(part + 1, of: parts, count: 10_000)
                partial[part] = (start..<end).reduce(0, +)
            }
        }
        let totals = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let partial = UnsafeMutablePointer<Int>.allocate(capacity: 2)
                    defer { partial.deallocate() }
                    for _ in 0..<200 {
                        partial.initialize(repeating: 0, count: 2)
                        inParallel(parts: 2, Sum(partial: partial))
                        if partial[0] + partial[1] != 49_995_000 { return false }
                    }
                    return true
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(totals == [true, true, true, true])
    }
}
