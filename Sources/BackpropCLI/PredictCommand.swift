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

    @OptionGroup var limits: InputLimitOptions

    func run() throws {
        if let output { try checkWritable(output, flag: "--output") }
        let trained: Model<Float> = try ModelFile.read(from: model, maximumBytes: limits.maxInputBytes)
        let outputs = try trained.predict(trained.examples(reading: data, options: limits.applied(to: DataFileOptions(requiresLabels: false))).features)
        var csv = ""
        let names = trained.labels.classNames
        let classification = trained.labels.task == .classification
        var header = ["prediction"]
        if probabilities, classification { header += names.map { "probability_\($0)" } }
        csv += header.map(quoted).joined(separator: ",") + "\n"
        for r in 0..<outputs.rows {
            let row = outputs.row(r)
            guard classification else {
                csv += row.map { "\($0)" }.joined(separator: ",") + "\n"
                continue
            }
            let probs = row.count == 1 ? [1 - row[0], row[0]] : row
            let best = probs.indices.max { probs[$0] < probs[$1] } ?? 0
            var cells = [quoted(names[best])]
            if probabilities { cells += probs.map { "\($0)" } }
            csv += cells.joined(separator: ",") + "\n"
        }
        if let output {
            try writeAtomically(Array(csv.utf8), to: output)
        } else {
            print(csv, terminator: "")
        }
    }
}
