import Foundation
import Testing
import TestSupport

#if MPI
/// Data-parallel training over MPI, with real `mpirun` (Open MPI) and two ranks
/// on this machine: equivalence with one process, the command line, a rank that dies or
/// cannot read its data, and a signal to the launcher.
@Suite(.serialized) struct MPITests {
    static let launcher = "/usr/bin/mpirun"
    /// What `mpirun` needs in a container: running as root, more ranks than cores, and no
    /// cross-memory attach between ranks.
    static let settings = [
        "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
        "OMPI_MCA_btl_vader_single_copy_mechanism": "none", "OMPI_MCA_rmaps_base_oversubscribe": "1",
    ]

    /// `settings`, with Open MPI's temporary files (its session files) in `scratch`.
    static func settings(temporariesIn scratch: TemporaryFolder) -> [String: String] {
        settings.merging(["TMPDIR": scratch.path]) { $1 }
    }

    /// Runs `mpirun arguments` with `settings` and `environment`.
    static func mpirun(
        _ arguments: [String], environment: [String: String] = [:], timeLimit: Double = 120,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CLIResult {
        try #require(FileManager.default.isExecutableFile(atPath: launcher), "no mpirun: make deps installs Open MPI")
        let scratch = try TemporaryFolder("backprop-mpirun")
        return try backprop(
            arguments, environment: settings(temporariesIn: scratch).merging(environment) { $1 }, program: launcher,
            timeLimit: timeLimit, sourceLocation: sourceLocation)
    }

    /// The path of a program built beside the tests.
    static func built(_ name: String) throws -> String { try binaryURL(named: name).path }

    /// Two ranks step together beside one process stepping alone, in lockstep: parameters
    /// agree after every step (SGD with momentum and Adam; Float within 1e-5 relative,
    /// Double within 1e-12; uneven last batches, one of them leaving a rank without examples).
    @Test func twoRanksMatchOneProcessAfterEveryStep() throws {
        let result = try Self.mpirun(["-np", "2", try Self.built("mpi-equivalence")])
        #expect(result.status == 0, "\(result.output)\(result.error)")
        let lines = result.output.split(separator: "\n").filter { $0.hasPrefix("ok ") || $0.hasPrefix("FAILED ") }
        #expect(lines.count == 11 && lines.allSatisfy { $0.hasPrefix("ok ") }, "\(result.output)")
        print(result.output)
    }

    /// `mpirun -np 2 backprop train … --distributed` writes a model that scores like the
    /// one a single process trains with the same flags.
    @Test func distributedTrainMatchesOneProcess() throws {
        let folder = try temporaryFolder()
        let flags = ["--hidden", "16", "--epochs", "5", "--batch-size", "16", "--optimizer", "sgd", "--learning-rate", "0.1"]
        let one = folder.appendingPathComponent("one.safetensors").path
        let two = folder.appendingPathComponent("two.safetensors").path
        let single = try backprop(["train", iris, "--output", one] + flags)
        #expect(single.status == 0, "\(single.error)")
        let parallel = try Self.mpirun(["-np", "2", try Self.built("backprop"), "train", iris, "--distributed", "--output", two] + flags)
        #expect(parallel.status == 0, "\(parallel.error)")
        #expect(parallel.output.contains("Data-parallel on 2 processes"), "\(parallel.output)")
        #expect(parallel.output.components(separatedBy: "epoch 5/5").count == 2, "rank 0 alone prints: \(parallel.output)")
        let a = try jsonObject(try backprop("evaluate", one, iris, "--json").output)
        let b = try jsonObject(try backprop("evaluate", two, iris, "--json").output)
        let lossA = try #require(a["loss"] as? Double), lossB = try #require(b["loss"] as? Double)
        #expect(abs(lossA - lossB) <= 1e-4 * lossA, "loss alone \(lossA), on two ranks \(lossB)")
        #expect(a["accuracy"] as? Double == b["accuracy"] as? Double)
    }

    /// A rank killed in training ends the whole job with an error within seconds.
    @Test func aKilledRankEndsTheJob() throws {
        let folder = try temporaryFolder()
        let data = try makeData(in: folder.url)
        let started = Date()
        let result = try Self.mpirun(
            ["-np", "2", try Self.built("backprop"), "train", data, "--distributed", "--epochs", "1000", "--hidden", "8"],
            environment: ["BACKPROP_RAISE_AT": "epoch-1", "BACKPROP_RAISE_SIGNAL": "KILL", "BACKPROP_RAISE_RANK": "1"],
            timeLimit: 60)
        let seconds = Date().timeIntervalSince(started)
        #expect(result.status != 0)
        #expect(result.error.contains("signal 9") || result.error.contains("Killed"), "\(result.error)")
        #expect(seconds < 30, "the job took \(seconds) s to end")
    }

    /// A rank that cannot read its data ends the whole job with its error (mpirun's MPMD
    /// form gives rank 1 a file that does not exist).
    @Test func aRankThatCannotReadItsDataEndsTheJob() throws {
        let backprop = try Self.built("backprop")
        let missing = "/nonexistent/data.csv"
        let result = try Self.mpirun(
            ["-np", "1", backprop, "train", iris, "--distributed", "--epochs", "1000", ":",
             "-np", "1", backprop, "train", missing, "--distributed", "--epochs", "1000"], timeLimit: 60)
        #expect(result.status != 0)
        #expect(result.error.contains(missing) && result.error.contains("rank 1 of 2"), "\(result.error)")
    }

    /// SIGTERM to `mpirun` (which forwards it to every rank) after the first epoch leaves a
    /// checkpoint that every rank agreed on; resumed on two ranks, it ends with the model of
    /// a run never stopped.
    @Test func aSignalToTheLauncherLeavesAConsistentCheckpoint() throws {
        let folder = try temporaryFolder()
        let data = try makeData(in: folder.url)
        let backprop = try Self.built("backprop")
        // 100 epochs: on a fast machine fewer could all end before the signal comes.
        let flags = ["--hidden", "8", "--epochs", "100", "--batch-size", "16", "--seed", "4"]
        let whole = folder.appendingPathComponent("whole.safetensors").path
        let uninterrupted = try Self.mpirun(["-np", "2", backprop, "train", data, "--distributed", "--output", whole] + flags)
        #expect(uninterrupted.status == 0, "\(uninterrupted.error)")
        let runs = folder.appendingPathComponent("runs").path
        let (launcher, error) = try startBackprop(
            ["-np", "2", backprop, "train", data, "--distributed", "--json", "--checkpoint-dir", runs] + flags,
            until: "\"epoch\":1", program: Self.launcher, environment: Self.settings(temporariesIn: folder))
        kill(launcher.processIdentifier, SIGTERM)
        launcher.waitUntilExit()
        let stderr = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(launcher.terminationStatus != 0)
        let checkpoint = try #require(
            try FileManager.default.contentsOfDirectory(atPath: runs).first { $0.hasPrefix("checkpoint-") },
            "no checkpoint: \(stderr)")
        let resumed = folder.appendingPathComponent("resumed.safetensors").path
        let resume = try Self.mpirun(
            ["-np", "2", backprop, "train", data, "--distributed", "--resume", runs + "/" + checkpoint, "--output", resumed])
        #expect(resume.status == 0, "\(resume.error)")
        let a = try Data(contentsOf: URL(fileURLWithPath: whole)), b = try Data(contentsOf: URL(fileURLWithPath: resumed))
        #expect(weights(of: a) == weights(of: b), "the resumed run's parameters differ from the uninterrupted run's")
    }

    /// The tensor bytes of a safetensors file (after its header).
    func weights(of file: Data) -> Data {
        let bytes = [UInt8](file)
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return Data(bytes[(8 + length)...])
    }
}
#else
/// Built without the trait `MPI`, `train --distributed` is a usage error that says why.
@Test func distributedTrainingNeedsMPI() throws {
    let result = try backprop(["train", iris, "--epochs", "1", "--distributed"])
    #expect(result.status == 2, "\(result.output)\(result.error)")
    #expect(result.error.contains("built without it"), "\(result.error)")
}
#endif
