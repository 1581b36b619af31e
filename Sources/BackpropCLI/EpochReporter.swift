import Backprop
import Foundation

/// Prints training progress: a readable line per epoch, or JSON lines with `--json`.
struct EpochReporter {
    let json: Bool
    let epochs: Int

    func epoch(_ epoch: Int, train: Evaluation, test: Evaluation?, seconds: Double) {
        if json {
            var object: [String: Any] = ["epoch": epoch, "train_loss": train.loss, "seconds": seconds]
            object["train_accuracy"] = train.accuracy
            object["test_loss"] = test?.loss
            object["test_accuracy"] = test?.accuracy
            printJSON(object)
            return
        }
        var line = "epoch \(epoch)/\(epochs)  train loss \(fixed(train.loss, 4))"
        if let accuracy = train.accuracy { line += "  train accuracy \(percent(accuracy))" }
        if let test {
            line += "  test loss \(fixed(test.loss, 4))"
            if let accuracy = test.accuracy { line += "  test accuracy \(percent(accuracy))" }
        }
        line += "  (\(fixed(seconds, 2)) s)"
        print(line)
    }

    func final(seconds: Double, test: Evaluation?) {
        if json {
            var object: [String: Any] = ["final": true, "seconds": seconds, "epochs": epochs]
            object["test_loss"] = test?.loss
            object["test_accuracy"] = test?.accuracy
            printJSON(object)
        } else {
            var line = "trained \(epochs) epoch\(epochs == 1 ? "" : "s") in \(fixed(seconds, 1)) s"
            if let accuracy = test?.accuracy { line += "; test accuracy \(percent(accuracy))" }
            print(line)
        }
    }
}

func printJSON(_ object: [String: Any]) {
    if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
        print(String(decoding: data, as: UTF8.self))
    }
}

func fixed(_ x: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", x)
}

func percent(_ fraction: Double) -> String {
    String(format: "%.2f%%", 100 * fraction)
}
