import ArgumentParser
import Backprop
#if canImport(CBLASBench)
import CBLASBench
#endif
import Foundation

/// Runs the benchmark workloads W1–W4 (Benchmarks/Peers/README.md) with Backprop, measures the
/// machine's sgemm rate through the same BLAS, runs the PyTorch and NumPy peers when a
/// Python with them is given, and prints one table of figures and ratios.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backprop-bench")

    @Option(help: "Workloads to run, comma-separated.")
    var workloads = "W1,W2,W3,W4"

    @Option(help: "Rounds of the interleaved comparison: in each, Backprop runs a workload once, then each peer.")
    var rounds = 5

    @Option(help: "Passes over the test set per round in W4 (the latency is the median of 1,000 single predictions per pass).")
    var repeats = 3

    @Option(help: "A Python with torch, numpy and jax, to run the peers (e.g. ~/.peers-venv/bin/python).")
    var peers: String?

    @Option(help: "The folder of the peer scripts (relative to the repository root, where make bench runs).")
    var peerFolder = "Benchmarks/Peers"

    @Option(help: "The Fashion-MNIST folder.")
    var data = "/usr/share/datasets/fashion-mnist"

    @Option(help: "Most BLAS threads per matrix product (default: one per core; small products use one).")
    var threads: Int?

    @Flag(inversion: .prefixedNo, help: "Compare the matrix-product engines on the products of W1–W4.")
    var engineComparison = true

    @Flag(help: "Also sweep throughput over layer width and batch size.")
    var sweep = false

    func run() throws {
        if let threads { setBLASThreadCount(threads) }
        let chosen = Set(workloads.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() })
        print("Backprop benchmark, \(Date()), \(cpuModel()), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("BLAS: \(blasDescription()); matrix-product engine: \(matrixProductEngine.rawValue); "
              + "instructions: \(limitedToAVX2 ? "limited to AVX2 (BACKPROP_ISA=avx2)" : "all this CPU has")"
              + "; bf16 kernels: \(Precision.bfloat16.kernels)")
        var split = 0.0, own: Double?
        for _ in 0..<3 {  // interleaved, so that neither way is measured only while the CPU clocks up
            split = max(split, sgemmRate())
            own = sgemmRateWithOpenBLASThreads().map { max($0, own ?? 0) }
        }
        let peak = max(split, own ?? 0)
        print("sgemm 1024³, best of 15: \(fixed(split, 1)) GFLOP/s split over Backprop's threads"
              + (own.map { ", \(fixed($0, 1)) GFLOP/s on OpenBLAS's own threads" } ?? "")
              + "; the peak below is the higher")
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let fma512 = fmaPeak(avx512: true, threads: cores), fma256 = fmaPeak(avx512: false, threads: cores)
        // The limit of the instructions the products may use: AVX2's where BACKPROP_ISA=avx2 limits them.
        let fma = limitedToAVX2 ? (fma256 ?? 0) : max(fma512 ?? 0, fma256 ?? 0)
        print("FMA peak (register-only loop, \(cores) threads): "
              + "AVX-512 \(fma512.map { fixed($0, 1) + " GFLOP/s" } ?? "not available"), "
              + "AVX2 \(fma256.map { fixed($0, 1) + " GFLOP/s" } ?? "not available")"
              + (fma > 0 ? "; sgemm reaches \(fixed(100 * peak / fma, 0))% of it" : ""))
        if engineComparison {
            let venv = peers.map { URL(fileURLWithPath: $0).deletingLastPathComponent().deletingLastPathComponent().path }
            EngineComparison(venv: venv).run()
            BFloat16Comparison().run()
        }
        let fashion = try FashionMNIST(folder: data)
        let counter = AllocationCounter()
        if !counter.works { print("note: allocation counts need LD_PRELOAD=…/libMallocInterposerSwift.so (make bench sets it)") }
        var ours = Workloads(data: fashion, repeats: repeats, allocations: counter)
        let peerRunner = peers.map { Peers(python: $0, folder: peerFolder) }
        // Interleaved: in each round Backprop runs a workload once, then each peer does, so
        // that a slow minute of the shared machine falls on both sides of a ratio.
        // Before each round the FMA loop runs again: where the host takes a core away from this
        // virtual machine, /proc/stat shows nothing, but the loop slows down.
        var results: [Result] = [], bestPeak = fma
        let avx512 = !limitedToAVX2 && fma512 != nil
        for workload in ["W1", "W2", "W3", "W4"] where chosen.contains(workload) {
            for round in 0..<max(1, rounds) {
                let roundPeak = fmaPeak(avx512: avx512, threads: cores)
                bestPeak = max(bestPeak, roundPeak ?? 0)
                ours.countsAllocations = round == 0
                // Round r draws with seed r + 1 everywhere: W2's accuracy then averages over
                // seeds (one seed's test accuracy after five epochs varies by ±0.6 points).
                ours.seed = UInt64(round + 1)
                var measured = try ours.run(workload)
                if let peerRunner { measured += peerRunner.runAll(workload, seed: round + 1) }
                results += measured.map { var r = $0; (r.round, r.roundPeak) = (round, roundPeak); return r }
            }
        }
        print("")
        Table(results: merged(results), peak: peak).print()
        if peers != nil {
            Targets(results: results, fmaPeak: bestPeak > 0 ? bestPeak : nil, instructionSet: instructionSetDescription(fma512: fma512)).print()
        }
        if sweep { try Sweep(peak: peak).run() }
    }
}

