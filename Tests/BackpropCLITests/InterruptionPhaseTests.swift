import Backprop
import Foundation
import Testing
import TestSupport

/// What SIGINT and SIGTERM do in each phase of `train`, without timing:
/// the command raises the signal itself at a named phase (BACKPROP_RAISE_AT).
@Suite struct InterruptionPhaseTests {
    func train(_ arguments: [String], raising signal: String, at phase: String) throws -> CLIResult {
        try backprop(["train"] + arguments, environment: ["BACKPROP_RAISE_AT": phase, "BACKPROP_RAISE_SIGNAL": signal])
    }

    /// Before training starts: nothing is written, and the exit status says which signal.
    @Test(arguments: [("INT", Int32(130)), ("TERM", 143)])
    func signalWhileLoadingWritesNothing(_ signal: String, _ status: Int32) throws {
        let folder = try temporaryFolder()
        let model = folder.appendingPathComponent("m.safetensors").path
        let result = try train(
            [iris, "--epochs", "3", "--output", model, "--checkpoint-every", "1"], raising: signal, at: "loaded")
        #expect(result.status == status, "\(result.error)")
        #expect(result.error.contains("interrupted: before training started"), "\(result.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    /// After training, while saving: every file is written whole, then the command exits 130/143.
    @Test(arguments: [("INT", Int32(130)), ("TERM", 143)])
    func signalWhileSavingFinishesTheSave(_ signal: String, _ status: Int32) throws {
        let folder = try temporaryFolder()
        let model = folder.appendingPathComponent("m.safetensors").path
        let plot = folder.appendingPathComponent("curves.svg").path
        let result = try train([iris, "--epochs", "3", "--output", model, "--plot", plot], raising: signal, at: "saved")
        #expect(result.status == status, "\(result.error)")
        #expect(result.error.contains(model), "\(result.error)")
        let saved: Model<Float> = try ModelFile.read(from: model)
        #expect(saved.training?.history.epochs.count == 3)
        #expect(try String(contentsOfFile: plot, encoding: .utf8).hasSuffix("</svg>\n"))
    }
}
