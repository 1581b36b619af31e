/// The speed targets of issue 5, checked against the figures of this run: each line
/// gives the measured ratio, the target and whether it is met ("–" where a figure is missing).
struct Targets {
    let results: [Result]
    let peak: Double
    /// The cores' FMA limit (`fmaPeak`), the real ceiling of GEMM-bound figures.
    let fmaPeak: Double?

    private func find(_ workload: String, _ implementation: String) -> Result? {
        results.first { $0.workload == workload && $0.implementation == implementation }
    }

    /// Our best time over the peer's best time (lower is better).
    private func timeRatio(_ workload: String, _ peers: [String]) -> (Double, String)? {
        guard let ours = find(workload, "backprop") else { return nil }
        let candidates = peers.compactMap { name in find(workload, name).map { ($0.seconds.best, name) } }
        guard let (best, name) = candidates.min(by: { $0.0 < $1.0 }) else { return nil }
        return (ours.seconds.best / best, name)
    }

    func print() {
        var lines: [(String, Double?, String, Bool?)] = []
        func time(_ label: String, _ workload: String, _ peers: [String], atMost limit: Double, _ target: String) {
            let ratio = timeRatio(workload, peers)
            lines.append(("\(label) ÷ \(ratio?.1 ?? peers.joined(separator: "/"))", ratio?.0, target, ratio.map { $0.0 <= limit }))
        }
        time("W1 time", "W1", ["numpy-vectorized"], atMost: 0.25, "≤ 0.25")
        time("W1 time", "W1", ["torch-eager"], atMost: 1.0 / 15, "≤ 0.067")
        time("W2 time", "W2", ["torch-eager"], atMost: 0.5, "≤ 0.5")
        time("W2 time", "W2", ["torch-compile", "jax-jit", "numpy-vectorized"], atMost: 0.7, "≤ 0.7 (best peer)")
        if let ours = find("W2", "backprop")?.accuracy {
            let best = results.filter { $0.workload == "W2" && $0.implementation != "backprop" }.compactMap(\.accuracy).max()
            lines.append(("W2 test accuracy − best peer's (points)", best.map { 100 * (ours - $0) }, "≥ 0", best.map { ours >= $0 }))
        }
        let w3 = find("W3", "backprop")
        let sgemmFraction = w3?.gflops.map { $0 / peak }
        lines.append(("W3 GFLOP/s ÷ sgemm GFLOP/s", sgemmFraction, "≥ 0.9", sgemmFraction.map { $0 >= 0.9 }))
        let fmaFraction = w3?.gflops.flatMap { ours in fmaPeak.map { ours / $0 } }
        lines.append(("W3 GFLOP/s ÷ FMA peak GFLOP/s", fmaFraction, "(issue 15)", nil))
        let w3Speedup = timeRatio("W3", ["torch-eager"]).map { 1 / $0.0 }
        lines.append(("W3 examples/s ÷ torch-eager", w3Speedup, "≥ 1.1", w3Speedup.map { $0 >= 1.1 }))
        time("W4 latency", "W4 latency", ["numpy-vectorized"], atMost: 1.0 / 3, "≤ 0.333")
        time("W4 latency", "W4 latency", ["torch-eager"], atMost: 0.1, "≤ 0.1")
        let w4Speedup = timeRatio("W4 batch 1000", ["torch-eager"]).map { 1 / $0.0 }
        lines.append(("W4 batch examples/s ÷ torch-eager", w4Speedup, "≥ 1.1", w4Speedup.map { $0 >= 1.1 }))
        let memory = w3?.peakMemoryMB.flatMap { ours in find("W3", "torch-eager")?.peakMemoryMB.map { ours / $0 } }
        lines.append(("W3 peak memory ÷ torch-eager's", memory, "< 1", memory.map { $0 < 1 }))
        for workload in ["W1", "W3"] {
            if let ours = find(workload, "backprop")?.accuracy {
                let best = results.filter { $0.workload == workload && $0.implementation != "backprop" }.compactMap(\.accuracy).max()
                lines.append(("\(workload) test accuracy − best peer's (points)", best.map { 100 * (ours - $0) }, "≥ 0", best.map { ours >= $0 }))
            }
        }
        Swift.print("\nTargets (issue 5), from this run:")
        let width = lines.map(\.0.count).max() ?? 0
        for (label, value, target, met) in lines {
            let verdict = met.map { $0 ? "met" : "NOT met" } ?? "–"
            Swift.print("  \(label.padding(toLength: width, withPad: " ", startingAt: 0))  \(value.map { fixed($0, 3) } ?? "–")  target \(target)  \(verdict)")
        }
    }
}
