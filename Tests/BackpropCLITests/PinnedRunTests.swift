import Backprop
import Foundation
import Testing
import TestSupport

/// Pins what a fixed-seed command-line run produces — validation split, scaling, Adam with
/// a schedule and early stopping, then `predict --probabilities` — by a hash of the
/// predictions' text, so that moving the CLI's logic into the library changes nothing.
/// Kept per OpenBLAS core (see PinnedWeightsTests); skipped with the reason on another core.
@Suite struct PinnedRunTests {
    static let pins: [String: UInt64] = [
        "Zen": 0xb540_9b12_e94c_c857, "Haswell": 0xb540_9b12_e94c_c857,
        "Cooperlake": 0x19d1_5303_c4b9_b449,
    ]

    /// The core this process's OpenBLAS runs, as the `backprop` child started with the same
    /// environment does.
    static var core: String {
        let description = blasDescription()
        guard let start = description.range(of: "core: ")?.upperBound else { return "?" }
        return String(description[start...].prefix { $0.isLetter || $0.isNumber })
    }

    @Test(.enabled(if: pins[core] != nil, "no pinned hash for OpenBLAS core \(core)"))
    func fixedSeedRunGivesThePinnedPredictions() throws {
        let folder = try temporaryFolder()
        let model = folder.appendingPathComponent("pinned.safetensors").path
        let train = try backprop(
            "train", iris, "--validation-split", "0.2", "--hidden", "12,8", "--epochs", "12", "--batch-size", "16",
            "--optimizer", "adam", "--learning-rate", "0.02", "--schedule", "cosine", "--early-stopping", "3",
            "--dropout", "0.1", "--seed", "5", "--output", model)
        #expect(train.status == 0, "\(train.error)")
        let predict = try backprop("predict", model, iris, "--probabilities")
        #expect(predict.status == 0, "\(predict.error)")
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in predict.output.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        #expect(h == Self.pins[Self.core], "core \(Self.core): 0x\(String(h, radix: 16))")
    }
}
