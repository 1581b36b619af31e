import ArgumentParser
import Backprop
import BackpropONNX

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a saved model to ONNX, every input step included.",
        discussion: "The graph takes `input` (batch × features, float32), the values as they stand in the data file (pixel bytes 0–255 for IDX images), applies the model's input steps (÷255 for images, then the feature scaling) and gives `output`: class probabilities or predicted values, as `backprop predict --probabilities`."
    )

    @Argument(help: "A model file written by `backprop train --output`.")
    var model: String

    @Option(help: "Write the ONNX model to this file.")
    var onnx: String

    func run() throws {
        try checkWritable(onnx, flag: "--onnx")
        let trained: Model<Float> = try ModelFile.read(from: model)
        try ONNXExport.write(trained, to: onnx)
        print("ONNX model (opset \(ONNXExport.opset)) written to \(onnx)")
    }
}
