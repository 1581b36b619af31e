import Foundation
import Testing

/// The result of one run of the `backprop` binary.
struct CLIResult {
    var status: Int32
    var output: String
    var error: String
}

/// Runs the `backprop` binary built beside this test bundle.
func backprop(_ arguments: String...) throws -> CLIResult {
    try backprop(arguments)
}

/// Runs `backprop` (or another program built beside the tests) with `arguments` and extra
/// `environment` variables. Standard output and standard error are read at the same time (a
/// child that fills one pipe while we wait on the other would deadlock), and a run that
/// outlasts `timeLimit` seconds is killed and recorded as a failure.
func backprop(
    _ arguments: [String], environment: [String: String] = [:], program: String = "backprop", timeLimit: Double = 300,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> CLIResult {
    let process = Process()
    process.executableURL = try binaryURL(named: program)
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let errorData = ErrorCollector()
    let reader = Thread { errorData.store(error.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    let deadline = DispatchWorkItem { if process.isRunning { process.terminate(); kill(process.processIdentifier, SIGKILL) } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeLimit, execute: deadline)
    let out = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    deadline.cancel()
    let err = errorData.wait()
    if process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL {
        Issue.record("\(program) \(arguments.joined(separator: " ")) ran past \(timeLimit) s", sourceLocation: sourceLocation)
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
