import Foundation

/// The NumPy, PyTorch and JAX implementations of the workloads (Benchmarks/Peers/README.md),
/// run in the same session.
struct Peers {
    let python: String
    let folder: String

    /// Every peer of `workload`, once each: NumPy and torch eager everywhere, torch.compile
    /// and torch eager under bfloat16 autocast for W2 and W3, JAX for W2 and W4 (the workloads its script has). W1 and W3 run one
    /// epoch, W2 its five.
    func runAll(_ workload: String, seed: Int) -> [Result] {
        let epochs: Int? = workload == "W2" ? 5 : workload == "W4" ? nil : 1
        var results = run("peer_numpy.py", workload: workload, epochs: epochs, seed: seed)
        results += run("peer_torch.py", workload: workload, epochs: epochs, seed: seed)
        if workload == "W2" || workload == "W3" {
            results += run("peer_torch.py", workload: workload, epochs: epochs, seed: seed, extra: ["--compile"])
            results += run("peer_torch.py", workload: workload, epochs: epochs, seed: seed, extra: ["--bf16"])
        }
        if workload == "W2" || workload == "W4" {
            results += run("peer_jax.py", workload: workload, epochs: epochs, seed: seed)
        }
        return results
    }

    /// Runs one peer script and turns its JSON line into results (nil if it failed).
    func run(_ script: String, workload: String, epochs: Int?, seed: Int, extra: [String] = []) -> [Result] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        var arguments = [folder + "/" + script, "--workload", workload, "--seed", "\(seed)"] + extra
        if let epochs { arguments += ["--epochs", "\(epochs)"] }
        // The script runs under a few lines that print its peak resident memory at exit.
        process.arguments = ["-c", Self.peakMemoryWrapper] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return [] }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        guard process.terminationStatus == 0,
              let line = lines.last(where: { $0.hasPrefix("{") && !$0.contains("\"peak_rss_kb\"") }),
              let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { return [] }
        let peak = lines.last(where: { $0.contains("\"peak_rss_kb\"") }).flatMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["peak_rss_kb"] as? Double
        }
        let name = record["peer"] as? String ?? script
        if workload == "W4" {
            guard let latency = record["latency_us_median"] as? Double,
                  let throughput = record["batch1000_ex_per_s_max"] as? Double
            else { return [] }
            let latencyOther = record["latency_other_cores"] as? Double ?? 0
            let throughputOther = record["throughput_other_cores"] as? Double ?? 0
            return [
                Result(workload: "W4 latency", implementation: name,
                       seconds: Samples(timings: [Timing(seconds: latency * 1e-6, otherCores: latencyOther)]),
                       examplesPerSecond: 1e6 / latency),
                Result(workload: "W4 batch 1000", implementation: name,
                       seconds: Samples(timings: [Timing(seconds: 10_000 / throughput, otherCores: throughputOther)]),
                       examplesPerSecond: throughput),
            ]
        }
        guard let rows = record["epochs"] as? [[String: Any]], !rows.isEmpty else { return [] }
        var samples = Samples()
        for row in rows {
            if let seconds = row["train_s"] as? Double {
                samples.timings.append(Timing(seconds: seconds, otherCores: row["other_cores"] as? Double ?? 0))
            }
        }
        let accuracy = rows.last?["test_acc"] as? Double
        var result = Result(
            workload: workload, implementation: name, seconds: samples, examplesPerSecond: 60_000 / samples.best,
            accuracy: accuracy)
        if workload == "W3" { result.gflops = 6 * Double(parameterCount([784, 1024, 1024, 10])) * result.examplesPerSecond / 1e9 }
        result.peakMemoryMB = peak.map { $0 / 1024 }
        return [result]
    }

    /// Runs sys.argv[1] as __main__ (with its folder on the import path, as `python
    /// script.py` has it) with the remaining arguments, then prints
    /// {"peak_rss_kb": …}, the process's peak resident memory (Linux reports kilobytes).
    static let peakMemoryWrapper = """
        import json, os, resource, runpy, sys
        sys.argv = sys.argv[1:]
        sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))
        try:
            runpy.run_path(sys.argv[0], run_name="__main__")
        finally:
            print(json.dumps({"peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}), flush=True)
        """
}
