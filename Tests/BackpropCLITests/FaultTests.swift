import Foundation
import Testing

/// Faults injected for real: signals to real processes.
@Suite(.serialized) struct FaultTests {
    /// A process killed (SIGKILL) at random moments while saving leaves a file that is
    /// always one whole model, the previous or the new one.
    @Test func killWhileSavingNeverLeavesAPartialFile() throws {
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("model.safetensors").path
        var seen = Set<String>()
        for trial in 0..<12 {
            let process = Process()
            process.executableURL = try binaryURL(named: "SaveStress")
            process.arguments = [path]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            _ = output.fileHandleForReading.availableData  // "ready": the first save is done
            usleep(useconds_t(2_000 + (trial * 7_919) % 40_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            let summary = try backprop("summary", path)
            #expect(summary.status == 0, "trial \(trial): \(summary.error)")
            // The two models differ in their first weights: note which one the file holds.
            let walk = try backprop("explain", "--model", path, "--json", "--input", Array(repeating: "0.1", count: 100).joined(separator: ","), "--target", "3")
            #expect(walk.status == 0, "trial \(trial): \(walk.error)")
            if let loss = try? jsonObject(walk.output)["loss"] as? Double { seen.insert("\(loss)") }
        }
        #expect(!seen.isEmpty && seen.count <= 2)
    }

    /// Ctrl-C during training: the current batch finishes, a checkpoint is written, the
    /// process exits with 130, and resuming ends exactly where an uninterrupted run does.
    @Test func interruptCheckpointsAndResumeMatchesAnUninterruptedRun() throws {
        let folder = try temporaryFolder()
        let data = folder.appendingPathComponent("data.csv").path
        var csv = (0..<20).map { "x\($0)" }.joined(separator: ",") + ",label\n"
        var random = SplitMix(seed: 1)
        for i in 0..<4000 {
            csv += (0..<20).map { j in String(format: "%.3f", random.normal() + (j % 3 == 0 ? Double(i % 3) : 0)) }.joined(separator: ",")
            csv += ",\(["a", "b", "c"][i % 3])\n"
        }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: data))
        let flags = ["--hidden", "32", "--epochs", "12", "--dropout", "0.1", "--seed", "2"]
        let full = folder.appendingPathComponent("full.safetensors").path
        #expect(try backprop(["train", data] + flags + ["--output", full]).status == 0)

        let process = Process()
        process.executableURL = try binaryURL(named: "backprop")
        process.arguments = ["train", data] + flags + ["--checkpoint-dir", folder.path]
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        var printed = ""
        while !printed.contains("epoch 1/") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            printed += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let message = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 130, "\(message)")
        let checkpoint = try #require(
            message.components(separatedBy: "--resume ").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(FileManager.default.fileExists(atPath: checkpoint))

        let resumed = folder.appendingPathComponent("resumed.safetensors").path
        let rest = try backprop("train", data, "--resume", checkpoint, "--output", resumed)
        #expect(rest.status == 0, "\(rest.error)")
        let a = try backprop("predict", full, data, "--probabilities").output
        let b = try backprop("predict", resumed, data, "--probabilities").output
        #expect(!a.isEmpty && a == b)
    }

    @Test func checkpointEveryNEpochsResumesExactly() throws {
        let folder = try temporaryFolder()
        let flags = ["--epochs", "6", "--dropout", "0.2", "--validation-split", "0.2", "--seed", "4", "--optimizer", "sgd", "--momentum", "0.9"]
        let full = folder.appendingPathComponent("full.safetensors").path
        #expect(try backprop(["train", iris] + flags + ["--output", full]).status == 0)
        let run = try backprop(["train", iris] + flags + ["--checkpoint-every", "2", "--checkpoint-dir", folder.path, "--json"])
        #expect(run.status == 0, "\(run.error)")
        let checkpoints = try jsonLines(run.output).compactMap { $0["checkpoint"] as? String }
        #expect(checkpoints.map { URL(fileURLWithPath: $0).lastPathComponent }
            == ["checkpoint-epoch-2.safetensors", "checkpoint-epoch-4.safetensors"])
        let resumed = folder.appendingPathComponent("resumed.safetensors").path
        #expect(try backprop("train", iris, "--resume", checkpoints[0], "--output", resumed).status == 0)
        #expect(try backprop("predict", full, iris, "--probabilities").output == backprop("predict", resumed, iris, "--probabilities").output)
        // A checkpoint is a model file too.
        #expect(try backprop("evaluate", checkpoints[1], iris).status == 0)
    }
}

/// A tiny seeded generator for test data (the tests do not import Backprop's).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
    mutating func normal() -> Double { (-2 * log(1 - uniform())).squareRoot() * cos(2 * .pi * uniform()) }
}
