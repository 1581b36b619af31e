import Foundation
import Testing

/// The result of one run of the `backprop` binary.
struct CLIResult {
    var status: Int32
    var output: String
    var error: String
    /// The child's own peak resident memory in KiB (from GNU time), when measured.
    var peakKiB: Int?
}

/// Runs the `backprop` binary built beside this test bundle.
func backprop(_ arguments: String...) throws -> CLIResult {
    try backprop(arguments)
}

/// Runs `backprop` (or another program built beside the tests, or at a path) with
/// `arguments` and extra `environment` variables, killing it after `timeLimit` seconds (a
/// recorded failure).
func backprop(
    _ arguments: [String], environment: [String: String] = [:], program: String = "backprop", timeLimit: Double = 300,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> CLIResult {
    let process = Process()
    process.executableURL = program.hasPrefix("/") ? URL(fileURLWithPath: program) : try binaryURL(named: program)
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    return try run(process, timeLimit: timeLimit, sourceLocation: sourceLocation)
}

/// Runs `backprop arguments` in `folder` under GNU time, which reports this one child's
/// peak resident memory (`getrusage(RUSAGE_CHILDREN)` would give the largest of all
/// children so far, hiding which run cost what).
func measuredBackprop(
    _ arguments: [String], in folder: URL, timeLimit: Double = 60, sourceLocation: SourceLocation = #_sourceLocation
) throws -> CLIResult {
    let time = "/usr/bin/time"
    guard FileManager.default.isExecutableFile(atPath: time) else {
        Issue.record("\(time) is missing (scripts/install-deps.sh installs it)", sourceLocation: sourceLocation)
        return try backprop(arguments, timeLimit: timeLimit, sourceLocation: sourceLocation)
    }
    let report = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-time-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: report) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: time)
    process.arguments = ["-f", "%M", "-o", report.path, try binaryURL(named: "backprop").path] + arguments
    process.currentDirectoryURL = folder
    var result = try run(process, timeLimit: timeLimit, sourceLocation: sourceLocation)
    let lines = (try? String(contentsOf: report, encoding: .utf8))?.split(separator: "\n") ?? []
    result.peakKiB = lines.last.flatMap { Int($0) }
    if lines.contains(where: { $0.contains("terminated by signal") }) {
        Issue.record("backprop \(arguments.joined(separator: " ")): \(lines[0])", sourceLocation: sourceLocation)
    }
    return result
}

/// Runs `process`, reading standard output and standard error at the same time (a child
/// that fills one pipe while we wait on the other would deadlock), and kills it after
/// `timeLimit` seconds, recorded as a failure.
private func run(_ process: Process, timeLimit: Double, sourceLocation: SourceLocation) throws -> CLIResult {
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let errorData = ErrorCollector()
    let reader = Thread { errorData.store(error.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    let deadline = DispatchWorkItem {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        // A wrapper's child (GNU time's) goes first, so that none is left running.
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        for child in children.split(separator: " ").compactMap({ Int32($0) }) { kill(child, SIGKILL) }
        kill(pid, SIGKILL)
    }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeLimit, execute: deadline)
    let out = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    deadline.cancel()
    let err = errorData.wait()
    if process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL {
        let command = ([process.executableURL?.lastPathComponent ?? ""] + (process.arguments ?? [])).joined(separator: " ")
        Issue.record("\(command) ran past \(timeLimit) s", sourceLocation: sourceLocation)
    }
    return CLIResult(
        status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
        error: String(decoding: err, as: UTF8.self))
}

/// Standard error, read to its end on another thread.
final class ErrorCollector: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    func store(_ data: Data) {
        self.data = data
        done.signal()
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

struct MissingBinary: Error, CustomStringConvertible {
    var searched: [String]
    var description: String { "no such binary: \(searched); run `swift build` first" }
}

/// An executable built beside this test bundle (the build products folder).
func binaryURL(named name: String) throws -> URL {
    var candidates: [URL] = []
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    candidates.append(exe.deletingLastPathComponent().appendingPathComponent(name))
    candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
    if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) {
        return found
    }
    throw MissingBinary(searched: candidates.map(\.path))
}

/// Parses one JSON object.
func jsonObject(_ text: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(object as? [String: Any])
}
