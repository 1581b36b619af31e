import Foundation
import Testing
import TestSupport

/// Every path `train` will write is checked before the first epoch: a long run never ends
/// by failing to save.
@Suite struct OutputPathTests {
    @Test(arguments: [
        ["--output", "/nonexistent/dir/m.safetensors"], ["--plot", "/nonexistent/dir/curves.svg"],
        ["--output", "/tmp"], ["--checkpoint-every", "1", "--checkpoint-dir", "/proc/no-such-folder"],
    ])
    func unwritableOutputsAreRejectedBeforeTraining(_ flags: [String]) throws {
        let result = try backprop(["train", iris, "--epochs", "200", "--json"] + flags)
        #expect(result.status == 1, "\(result.error)")
        #expect(!result.output.contains("\"epoch\""), "it trained before failing: \(result.output.prefix(200))")
        let lines = result.error.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(flags[flags.count - 2]) && lines[0].contains(flags[flags.count - 1]),
                "\(result.error)")
    }

    /// A checkpoint folder is created when missing, like `mkdir -p`, before training starts.
    @Test func missingCheckpointFolderIsCreated() throws {
        let scratch = try temporaryFolder()
        let folder = scratch.path("runs/today")
        let result = try backprop("train", iris, "--epochs", "2", "--checkpoint-every", "1", "--checkpoint-dir", folder)
        #expect(result.status == 0, "\(result.error)")
        #expect(FileManager.default.fileExists(atPath: folder + "/checkpoint-epoch-1.safetensors"))
    }
}
