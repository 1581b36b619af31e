import Backprop
import Foundation

/// A model's loss and metrics on labelled data as text or JSON, for `evaluate` and `train --test`.
struct Report {
    let model: Model<Float>
    let evaluation: ModelEvaluation

    var examples: Int { evaluation.examples }
    var loss: Double { evaluation.loss }
    var classification: ClassificationMetrics? { evaluation.classification }
    var regression: RegressionMetrics? { evaluation.regression }

    /// The figures as JSON fields, names prefixed (e.g. "test_").
    func fields(prefix: String = "") -> [String: Any] {
        var out: [String: Any] = ["\(prefix)loss": loss, "\(prefix)examples": examples]
        if let c = classification {
            out["\(prefix)accuracy"] = c.accuracy
            out["\(prefix)macro_f1"] = c.macroF1
        }
        if let r = regression {
            out["\(prefix)mse"] = r.mse
            out["\(prefix)mae"] = r.mae
            out["\(prefix)r2"] = r.r2
        }
        return out
    }

    /// Everything, for `evaluate --json`.
    var json: [String: Any] {
        var out = fields()
        if let c = classification {
            out["confusion_matrix"] = c.confusionMatrix
            out["classes"] = model.encoding.labels.classNames
            out["per_class"] = model.encoding.labels.classNames.indices.map { i -> [String: Any] in
                ["class": model.encoding.labels.classNames[i], "precision": c.precision[i], "recall": c.recall[i],
                 "f1": c.f1[i], "support": c.support[i]]
            }
        }
        return out
    }

    var text: String {
        var out = "examples \(examples)\nloss     \(fixed(loss, 4))\n"
        if let c = classification {
            let names = model.encoding.labels.classNames
            out += "accuracy \(percent(c.accuracy))\nmacro F1 \(fixed(c.macroF1, 4))\n\n"
            let width = max(9, (names.map(\.count).max() ?? 0) + 2)
            out += pad("class", width) + pad("precision", 11) + pad("recall", 9) + pad("F1", 9) + "support\n"
            for i in names.indices {
                out += pad(names[i], width) + pad(fixed(c.precision[i], 4), 11) + pad(fixed(c.recall[i], 4), 9)
                    + pad(fixed(c.f1[i], 4), 9) + "\(c.support[i])\n"
            }
            out += "\nconfusion matrix (rows: actual, columns: predicted)\n"
            let cell = max(6, (c.confusionMatrix.flatMap { $0 }.map { "\($0)".count }.max() ?? 0) + 1)
            out += pad("", width) + names.map { right(String($0.prefix(cell - 1)), cell) }.joined() + "\n"
            for (i, row) in c.confusionMatrix.enumerated() {
                out += pad(names[i], width) + row.map { right("\($0)", cell) }.joined() + "\n"
            }
        }
        if let r = regression {
            out += "MSE      \(fixed(r.mse, 6))\nMAE      \(fixed(r.mae, 6))\nR²       \(fixed(r.r2, 6))\n"
        }
        return out
    }
}
