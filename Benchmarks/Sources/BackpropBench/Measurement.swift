import Foundation

/// Wall time of a block and how many cores other processes kept busy meanwhile (the
/// machine's busy time from /proc/stat minus this process's own CPU time), as the peer
/// scripts measure it: above ~0.25 the figure is disturbed.
struct Timing {
    var seconds: Double
    var otherCores: Double

    static func measure(_ body: () throws -> Void) rethrows -> Timing {
        let (busy0, _) = busyJiffies()
        let own0 = processCPUSeconds()
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let (busy1, _) = busyJiffies()
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        let other = Double(busy1 - busy0) / hz - (processCPUSeconds() - own0)
        return Timing(seconds: seconds, otherCores: seconds > 0 ? max(other, 0) / seconds : 0)
    }
}

private func busyJiffies() -> (busy: Int, total: Int) {
    guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
          let line = text.split(separator: "\n").first
    else { return (0, 0) }
    let values = line.split(separator: " ").dropFirst().prefix(8).compactMap { Int($0) }
    guard values.count == 8 else { return (0, 0) }
    let idle = values[3] + values[4]
    let total = values.reduce(0, +)
    return (total - idle, total)
}

private func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Repeated timings of one figure: the best, the median and the worst disturbance.
struct Samples {
    var timings: [Timing] = []

    var best: Double { timings.map(\.seconds).min() ?? .nan }
    var median: Double {
        let sorted = timings.map(\.seconds).sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
    var otherCores: Double { timings.map(\.otherCores).max() ?? 0 }
}
