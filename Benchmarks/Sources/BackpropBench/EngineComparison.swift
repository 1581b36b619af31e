import Backprop
import CEngines
import CPeak
import Foundation

/// One matrix product of a workload, as Backprop calls it: C (m × n) = op(A) op(B), op(A)
/// m × k, op(B) k × n, row-major.
struct ProductShape {
    var label: String
    var m: Int, n: Int, k: Int
    var transposeA = false, transposeB = false

    var operations: Double { 2 * Double(m) * Double(n) * Double(k) }

    /// The products of one training step (forward Z = A Wᵀ, weight gradient Δᵀ A, back-propagated
    /// Δ W) of a network of `sizes` at batch `batch`, or only the forward ones.
    static func step(_ workload: String, sizes: [Int], batch m: Int, forwardOnly: Bool = false) -> [ProductShape] {
        var shapes: [ProductShape] = []
        for (l, (nIn, nOut)) in zip(sizes, sizes.dropFirst()).enumerated() {
            shapes.append(ProductShape(label: "\(workload) Z\(l + 2) = A Wᵀ", m: m, n: nOut, k: nIn, transposeB: true))
            guard !forwardOnly else { continue }
            shapes.append(ProductShape(label: "\(workload) ∂W\(l + 1) = Δᵀ A", m: nOut, n: nIn, k: m, transposeA: true))
            if l > 0 { shapes.append(ProductShape(label: "\(workload) Δ\(l + 1) = Δ W", m: m, n: nIn, k: nOut)) }
        }
        return shapes
    }

    /// The products of W1–W4 (Benchmarks/Peers/README.md).
    static let workloads =
        step("W1", sizes: [784, 30, 10], batch: 10) + step("W2", sizes: [784, 256, 128, 10], batch: 64)
        + step("W3", sizes: [784, 1024, 1024, 10], batch: 512)
        + step("W4", sizes: [784, 256, 128, 10], batch: 1000, forwardOnly: true)
}

/// Every matrix-product engine on the exact products of W1–W4, one thread each (Backprop
/// splits large products over its threads and runs one block per thread): Debian's
/// OpenBLAS (Backprop's BLAS), a newer OpenBLAS, BLIS, MKL and oneDNN, loaded at run time
/// where installed (`make bench-peers` installs them), beside Backprop's own kernels and
/// its automatic choice. Rounds are interleaved, each engine's figure is its best round.
struct EngineComparison {
    /// The Python virtual environment with the mkl and scipy-openblas32 wheels, if any.
    let venv: String?

    struct Candidate {
        var name: String
        var version: String
        var run: (ProductShape, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void
    }

