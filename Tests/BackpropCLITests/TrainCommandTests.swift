import Foundation
import Testing
import TestSupport

/// Iris (Fisher, 1936; as shipped by scikit-learn): 150 flowers, 4 measurements, string labels.
let iris: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/iris.csv").path
}()

/// A fresh folder for one test, removed when the test returns.
func temporaryFolder() throws -> TemporaryFolder {
    try TemporaryFolder("backprop-cli")
}

func jsonLines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").filter { $0.hasPrefix("{") }.map { try jsonObject(String($0)) }
}

@Suite struct TrainCommandTests {
    /// Train on Iris with string labels, then evaluate and predict with the saved model.
    @Test func irisEndToEnd() throws {
        let folder = try temporaryFolder()
        let model = folder.appendingPathComponent("iris.safetensors").path
        let train = try backprop(
            "train", iris, "--validation-split", "0.2", "--hidden", "16", "--epochs", "150", "--learning-rate", "0.01",
            "--seed", "3", "--json", "--output", model, "--plot", folder.appendingPathComponent("curves.svg").path)
        #expect(train.status == 0, "\(train.error)")
        let lines = try jsonLines(train.output)
        let epochs = lines.filter { $0["epoch"] != nil }
        #expect(epochs.count >= 10)
        for key in ["epoch", "train_loss", "train_accuracy", "validation_loss", "validation_accuracy"] {
            #expect(epochs.first?[key] != nil, "missing \(key)")
        }
        let final = try #require(lines.last)
        #expect(final["final"] as? Bool == true && final["seconds"] is Double)
        let svg = try String(contentsOfFile: folder.appendingPathComponent("curves.svg").path, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("polyline"))

        let evaluation = try backprop("evaluate", model, iris, "--json")
        #expect(evaluation.status == 0, "\(evaluation.error)")
        let report = try jsonObject(evaluation.output)
        #expect(report["examples"] as? Int == 150)
        #expect((report["accuracy"] as? Double ?? 0) > 0.9)
        #expect(report["classes"] as? [String] == ["setosa", "versicolor", "virginica"])
        let matrix = try #require(report["confusion_matrix"] as? [[Int]])
        #expect(matrix.map { $0.reduce(0, +) } == [50, 50, 50])

        let prediction = try backprop("predict", model, iris, "--probabilities")
        #expect(prediction.status == 0, "\(prediction.error)")
        let rows = prediction.output.split(separator: "\n")
        #expect(rows.count == 151)
        #expect(rows[0] == "prediction,probability_setosa,probability_versicolor,probability_virginica")
        #expect(rows[1].hasPrefix("setosa,"))
        let probabilities = rows[1].split(separator: ",").dropFirst().compactMap { Double($0) }
        #expect(abs(probabilities.reduce(0, +) - 1) < 1e-5)

        let summary = try backprop("summary", model)
        #expect(summary.status == 0 && summary.output.contains("setosa") && summary.output.contains("16×4"))

        // The saved network's gradients check out, and explain walks through it.
        let check = try backprop("gradcheck", "--model", model)
        #expect(check.status == 0 && check.output.contains("PASSED"), "\(check.output)\(check.error)")
        let walk = try backprop("explain", "--model", model, "--json")
        #expect(walk.status == 0)
        let activations = try jsonObject(walk.output)["a"] as? [[Double]]
        #expect(activations?.count == 3)
    }

    @Test func regressionReportsMSEAndR2() throws {
        let folder = try temporaryFolder()
        var csv = "a,b,target\n"
        var random = SplitMix(seed: 7)  // seeded: the same data on every run
        for _ in 0..<120 {
            let a = Double.random(in: -1...1, using: &random), b = Double.random(in: -1...1, using: &random)
            csv += "\(a),\(b),\(3 * a - 2 * b)\n"
        }
        let data = folder.appendingPathComponent("reg.csv").path
        try Data(csv.utf8).write(to: URL(fileURLWithPath: data))
        let model = folder.appendingPathComponent("reg.safetensors").path
        let train = try backprop("train", data, "--test", data, "--epochs", "100", "--json", "--output", model)
        #expect(train.status == 0, "\(train.error)")
        let final = try #require(try jsonLines(train.output).last)
        #expect((final["test_r2"] as? Double ?? 0) > 0.95)
        #expect(final["test_mse"] is Double)
        let evaluation = try jsonObject(try backprop("evaluate", model, data, "--json").output)
        for key in ["examples", "mse", "mae", "r2"] { #expect(evaluation[key] != nil, "missing \(key)") }
    }

    @Test(arguments: [
        (["--learning-rate", "-1"], "--learning-rate"),
        (["--batch-size", "0"], "--batch-size"),
        (["--epochs", "0"], "--epochs"),
        (["--dropout", "1"], "--dropout"),
        (["--hidden", "4,0"], "--hidden"),
        (["--activation", "swish"], "--activation"),
        (["--optimizer", "lbfgs"], "--optimizer"),
        (["--validation-split", "1.5"], "--validation-split"),
        (["--momentum", "0.9", "--nesterov", "--optimizer", "adam"], "--nesterov"),
        (["--label", "nope"], "no column 'nope'"),
        (["--task", "regression"], "not a finite number"),
    ])
    func badFlagsNameTheFlag(_ flags: [String], _ expected: String) throws {
        let result = try backprop(["train", iris] + flags)
        #expect(result.status != 0 && result.status < 128)
        #expect(result.error.contains(expected), "\(result.error)")
    }

    /// An engine setting that means nothing is warned about, and the run goes on with the
    /// automatic engine; a valid one trains without a word.
    @Test func unknownEngineSettingIsAWarning() throws {
        let unknown = try backprop(["train", iris, "--epochs", "2"], environment: ["BACKPROP_GEMM": "mkl"])
        #expect(unknown.status == 0, "\(unknown.error)")
        #expect(unknown.error.hasPrefix("warning: BACKPROP_GEMM=mkl is not an engine"), "\(unknown.error)")
        let valid = try backprop(["train", iris, "--epochs", "2"], environment: ["BACKPROP_GEMM": "builtin"])
        #expect(valid.status == 0 && !valid.error.contains("warning"), "\(valid.error)")
    }

    @Test func missingAndMalformedFiles() throws {
        let folder = try temporaryFolder()
        let missing = try backprop("train", folder.appendingPathComponent("none.csv").path)
        #expect(missing.status == 1 && missing.error.contains("none.csv"))
        let bad = folder.appendingPathComponent("bad.csv").path
        try Data("a,b,label\n1,2,x\n3,oops,y\n".utf8).write(to: URL(fileURLWithPath: bad))
        let result = try backprop("train", bad)
        #expect(result.status == 1)
        #expect(result.error.contains("line 3, column 2 ('b')"), "\(result.error)")
        let notModel = try backprop("evaluate", bad, iris)
        #expect(notModel.status == 1 && notModel.error.contains(bad))
    }
}
