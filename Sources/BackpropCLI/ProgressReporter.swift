import Backprop
import Foundation

/// Prints training progress: a live bar and a line per epoch on a terminal, a plain line per
/// epoch otherwise, or one JSON object per epoch and a final one with `--json`; nothing on
/// the ranks other than 0 of a distributed run.
final class ProgressReporter {
    enum Mode { case terminal, plain, json, silent }

    let mode: Mode
    let epochs: Int
    private let clock = ContinuousClock()
    private var epochStart: ContinuousClock.Instant
    private var lastDraw: ContinuousClock.Instant

    init(mode: Mode, epochs: Int) {
        self.mode = mode
        self.epochs = epochs
        epochStart = clock.now
        lastDraw = clock.now
    }

    func start(_ network: String, examples: Int, validation: Int?) {
        guard mode != .json, mode != .silent else { return }
        var line = "Training a \(network) on \(examples) examples"
        if let validation { line += ", validating on \(validation)" }
        print(line + ", up to \(epochs) epoch\(epochs == 1 ? "" : "s")")
    }

    func report(_ event: TrainingEvent) {
        guard mode != .silent else { return }
        switch event {
        case .batch(let progress):
            if progress.batch == 1 { epochStart = clock.now }
            guard mode == .terminal else { return }
            let now = clock.now
            guard now - lastDraw > .milliseconds(100) || progress.batch == progress.batchCount else { return }
            lastDraw = now
            drawBar(progress, elapsed: (now - epochStart).seconds)
        case .epoch(let record):
            switch mode {
            case .json:
                var object: [String: Any] = [
                    "epoch": record.epoch, "train_loss": record.trainLoss, "learning_rate": record.learningRate,
                    "seconds": record.seconds,
                ]
                object["train_accuracy"] = record.trainAccuracy
                object["validation_loss"] = record.validationLoss
                object["validation_accuracy"] = record.validationAccuracy
                object["test_loss"] = record.testLoss
                object["test_accuracy"] = record.testAccuracy
                printJSON(object)
            case .silent:
                return
            case .terminal, .plain:
                if mode == .terminal { print("\r\u{1B}[K", terminator: "") }
                print(epochLine(record))
            }
        }
        fflush(nil)
    }

    func checkpoint(_ path: String, epoch: Int) {
        guard mode != .silent else { return }
        if mode == .json {
            printJSON(["checkpoint": path, "after_epoch": epoch])
        } else {
            print("checkpoint written to \(path)")
        }
        fflush(nil)
    }

    func finish(_ final: [String: Any], stoppedEarly: Bool, bestEpoch: Int?) {
        guard mode != .silent else { return }
        if mode == .json {
            printJSON(final)
            return
        }
        let seconds = final["seconds"] as? Double ?? 0
        var line = "trained \(final["epochs"] ?? 0) epochs in \(fixed(seconds, 1)) s"
        if stoppedEarly, let bestEpoch { line += "; stopped early, keeping epoch \(bestEpoch)" }
        print(line)
        if let loss = final["test_loss"] as? Double {
            var test = "test: loss \(fixed(loss, 4))"
            if let accuracy = final["test_accuracy"] as? Double { test += ", accuracy \(percent(accuracy))" }
            if let mse = final["test_mse"] as? Double, let r2 = final["test_r2"] as? Double {
                test += ", MSE \(fixed(mse, 4)), R² \(fixed(r2, 4))"
            }
            print(test)
        }
        if let model = final["model"] as? String { print("model written to \(model)") }
    }

    private func epochLine(_ r: EpochRecord) -> String {
        var line = "epoch \(r.epoch)/\(epochs)  loss \(fixed(r.trainLoss, 4))"
        if let accuracy = r.trainAccuracy { line += "  accuracy \(percent(accuracy))" }
        if let loss = r.validationLoss { line += "  val loss \(fixed(loss, 4))" }
        if let accuracy = r.validationAccuracy { line += "  val accuracy \(percent(accuracy))" }
        if let loss = r.testLoss { line += "  test loss \(fixed(loss, 4))" }
        if let accuracy = r.testAccuracy { line += "  test accuracy \(percent(accuracy))" }
        return line + "  (\(fixed(r.seconds, 2)) s)"
    }

    private func drawBar(_ p: BatchProgress, elapsed: Double) {
        let width = 24
        let done = Int(Double(width) * Double(p.batch) / Double(p.batchCount))
        let bar = String(repeating: "█", count: done) + String(repeating: "·", count: width - done)
        let rate = elapsed > 0 ? Double(p.examples) / elapsed : 0
        let left = p.batch > 0 ? elapsed * Double(p.batchCount - p.batch) / Double(p.batch) : 0
        print(
            "\r\u{1B}[Kepoch \(p.epoch)/\(epochs) \(bar) \(p.batch)/\(p.batchCount)  loss \(fixed(p.runningLoss, 4))  "
                + "\(Int(rate)) ex/s  \(fixed(left, 0)) s left", terminator: "")
    }
}