/// The best rate of a 1024×1024×1024 single-precision matrix product through Backprop's
/// BLAS wrapper (split over its helper threads), in GFLOP/s.
func sgemmRate() -> Double {
    let n = 1024
    let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
    var c = [Float](repeating: 0, count: n * n)
    var best = Double.infinity
    for _ in 0..<5 {
        let t = Timing.measure {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        Float.multiply(MatrixProduct(
                            MatrixOperand(a.baseAddress!, rows: n, columns: n), MatrixOperand(b.baseAddress!, rows: n, columns: n),
                            into: c.baseAddress!))
                    }
                }
            }
        }
        best = min(best, t.seconds)
    }
    return 2 * Double(n * n * n) / best / 1e9
}

func cpuModel() -> String {
    let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let line = text.split(separator: "\n").first { $0.hasPrefix("model name") }
    return line.map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
}

func fixed(_ x: Double, _ digits: Int) -> String {
    x.isFinite ? String(format: "%.\(digits)f", x) : "–"
}

/// The same product with OpenBLAS threading it itself (as NumPy's does), where it is
/// OpenBLAS: Backprop runs OpenBLAS single-threaded, so this is the other way to use the
/// same library on all cores, and may be faster for large square products.
func sgemmRateWithOpenBLASThreads() -> Double? {
    #if canImport(CBLASBench)
    let n = 1024
    let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
    var c = [Float](repeating: 0, count: n * n)
    openblas_set_num_threads(Int32(blasThreadCount))
    defer { openblas_set_num_threads(1) }
    var best = Double.infinity
    for _ in 0..<5 {
        let t = Timing.measure {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n),
                        b, Int32(n), 0, &c, Int32(n))
        }
        best = min(best, t.seconds)
    }
    return 2 * Double(n * n * n) / best / 1e9
    #else
    return nil
    #endif
}

/// Whether this run emulates an AVX2-only machine: `BACKPROP_ISA=avx2` (with
/// OPENBLAS_CORETYPE=Haswell, ATEN_CPU_CAPABILITY=avx2, MKL_ENABLE_INSTRUCTIONS=AVX2 and
/// XLA_FLAGS=--xla_cpu_max_isa=AVX2 for the peers; `make bench` sets them all).
let limitedToAVX2 = ProcessInfo.processInfo.environment["BACKPROP_ISA"]?.lowercased() == "avx2"

func instructionSetDescription(fma512: Double?) -> String {
    limitedToAVX2 ? "AVX2 (emulated: BACKPROP_ISA=avx2)" : fma512 != nil ? "AVX-512" : "AVX2"
}

/// One row per workload and implementation: the timings of all rounds together, the best
/// rate, the median accuracy, the first round's allocation count, the largest peak memory.
func merged(_ results: [Result]) -> [Result] {
    var order: [String] = [], groups: [String: [Result]] = [:]
    for r in results {
        let key = r.workload + "|" + r.implementation
        if groups[key] == nil { order.append(key) }
        groups[key, default: []].append(r)
    }
    return order.compactMap { key in
        guard var row = groups[key]?.first, let all = groups[key] else { return nil }
        row.seconds = Samples(timings: all.flatMap(\.seconds.timings))
        row.examplesPerSecond = all.map(\.examplesPerSecond).max() ?? row.examplesPerSecond
        row.gflops = all.compactMap(\.gflops).max()
        row.accuracy = medianOf(all.compactMap(\.accuracy))
        row.allocationsPerStep = all.compactMap(\.allocationsPerStep).first
        row.peakMemoryMB = all.compactMap(\.peakMemoryMB).max()
        return row
    }
}

/// The middle value (the mean of the two middle ones for an even count), nil if empty.
func medianOf(_ values: [Double]) -> Double? {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return nil }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
