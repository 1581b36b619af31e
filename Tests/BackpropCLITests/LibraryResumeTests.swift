import Backprop
import Foundation
import Testing
import TestSupport

/// The library alone (no command line) trains with validation and early stopping, saves a
/// checkpoint mid-epoch, and a fresh process resumes it to the same parameters, bit for bit,
/// as an uninterrupted run (the program is Tests/LibraryRun).
@Suite struct LibraryResumeTests {
    func run(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = try binaryURL(named: "library-run")
        process.arguments = arguments
        let error = Pipe()
        process.standardError = error
        try process.run()
        let message = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(String(decoding: message, as: UTF8.self))")
    }

    @Test(arguments: [5, 23, 41])
    func resumedInAFreshProcessEqualsAnUninterruptedRun(steps: Int) throws {
        let folder = try temporaryFolder()
        let whole = folder.appendingPathComponent("whole.safetensors").path
        let checkpoint = folder.appendingPathComponent("paused.safetensors").path
        let resumed = folder.appendingPathComponent("resumed.safetensors").path
        try run("whole", iris, whole)
        try run("pause", iris, checkpoint, "\(steps)")
        try run("resume", iris, checkpoint, resumed)
        let a: Model<Float> = try ModelFile.read(from: whole)
        let b: Model<Float> = try ModelFile.read(from: resumed)
        let paused: Checkpoint<Float> = try CheckpointFile.read(from: checkpoint)
        #expect(paused.state.epoch > 1 || steps < 8)  // 120 training examples: 8 batches per epoch
        #expect(a.network == b.network)
        let history = try #require(b.training?.history)
        #expect(history.stoppedEarly && history.epochs.count < 40, "\(history.epochs.count) epochs")
        #expect(history.epochs.allSatisfy { $0.validationLoss != nil })
        #expect(history.epochs.map(\.validationLoss) == a.training?.history.epochs.map(\.validationLoss))
        #expect(a.network != paused.model.network)
    }
}
