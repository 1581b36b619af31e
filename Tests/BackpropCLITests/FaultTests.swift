import Foundation
import Testing
import TestSupport

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
    @Test(arguments: [SIGINT, SIGTERM])
    func interruptCheckpointsAndResumeMatchesAnUninterruptedRun(_ signal: Int32) throws {
        let folder = try temporaryFolder()
        let data = try makeData(in: folder.url)
        let flags = ["--hidden", "32", "--epochs", "12", "--dropout", "0.1", "--seed", "2"]
        let full = folder.appendingPathComponent("full.safetensors").path
        #expect(try backprop(["train", data] + flags + ["--output", full]).status == 0)

        // The signal arrives at the end of epoch 1, raised by the command itself (no timing).
        let interrupted = try backprop(
            ["train", data] + flags + ["--checkpoint-dir", folder.path],
            environment: ["BACKPROP_RAISE_AT": "epoch-1", "BACKPROP_RAISE_SIGNAL": signal == SIGTERM ? "TERM" : "INT"])
        let message = interrupted.error
        #expect(interrupted.status == 128 + signal, "\(message)")
        #expect(message.contains("checkpoint-epoch-1.safetensors"), "\(message)")
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

    /// SIGKILL during training loses only the work since the last checkpoint: resuming from
    /// it ends where an uninterrupted run does.
    @Test func killDuringTrainingResumesFromTheLastCheckpoint() throws {
        let folder = try temporaryFolder()
        let data = try makeData(in: folder.url)
        let flags = ["--hidden", "32", "--epochs", "12", "--seed", "5"]
        let full = folder.appendingPathComponent("full.safetensors").path
        #expect(try backprop(["train", data] + flags + ["--output", full]).status == 0)

        let (process, _) = try startBackprop(
            ["train", data] + flags + ["--checkpoint-every", "1", "--checkpoint-dir", folder.path], until: "checkpoint written to")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasPrefix("checkpoint-epoch-") && $0.hasSuffix(".safetensors") }.sorted()
        let last = try #require(checkpoints.max { epochNumber($0) < epochNumber($1) })
        let resumed = folder.appendingPathComponent("resumed.safetensors").path
        let rest = try backprop("train", data, "--resume", folder.appendingPathComponent(last).path, "--output", resumed)
        #expect(rest.status == 0, "\(rest.error)")
        #expect(try backprop("predict", full, data, "--probabilities").output == backprop("predict", resumed, data, "--probabilities").output)
    }

    /// Divergence stops training with the epoch, batch and layer, and keeps the last good checkpoint.
    @Test func divergenceNamesWhereAndKeepsTheLastCheckpoint() throws {
        let folder = try temporaryFolder()
        let result = try backprop(
            "train", iris, "--optimizer", "sgd", "--learning-rate", "30", "--epochs", "8", "--checkpoint-every", "1",
            "--checkpoint-dir", folder.path)
        #expect(result.status == 1)
        let message = result.error
        #expect(message.contains("diverged in epoch") && message.contains("batch") && message.contains("(layer"), "\(message)")
        let checkpoint = try #require(message.components(separatedBy: "the last good checkpoint is ").last?
            .trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(try backprop("summary", checkpoint).status == 0)
    }

    /// Whether this machine lets us mount a tmpfs in a private mount namespace (`unshare`).
    static let canMountTmpfs: Bool = {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return false }
        let point = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-probe-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: point) }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        probe.arguments = ["--mount", "--map-root-user", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs '\(point)'"]
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    /// A full disk or a read-only folder makes saving fail with a clear error and leaves the
    /// previous model intact (a real tmpfs, mounted in a private mount namespace). Skipped,
    /// with the reason, where no tmpfs can be mounted.
    @Test(.enabled(if: canMountTmpfs, "cannot mount a tmpfs in a private mount namespace here (unshare --mount)"))
    func fullDiskAndReadOnlyFolderLoseNothing() throws {
        let folder = try temporaryFolder()
        let mountPoint = folder.appendingPathComponent("disk").path
        let original = folder.appendingPathComponent("original.safetensors").path
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let binary = try binaryURL(named: "backprop").path
        let script = """
            set -u
            mount -t tmpfs -o size=64k tmpfs '\(mountPoint)' || exit 90
            '\(binary)' train '\(iris)' --hidden 4 --epochs 1 --output '\(mountPoint)/m.safetensors' >/dev/null || exit 91
            cp '\(mountPoint)/m.safetensors' '\(original)'
            '\(binary)' train '\(iris)' --hidden 4000 --epochs 1 --output '\(mountPoint)/m.safetensors' >/dev/null 2>'\(folder.path)/full.err'
            echo "full=$?"
            cmp -s '\(mountPoint)/m.safetensors' '\(original)' && echo "full-intact"
            ls -a '\(mountPoint)' | grep -c tmp
            mount -o remount,ro '\(mountPoint)' || exit 92
            '\(binary)' train '\(iris)' --hidden 4 --epochs 2 --output '\(mountPoint)/m.safetensors' >/dev/null 2>'\(folder.path)/ro.err'
            echo "readonly=$?"
            cmp -s '\(mountPoint)/m.safetensors' '\(original)' && echo "readonly-intact"
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--mount", "--map-root-user", "sh", "-c", script]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "mount namespace script failed (\(process.terminationStatus)): \(printed)")
        let lines = printed.split(separator: "\n").map(String.init)
        #expect(lines == ["full=1", "full-intact", "0", "readonly=1", "readonly-intact"], "\(printed)")
        let full = try String(contentsOfFile: folder.path + "/full.err", encoding: .utf8)
        let readOnly = try String(contentsOfFile: folder.path + "/ro.err", encoding: .utf8)
        #expect(full.contains("m.safetensors") && full.contains("No space left on device"), "\(full)")
        #expect(readOnly.contains("m.safetensors") && readOnly.contains("Read-only file system"), "\(readOnly)")
        // The full disk was found only at the final save: the trained model was kept in
        // the temporary folder, the error says where, and it is a model that loads.
        let marker = "the trained model is saved in "
        let rescued = try #require(
            full.range(of: marker).map { String(full[$0.upperBound...].prefix { $0 != " " && $0 != "\n" }) }, "\(full)")
        defer { try? FileManager.default.removeItem(atPath: rescued) }
        let summary = try backprop("summary", rescued)
        #expect(summary.status == 0 && summary.output.contains("4000"), "\(summary.output)\(summary.error)")
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

/// Starts `backprop` (or `program`, a path, with `environment` added) and returns once its
/// standard output has shown `marker` (or closed), with the pipe of its standard error.
func startBackprop(
    _ arguments: [String], until marker: String, program: String? = nil, environment: [String: String] = [:]
) throws -> (Process, Pipe) {
    let process = Process()
    process.executableURL = try program.map { URL(fileURLWithPath: $0) } ?? binaryURL(named: "backprop")
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    // The child inherits this thread's signal mask, and the test runner's threads block
    // SIGINT and SIGTERM: a launcher such as mpirun would never see them. Unblock them
    // while the child starts.
    var signals = sigset_t(), previous = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &signals, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    try process.run()
    var printed = ""
    while !printed.contains(marker) {
        let chunk = output.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        printed += String(decoding: chunk, as: UTF8.self)
    }
    return (process, error)
}

/// 4,000 rows of 20 features in 3 classes: training on it takes about a second in debug builds.
func makeData(in folder: URL) throws -> String {
    let data = folder.appendingPathComponent("data.csv").path
    var csv = (0..<20).map { "x\($0)" }.joined(separator: ",") + ",label\n"
    var random = SplitMix(seed: 1)
    for i in 0..<4000 {
        csv += (0..<20).map { j in String(format: "%.3f", random.normal() + (j % 3 == 0 ? Double(i % 3) : 0)) }.joined(separator: ",")
        csv += ",\(["a", "b", "c"][i % 3])\n"
    }
    try Data(csv.utf8).write(to: URL(fileURLWithPath: data))
    return data
}

/// The epoch number in `checkpoint-epoch-E….safetensors`.
func epochNumber(_ name: String) -> Int {
    Int(name.dropFirst("checkpoint-epoch-".count).prefix { $0.isNumber }) ?? 0
}

/// A tiny seeded generator for test data (the tests do not import Backprop's).
struct SplitMix: RandomNumberGenerator {
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
