import ArgumentParser
import Backprop
#if canImport(CBLASBench)
import CBLASBench
#endif
import Foundation

/// Runs the benchmark workloads W1–W4 (shared/bench/README.md) with Backprop, measures the
/// machine's sgemm rate through the same BLAS, runs the PyTorch and NumPy peers when a
/// Python with them is given, and prints one table of figures and ratios.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backprop-bench")

    @Option(help: "Workloads to run, comma-separated.")
    var workloads = "W1,W2,W3,W4"

    @Option(help: "Timed repetitions (epochs for W1 and W3, rounds for W4).")
    var repeats = 3

    @Option(help: "A Python with torch, numpy and jax, to run the peers (e.g. ~/.peers-venv/bin/python).")
    var peers: String?

    @Option(help: "The folder of the peer scripts.")
    var peerFolder = "../shared/bench"

    @Option(help: "The Fashion-MNIST folder.")
    var data = "/usr/share/datasets/fashion-mnist"

    @Option(help: "Most BLAS threads per matrix product (default: one per core; small products use one).")
    var threads: Int?

    @Flag(help: "Also sweep throughput over layer width and batch size.")
    var sweep = false

    func run() throws {
        if let threads { setBLASThreadCount(threads) }
        let chosen = Set(workloads.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() })
        print("Backprop benchmark, \(Date()), \(cpuModel()), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("BLAS: \(blasDescription())")
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
        let fma = max(fma512 ?? 0, fma256 ?? 0)
        print("FMA peak (register-only loop, \(cores) threads): "
              + "AVX-512 \(fma512.map { fixed($0, 1) + " GFLOP/s" } ?? "not available"), "
              + "AVX2 \(fma256.map { fixed($0, 1) + " GFLOP/s" } ?? "not available")"
              + (fma > 0 ? "; sgemm reaches \(fixed(100 * peak / fma, 0))% of it" : ""))
        let fashion = try FashionMNIST(folder: data)
        let counter = AllocationCounter()
        if !counter.works { print("note: allocation counts need LD_PRELOAD=…/libMallocInterposerSwift.so (make bench sets it)") }
        let ours = Workloads(data: fashion, repeats: repeats, allocations: counter)
        let peerRunner = peers.map { Peers(python: $0, folder: peerFolder) }
        var results: [Result] = []
        for workload in ["W1", "W2", "W3", "W4"] where chosen.contains(workload) {
            switch workload {
            case "W1": results.append(try ours.w1())
            case "W2": results.append(try ours.w2())
            case "W3": results.append(try ours.w3())
            default: results += try ours.w4()
            }
            if let peerRunner {
                let epochs: Int? = workload == "W2" ? 5 : workload == "W4" ? nil : repeats
                results += peerRunner.run("peer_numpy.py", workload: workload, epochs: epochs)
                results += peerRunner.run("peer_torch.py", workload: workload, epochs: epochs)
                if workload == "W2" || workload == "W3" {
                    results += peerRunner.run("peer_torch.py", workload: workload, epochs: epochs, extra: ["--compile"])
                }
                if workload == "W2" || workload == "W4" {  // the JAX peer has these two
                    results += peerRunner.run("peer_jax.py", workload: workload, epochs: epochs)
                }
            }
        }
        print("")
        Table(results: results, peak: peak).print()
        if peers != nil { Targets(results: results, peak: peak, fmaPeak: fma > 0 ? fma : nil).print() }
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
