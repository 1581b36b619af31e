import ArgumentParser
import Backprop
import Foundation

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict with a saved model: one CSV row per input.",
        discussion: "Columns: `prediction` (the class name, or the value for regression), then with --probabilities one `probability_<class>` column per class."
    )

    @Argument(help: "A model file written by `backprop train --output`.")
    var model: String

    @Argument(help: "Inputs: a CSV file with the model's columns (a label column is ignored), or an IDX images file.")
    var data: String

    @Option(help: "Write the predictions to this file instead of standard output.")
    var output: String?

    @Flag(help: "Add each class's probability.")
    var probabilities = false

    @OptionGroup var precision: PrecisionOption

    @OptionGroup var limits: InputLimitOptions

    func run() throws {
        if let output { try checkWritable(output, flag: "--output") }
        let trained: Model<Float> = try ModelFile.read(from: model, maximumBytes: limits.maxInputBytes)
        let inputs = try trained.examples(reading: data, options: limits.applied(to: DataFileOptions(requiresLabels: false))).features
        var csv = ""
        var header = ["prediction"]
        if probabilities, trained.encoding.labels.task == .classification {
            header += trained.encoding.labels.classNames.map { "probability_\($0)" }
        }
        csv += header.map(quoted).joined(separator: ",") + "\n"
        notePrecision(precision.precision, json: true)
        for prediction in try trained.predictions(inputs, precision: precision.precision) {
            switch prediction {
            case .values(let values):
                csv += values.map { "\($0)" }.joined(separator: ",") + "\n"
            case .classification(_, let name, let p):
                csv += ([quoted(name)] + (probabilities ? p.map { "\($0)" } : [])).joined(separator: ",") + "\n"
            }
        }
        if let output {
            try writeAtomically(Array(csv.utf8), to: output)
        } else {
            print(csv, terminator: "")
        }
    }
}
