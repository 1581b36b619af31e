import Backprop
import Foundation

extension PlaygroundSession {
    /// The built-in data's examples as a CSV table that `backprop evaluate --model` reads
    /// with the downloaded model: one column per feature (named as the model names them),
    /// then `label` (the class name, or the value). Nil for a table (its file is the data).
    public func examplesCSV() -> String? {
        guard let points = examples.points else { return nil }
        func field(_ text: String) -> String {
            text.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var lines = [(examples.encoding.featureNames + [(examples.encoding.labelName ?? "label")]).map(field).joined(separator: ",")]
        lines.reserveCapacity(points.count + 1)
        for i in 0..<points.count {
            let features = settings.features.map { "\($0.value(points.x1[i], points.x2[i]))" }
            let label = examples.encoding.labels.task == .classification ? examples.encoding.labels.classNames[Int(points.labels[i])] : "\(points.labels[i])"
            lines.append((features + [field(label)]).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
