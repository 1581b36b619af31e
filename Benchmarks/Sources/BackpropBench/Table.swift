import Foundation

/// Prints the results with ratios to Backprop's figure for the same workload.
struct Table {
    let results: [Result]
    let peak: Double

    func print() {
        let header = ["workload", "implementation", "s/epoch best", "median", "examples/s", "GFLOP/s", "% sgemm",
                      "test acc", "allocs/step", "peak MiB", "time ÷ backprop", "other cores"]
        var rows: [[String]] = [header]
        for r in results {
            let ours = results.first { $0.workload == r.workload && $0.implementation == "backprop" }
            let isLatency = r.workload.contains("latency")
            let best = isLatency ? "\(fixed(r.seconds.best * 1e6, 1)) µs" : fixed(r.seconds.best, 3)
            let median = isLatency ? "\(fixed(r.seconds.median * 1e6, 1)) µs" : fixed(r.seconds.median, 3)
            let ratio = ours.map { r.seconds.best / $0.seconds.best }
            rows.append([
                r.workload, r.implementation, best, median, String(Int(r.examplesPerSecond.rounded())),
                r.gflops.map { fixed($0, 1) } ?? "", r.gflops.map { fixed(100 * $0 / peak, 0) + "%" } ?? "",
                r.accuracy.map { fixed(100 * $0, 2) + "%" } ?? "",
                r.allocationsPerStep.map { fixed($0, 1) } ?? "",
                r.peakMemoryMB.map { fixed($0, 0) } ?? "",
                r.implementation == "backprop" ? "1" : ratio.map { fixed($0, 2) } ?? "",
                fixed(r.seconds.otherCores, 2),
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for (index, row) in rows.enumerated() {
            let line = row.enumerated().map { column, cell in
                cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
            Swift.print(line)
            if index == 0 { Swift.print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        Swift.print("time ÷ backprop > 1: the peer is slower; W4 latency figures are per example.")
    }
}