    func candidates() -> (loaded: [Candidate], missing: [String]) {
        var loaded: [Candidate] = [], missing: [String] = []
        func load(_ engine: Engine, _ name: String, _ path: String?) {
            guard let path else { return missing.append("\(name): not installed (make bench-peers)") }
            var error = [CChar](repeating: 0, count: 512)
            guard engine_load(engine, path, &error, Int32(error.count)) == 0 else {
                return missing.append("\(name): \(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
            }
            loaded.append(Candidate(name: name, version: String(cString: engine_version(engine))) { s, a, b, c in
                engine_sgemm(engine, s.transposeA ? 1 : 0, s.transposeB ? 1 : 0, Int32(s.m), Int32(s.n), Int32(s.k),
                             a, Int32(s.transposeA ? s.m : s.k), b, Int32(s.transposeB ? s.k : s.n), c, Int32(s.n))
            })
        }
        load(ENGINE_OPENBLAS_DEBIAN, "OpenBLAS (Debian)", "libopenblas.so.0")
        load(ENGINE_OPENBLAS_NEWER, "OpenBLAS (newer)", venv.flatMap { firstFile("\($0)/lib/python3*/site-packages/scipy_openblas32/lib/libscipy_openblas*.so") })
        load(ENGINE_BLIS, "BLIS", "libblis.so.4")
        load(ENGINE_MKL, "MKL", venv.flatMap { firstFile("\($0)/lib/libmkl_rt.so*") })
        load(ENGINE_ONEDNN, "oneDNN", "libdnnl.so.2")
        for engine in [MatrixProductEngine.builtIn, .automatic] {
            let own = !limitedToAVX2 && peak_has_avx512() == 1 ? "Backprop AVX-512" : "Backprop AVX2"
            let name = engine == .builtIn ? own : "Backprop auto"
            loaded.append(Candidate(name: name, version: engine == .builtIn ? "own kernels" : "its choice per shape") { s, a, b, c in
                let previous = matrixProductEngine
                setMatrixProductEngine(engine)
                Float.multiplyOnCallingThread(MatrixProduct(
                    MatrixOperand(a, rows: s.transposeA ? s.k : s.m, columns: s.transposeA ? s.m : s.k, transposed: s.transposeA),
                    MatrixOperand(b, rows: s.transposeB ? s.n : s.k, columns: s.transposeB ? s.k : s.n, transposed: s.transposeB),
                    into: c))
                setMatrixProductEngine(previous)
            })
        }
        return (loaded, missing)
    }

    /// Prints GFLOP/s per product and engine, and the winner of each product.
    func run(rounds: Int = 5) {
        let (engines, missing) = candidates()
        Swift.print("\nMatrix-product engines on the products of W1–W4, one thread each, GFLOP/s (best of \(rounds) interleaved rounds):")
        for engine in engines where !engine.version.isEmpty { Swift.print("  \(engine.name): \(engine.version)") }
        for line in missing { Swift.print("  \(line)") }
        let names = engines.map(\.name)
        Swift.print("| product | m×n×k | " + names.joined(separator: " | ") + " | fastest |")
        Swift.print("|---|---|" + names.map { _ in "---:|" }.joined() + "---|")
        var random = RandomSource(seed: 3)
        for shape in ProductShape.workloads {
            let a = (0..<(shape.m * shape.k)).map { _ in Float(random.normal()) }
            let b = (0..<(shape.k * shape.n)).map { _ in Float(random.normal()) }
            var c = [Float](repeating: 0, count: shape.m * shape.n)
            var best = [Double](repeating: .infinity, count: engines.count)
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        for round in 0..<rounds {
                            for offset in engines.indices {
                                let e = (offset + round) % engines.count
                                best[e] = min(best[e], secondsPerCall { engines[e].run(shape, a.baseAddress!, b.baseAddress!, c.baseAddress!) })
                            }
                        }
                    }
                }
            }
            let rates = best.map { shape.operations / $0 / 1e9 }
            let winner = rates.indices.max { rates[$0] < rates[$1] }.map { names[$0] } ?? "–"
            Swift.print("| \(shape.label) | \(shape.m)×\(shape.n)×\(shape.k)"
                        + (shape.transposeA ? " (Aᵀ)" : "") + (shape.transposeB ? " (Bᵀ)" : "") + " | "
                        + rates.map { fixed($0, 1) }.joined(separator: " | ") + " | \(winner) |")
        }
    }
}

/// The mean time of one call, over as many calls as fill 10 ms (at least 3), after one
/// call that warms the caches.
func secondsPerCall(_ body: () -> Void) -> Double {
    body()
    let clock = ContinuousClock()
    var calls = 0
    let start = clock.now
    var elapsed = Duration.zero
    repeat {
        body()
        calls += 1
        elapsed = clock.now - start
    } while calls < 3 || elapsed < .milliseconds(10)
    return elapsed.seconds / Double(calls)
}

/// The first path matching a shell pattern, if any.
func firstFile(_ pattern: String) -> String? {
    var matches = glob_t()
    defer { globfree(&matches) }
    guard glob(pattern, 0, nil, &matches) == 0, matches.gl_pathc > 0, let first = matches.gl_pathv[0] else { return nil }
    return String(cString: first)
}
