import Foundation

/// This process's peak resident memory (VmHWM in /proc/self/status), which Linux lets a
/// process reset, so that one workload's peak can be read after others ran.
enum PeakMemory {
    /// Resets the peak to the current resident memory (writes 5 to /proc/self/clear_refs).
    static func reset() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// The peak since the last reset, in MiB (nil where /proc is missing).
    static func megabytes() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kilobytes / 1024
    }
}
