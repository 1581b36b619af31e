import ArgumentParser
import Backprop
import BackpropONNX

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a saved model to ONNX, feature scaling included.",
        discussion: "The graph takes `input` (batch × features, float32) and gives `output`: class probabilities or predicted values, as `backprop predict --probabilities`."
    )

    @Argument(help: "A model file written by `backprop train --output`.")
    var model: String

    @Option(help: "Write the ONNX model to this file.")
    var onnx: String

    func run() throws {
        let trained: Model<Float> = try ModelFile.read(from: model)
        try ONNXExport.write(trained, to: onnx)
        print("ONNX model (opset \(ONNXExport.opset)) written to \(onnx)")
    }
}
