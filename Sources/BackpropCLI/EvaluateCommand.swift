import ArgumentParser
import Backprop

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Report a saved model's loss and metrics on labelled data.",
        discussion: "Classification: accuracy, per-class precision, recall and F1, and the confusion matrix. Regression: MSE, MAE and R²."
    )

    @Argument(help: "A model file written by `backprop train --output`.")
    var model: String

    @Argument(help: "Labelled data: a CSV file with the model's columns, or an IDX images file.")
    var data: String

    @Option(help: "IDX labels for DATA (default: derived from its name).")
    var labels: String?

    @Option(help: "CSV label column (default: the one the model was trained on).")
    var label: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    @OptionGroup var precision: PrecisionOption

    @OptionGroup var limits: InputLimitOptions

    func run() throws {
        let trained: Model<Float> = try ModelFile.read(from: model, maximumBytes: limits.maxInputBytes)
        let dataset = try trained.dataset(reading: data, options: limits.applied(to: DataFileOptions(labelsPath: labels, labelColumn: label)))
        let precision = precision.precision
        notePrecision(precision, json: json)
        let report = Report(model: trained, evaluation: try trained.evaluate(on: dataset, precision: precision))
        if json {
            var object = report.json
            object["precision"] = precision.rawValue
            object["kernels"] = precision.kernels
            printJSON(object)
        } else {
            print(report.text, terminator: "")
        }
    }
}
