import Backprop
import CEngines
import CKernels
import Foundation

/// Backprop's bfloat16 kernel against oneDNN's bfloat16 matmul on the products of W3 and W4,
/// one thread each, beside both in float32 (Backprop's automatic engine, oneDNN's matmul), to
/// choose the bfloat16 kernels per shape by measurement as the float32 engine was chosen.
/// Backprop's kernel runs on operands rounded and packed beforehand (as oneDNN's runs on
/// bfloat16 operands); the next column is its whole product, the rounding and packing of
/// both float32 operands included. Each result is checked against Backprop's before it counts.
struct BFloat16Comparison {
    /// The kernel family `--precision bf16` runs here (BACKPROP_ISA's choice).
    let kernel: backprop_bf16_kernel = switch Precision.bfloat16.kernels {
    case "amx-bf16": BACKPROP_BF16_AMX
    case "avx512-bf16": BACKPROP_BF16_AVX512
    case "avx2": BACKPROP_BF16_AVX2
    default: BACKPROP_BF16_PORTABLE
    }

    func run(rounds: Int = 5) {
        let names = ["Backprop bf16 kernel", "Backprop bf16 product", "oneDNN bf16", "Backprop fp32", "oneDNN fp32"]
        Swift.print("\nbfloat16 products of W3 and W4, one thread each, GFLOP/s (best of \(rounds) interleaved rounds); "
                    + "Backprop's kernels: \(Precision.bfloat16.kernels):")
        Swift.print("| product | m×n×k | " + names.joined(separator: " | ") + " | fastest bf16 |")
        Swift.print("|---|---|" + names.map { _ in "---:|" }.joined() + "---|")
        var notes: Set<String> = []
        var random = RandomSource(seed: 5)
        for shape in ProductShape.workloads where shape.label.hasPrefix("W3") || shape.label.hasPrefix("W4") {
            let (m, n, k) = (shape.m, shape.n, shape.k)
            let a = (0..<(m * k)).map { _ in Float(random.normal()) }
            let b = (0..<(k * n)).map { _ in Float(random.normal()) }
            let (lda, ldb) = (shape.transposeA ? m : k, shape.transposeB ? k : n)
            let (aBF16, bBF16) = (rounded(a), rounded(b))
            let pairs = (k + 1) / 2
            var roundedA = [UInt16](repeating: 0, count: m * 2 * pairs)
            var packedB = [UInt16](repeating: 0, count: Int(backprop_bf16_packed_b_count(Int32(n), Int32(k))))
            var reference = [Float](repeating: 0, count: m * n), c = reference
            var rates = [Double?](repeating: nil, count: names.count)
            var runs: [(Int, () -> Void)] = []
            var matmuls: [OpaquePointer] = []
            defer { matmuls.forEach(onednn_matmul_free) }

            func product(_ c: UnsafeMutablePointer<Float>, kernelOnly: Bool) {
                if !kernelOnly {
                    backprop_bf16_round_rows(shape.transposeA ? 1 : 0, a, Int32(lda), Int32(m), Int32(k), 1, &roundedA, Int32(2 * pairs))
                    backprop_bf16_pack_b(shape.transposeB ? 0 : 1, b, Int32(ldb), Int32(n), Int32(k), &packedB)
                }
                backprop_sgemm_bf16(kernel, Int32(m), Int32(n), Int32(k), roundedA, Int32(2 * pairs), packedB, c, Int32(n), 0)
            }
            reference.withUnsafeMutableBufferPointer { product($0.baseAddress!, kernelOnly: false) }
            runs.append((0, { c.withUnsafeMutableBufferPointer { product($0.baseAddress!, kernelOnly: true) } }))
            runs.append((1, { c.withUnsafeMutableBufferPointer { product($0.baseAddress!, kernelOnly: false) } }))
            runs.append((3, {
                a.withUnsafeBufferPointer { a in
                    b.withUnsafeBufferPointer { b in
                        c.withUnsafeMutableBufferPointer { c in
                            Float.multiplyOnCallingThread(MatrixProduct(
                                MatrixOperand(a.baseAddress!, rows: shape.transposeA ? k : m, columns: shape.transposeA ? m : k,
                                              transposed: shape.transposeA),
                                MatrixOperand(b.baseAddress!, rows: shape.transposeB ? n : k, columns: shape.transposeB ? k : n,
                                              transposed: shape.transposeB),
                                into: c.baseAddress!))
                        }
                    }
                }
            }))
            for (column, bfloat16) in [(2, true), (4, false)] {
                var error = [CChar](repeating: 0, count: 512)
                guard let matmul = onednn_matmul_make(bfloat16 ? 1 : 0, shape.transposeA ? 1 : 0, shape.transposeB ? 1 : 0,
                                                      Int32(m), Int32(n), Int32(k), &error, Int32(error.count)) else {
                    notes.insert("oneDNN \(bfloat16 ? "bf16" : "fp32"): " + String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
                    continue
                }
                notes.insert("oneDNN \(bfloat16 ? "bf16" : "fp32") implementation: " + String(cString: onednn_matmul_name(matmul)))
                let run = {
                    c.withUnsafeMutableBufferPointer { c in
                        if bfloat16 { onednn_matmul_run(matmul, aBF16, bBF16, c.baseAddress!) }
                        else { onednn_matmul_run(matmul, a, b, c.baseAddress!) }
                    }
                }
                run()
                // bfloat16 sums differ in order, float32's only in rounding: both far inside 1%.
                let scale = reference.map(abs).max() ?? 1
                let worst = zip(c, reference).map { abs($0 - $1) }.max() ?? 0
                guard worst <= 0.01 * scale else {
                    notes.insert("oneDNN \(bfloat16 ? "bf16" : "fp32") left out of \(shape.label): off by \(worst) (scale \(scale))")
                    onednn_matmul_free(matmul)
                    continue
                }
                runs.append((column, run))
                matmuls.append(matmul)
            }
            var best = [Double](repeating: .infinity, count: names.count)
            for round in 0..<rounds {
                for offset in runs.indices {
                    let (column, body) = runs[(offset + round) % runs.count]
                    best[column] = min(best[column], secondsPerCall(body))
                }
            }
            for (column, _) in runs { rates[column] = shape.operations / best[column] / 1e9 }
            let bf16Columns = [0, 2].filter { rates[$0] != nil }
            let winner = bf16Columns.max { (rates[$0] ?? 0) < (rates[$1] ?? 0) }.map { names[$0] } ?? "–"
            Swift.print("| \(shape.label) | \(m)×\(n)×\(k)" + (shape.transposeA ? " (Aᵀ)" : "") + (shape.transposeB ? " (Bᵀ)" : "")
                        + " | " + rates.map { $0.map { fixed($0, 1) } ?? "–" }.joined(separator: " | ") + " | \(winner) |")
        }
        for note in notes.sorted() { Swift.print("  \(note)") }
    }

    /// x rounded to bfloat16 (backprop_bf16_round), as oneDNN reads it.
    private func rounded(_ x: [Float]) -> [UInt16] {
        var y = [UInt16](repeating: 0, count: x.count)
        backprop_bf16_round(x, &y, x.count)
        return y
    }
}
