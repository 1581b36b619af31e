#if Server
import Foundation

extension ServedModel {
    /// `{"predictions": […]}` for `rows` outputs a^L: for a classifier each is
    /// `{"class": …, "probabilities": {class: p, …}}`, for a regressor a number (or a list, for
    /// several outputs).
    func predictionsJSON(_ outputs: ArraySlice<Float>, rows: Int) -> String {
        let width = outputSize
        var out = "{\"predictions\":["
        out.reserveCapacity(rows * (isClassifier ? 40 + 16 * max(width, 2) : 12 * width) + 20)
        for r in 0..<rows {
            if r > 0 { out += "," }
            let row = outputs[(outputs.startIndex + r * width)..<(outputs.startIndex + (r + 1) * width)]
            switch model.encoding.labels.prediction(fromOutput: row) {
            case .classification(let best, _, let p):
                out += "{\"class\":" + classNamesJSON[best] + ",\"probabilities\":{"
                for k in p.indices {
                    if k > 0 { out += "," }
                    out += classNamesJSON[k] + ":" + jsonNumber(p[k])
                }
                out += "}}"
            case .values(let values) where values.count == 1:
                out += jsonNumber(values[0])
            case .values(let values):
                out += "[" + values.map(jsonNumber).joined(separator: ",") + "]"
            }
        }
        return out + "]}"
    }
}

/// A Float as JSON: its shortest round-trip decimal, or null if it is not finite (JSON has no NaN).
func jsonNumber(_ value: Float) -> String {
    value.isFinite ? "\(value)" : "null"
}
#endif
