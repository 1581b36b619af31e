import ArgumentParser
import Backprop

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Describe a saved model: layers, shapes, activations, parameters and training."
    )

    @Argument(help: "A model file written by `backprop train --output`.")
    var model: String

    func run() throws {
        let trained: Model<Float> = try ModelFile.read(from: model)
        let net = trained.network
        print("Model \(model)")
        print("task: \(trained.encoding.labels.task.rawValue)" + (trained.encoding.labels.classNames.isEmpty ? "" : ", classes: \(trained.encoding.labels.classNames.joined(separator: ", "))"))
        print("input: \(net.inputSize) \(trained.encoding.input == .images ? "pixels" : "features"), scaling: \(trained.encoding.scaler.kind.rawValue)")
        print("loss: \(net.loss.name)\n")
        print(pad("layer", 8) + pad("weight", 14) + pad("activation", 14) + pad("dropout", 10) + "parameters")
        for (i, layer) in net.layers.enumerated() {
            print(
                pad("\(i + 1)", 8) + pad("\(layer.outputSize)×\(layer.inputSize)", 14) + pad(layer.activation.description, 14)
                    + pad(layer.dropout == 0 ? "-" : "\(layer.dropout)", 10) + "\(layer.parameterCount)")
        }
        print("total parameters: \(net.parameterCount)")
        if let training = trained.training {
            print("\ntraining")
            for key in training.settings.keys.sorted() { print("  \(key): \(training.settings[key] ?? "")") }
            if let last = training.history.epochs.last {
                print("  epochs run: \(training.history.epochs.count)" + (training.history.stoppedEarly ? " (stopped early, kept epoch \(training.history.bestEpoch ?? last.epoch))" : ""))
                print("  final training loss: \(fixed(last.trainLoss, 4))" + (last.validationLoss.map { ", validation loss: \(fixed($0, 4))" } ?? ""))
            }
        }
    }
}
