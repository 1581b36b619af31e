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

func backprop(_ arguments: [String]) throws -> CLIResult {
    let process = Process()
    process.executableURL = try binaryURL(named: "backprop")
    process.arguments = arguments
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(
        status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
        error: String(decoding: err, as: UTF8.self))
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
