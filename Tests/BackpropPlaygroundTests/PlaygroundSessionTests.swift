import Backprop
import BackpropPlayground
import Foundation
import Testing
import TestSupport

/// The playground's run, without the page: it learns, it explains, it saves.
@Suite struct PlaygroundSessionTests {
    /// XOR from (x₁, x₂) alone needs the hidden layers; the test loss falls.
    @Test func xorIsLearned() throws {
        var settings = PlaygroundSettings()
        settings.data = .xor
        settings.hidden = [8, 8]
        settings.activations = ["tanh", "tanh"]
        settings.optimizer = "adam"
        settings.learningRate = 0.03
        let run = try PlaygroundSession(settings)
        let before = try run.evaluate().test.loss
        try run.step(batches: 1500)
        #expect(run.steps == 1500)
        let after = try run.evaluate()
        #expect(after.test.loss < 0.15 && after.test.loss < before / 3, "test loss \(before) → \(after.test.loss)")
        #expect((after.test.accuracy ?? 0) > 0.95)
    }

    /// The same settings give the same run, step for step.
    @Test func sameSettingsSameRun() throws {
        let a = try PlaygroundSession(PlaygroundSettings()), b = try PlaygroundSession(PlaygroundSettings())
        try a.step(batches: 30)
        try b.step(batches: 30)
        #expect(a.network == b.network)
        var other = PlaygroundSettings()
        other.seed = 2
        let c = try PlaygroundSession(other)
        try c.step(batches: 30)
        #expect(c.network != a.network)
    }

    /// The lecture view's numbers are the library's forward and backward pass for that
    /// example: a^1 is its features, a^L what the network predicts, and the gradients
    /// match finite differences of its cost.
    @Test func explanationIsTheExamplesPass() throws {
        var settings = PlaygroundSettings()
        settings.features = [.x1, .x2, .x1Squared]
        let run = try PlaygroundSession(settings)
        try run.step(batches: 20)
        let index = run.trainCount + 3  // a test point
        let points = try #require(run.examples.points)
        let e = try run.explanation(example: index)
        let x = [points.x1[index], points.x2[index]]
        #expect(e.input == [x[0], x[1], x[0] * x[0]].map { Double(Float($0)) })
        let predicted = try run.network.predict(e.input.map { Float($0) })
        for (p, a) in zip(predicted, e.a[e.a.count - 1]) { #expect(abs(Double(p) - a) < 1e-6) }
        #expect(e.target == (points.labels[index] == 0 ? [1, 0] : [0, 1]))
        // ∂C/∂W against a central difference, for every weight of the first layer.
        let network = e.network
        for j in 0..<network.layers[0].outputSize {
            for i in 0..<network.layers[0].inputSize {
                let w = network.layers[0].weight[j, i], h = 1e-6
                func cost(_ value: Double) throws -> Double {
                    var layers = network.layers
                    var weight = layers[0].weight
                    weight[j, i] = value
                    layers[0] = try Dense(weight: weight, bias: layers[0].bias, activation: layers[0].activation)
                    return try Explanation(network: Network(layers: layers, loss: network.loss), input: e.input, target: e.target).loss
                }
                let numeric = (try cost(w + h) - cost(w - h)) / (2 * h)
                #expect(abs(numeric - e.weightGradients[0][j, i]) < 1e-7, "∂C/∂W^1[\(j), \(i)]")
            }
        }
        #expect(throws: BackpropError.self) { try run.explanation(example: run.examples.count) }
    }

    /// The saved model predicts as the session's network does, and names its features.
    @Test func modelFileRoundTrips() throws {
        let run = try PlaygroundSession(PlaygroundSettings())
        try run.step(batches: 50)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("playground-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ModelFile.write(try run.model(), to: path)
        let saved: Model<Float> = try ModelFile.read(from: path)
        #expect(saved.encoding.featureNames == ["x1", "x2"])
        #expect(saved.encoding.labels.classNames == ["inside", "outside"])
        #expect(try saved.predict(run.examples.test.inputs) == (try run.network.predict(run.examples.test.inputs)))
    }

    /// The plane views: one value per grid point, the output equal to the network's.
    @Test func planeViewsAreTheNetworksOutputs() throws {
        var settings = PlaygroundSettings()
        settings.data = .surface
        settings.hidden = [3, 5]
        settings.activations = ["relu", "sigmoid"]
        let run = try PlaygroundSession(settings)
        let views = try run.planeViews(size: 5)
        #expect(views.output.count == 25)
        #expect(views.neurons.map(\.count) == [3, 5] && views.neurons[1][4].count == 25)
        // Grid point (row 0, column 4) is (x₁, x₂) = (6, 6).
        #expect(views.output[4] == (try run.network.predict([6, 6]))[0])
        #expect(views.neurons[0].allSatisfy { $0.allSatisfy { $0 >= 0 } })  // ReLU
    }

    /// The snapshot the page draws from: progress, losses, parameters and heat maps, as JSON.
    @Test func snapshotHoldsWhatThePageDraws() throws {
        let run = try PlaygroundSession(PlaygroundSettings())
        try run.step(batches: 60)  // 250 training points in batches of 10: 25 per epoch
        let snapshot = try run.snapshot(gridSize: 10, neuronGridSize: 4)
        #expect(snapshot.steps == 60 && snapshot.epoch == 2)
        #expect(snapshot.testLoss == (try run.evaluate().test.loss))
        #expect(snapshot.weights.map { $0.count } == [4, 2, 2] && snapshot.weights[0][0].count == 2)
        #expect(snapshot.weights[1] == run.network.layers[1].weight.rowArrays)
        #expect(snapshot.output.count == 100 && snapshot.neurons.map(\.count) == [4, 2] && snapshot.neurons[0][0].count == 16)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(snapshot)) as? [String: Any]
        #expect(json?["testAccuracy"] is Double && (json?["output"] as? [Any])?.count == 100)
        // The server's own writer gives the same object as JSONEncoder.
        var marked = snapshot
        marked.playing = true
        marked.error = "a \"quoted\" reason\n"
        for value in [snapshot, marked] {
            let direct = try JSONSerialization.jsonObject(with: Data(value.json().utf8)) as? NSDictionary
            let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? NSDictionary
            #expect(direct != nil && direct == encoded)
        }
        #expect(throws: BackpropError.self) { try run.snapshot(gridSize: 0) }
    }

    @Test func badSettingsNameTheSetting() throws {
        func message(_ change: (inout PlaygroundSettings) -> Void) -> String {
            var settings = PlaygroundSettings()
            change(&settings)
            do {
                _ = try PlaygroundSession(settings)
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(message { $0.hidden = Array(repeating: 2, count: 11); $0.activations = Array(repeating: "tanh", count: 11) }.contains("hidden"))
        #expect(message { $0.hidden = [65]; $0.activations = ["tanh"] }.contains("1 … 64"))
        #expect(message { $0.activations = ["tanh"] }.contains("activations"))
        #expect(message { $0.activations = ["tanh", "softmax"] }.contains("activations"))
        #expect(message { $0.optimizer = "lbfgs" }.contains("optimizer"))
        #expect(message { $0.learningRate = .nan }.contains("learningRate"))
        #expect(message { $0.trainFraction = 1 }.contains("trainFraction"))
        #expect(message { $0.data = .surface; $0.loss = "cross-entropy" }.contains("loss"))
        #expect(message { $0.features = [] }.contains("features"))
        #expect(message { _ in } == "accepted")
    }

    /// The limits the server serves to the page are the ones `validate` checks: a value at an
    /// included end passes, one at an excluded end or just past an included one is refused.
    @Test func limitsAreTheOnesValidateChecks() throws {
        #expect("\(PlaygroundSettings.learningRateLimit)" == "(0, 10]" && "\(PlaygroundSettings.dropoutLimit)" == "[0, 1)")
        #expect(PlaygroundLimit(atLeast: 0, below: 0.5).contains(0) && !PlaygroundLimit(atLeast: 0, below: 0.5).contains(0.5))
        #expect(!PlaygroundLimit(atLeast: 0, atMost: 1).contains(.nan) && !PlaygroundLimit(above: 0, atMost: .infinity).contains(.infinity))
        let json = String(decoding: try JSONEncoder().encode(PlaygroundLimit(above: 0, atMost: 10)), as: UTF8.self)
        #expect(json.contains("\"exclusiveMinimum\":0") && json.contains("\"maximum\":10"))
        let numbers: [String: WritableKeyPath<PlaygroundSettings, Double>] = [
            "noise": \.noise, "trainFraction": \.trainFraction, "learningRate": \.learningRate, "l2": \.l2, "dropout": \.dropout,
        ]
        for (name, path) in numbers {
            let limit = try #require(PlaygroundSettings.limits[name])
            for (value, included) in [(limit.lowerBound, limit.includesLowerBound), (limit.upperBound, limit.includesUpperBound)] {
                var settings = PlaygroundSettings()
                settings[keyPath: path] = value
                #expect((try? settings.validate()) != nil || !included, "\(name) = \(value)")
                settings[keyPath: path] = included ? value + (value == limit.upperBound ? 1e-9 : -1e-9) : value
                #expect(throws: BackpropError.self, "\(name) = \(settings[keyPath: path])") { try settings.validate() }
            }
        }
        var settings = PlaygroundSettings()
        settings.batchSize = PlaygroundSettings.batchSizeRange.upperBound + 1
        #expect(throws: BackpropError.self) { try settings.validate() }
        #expect(PlaygroundSettings.limits["hidden"] == PlaygroundLimit(PlaygroundSettings.widthRange))
    }

    /// A CSV table with three string classes: read by the library's reader, split by the
    /// settings, standardized, and learned.
    @Test func aTableWithThreeClassesIsLearned() throws {
        var random = SystemRandomNumberGenerator()
        _ = random.next()  // the table below is fixed; only the file name is random
        var lines = ["width,height,colour"]
        let centres: [(String, Double, Double)] = [("red", 0, 0), ("green", 5, 1), ("blue", -2, 6)]
        for i in 0..<90 {
            let (name, x, y) = centres[i % 3]
            lines.append("\(x + sin(Double(i)) * 0.8),\(y + cos(Double(i) * 1.7) * 0.8),\(name)")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("colours-\(UUID().uuidString).csv").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var settings = PlaygroundSettings()
        settings.hidden = [6]
        settings.activations = ["relu"]
        settings.optimizer = "adam"
        settings.learningRate = 0.02
        settings.table = "t"
        let run = try PlaygroundSession(settings, table: PlaygroundTable(path: path, labelColumn: nil))
        #expect(run.examples.encoding.labels.classNames == ["blue", "green", "red"])
        #expect(run.examples.encoding.featureNames == ["width", "height"] && run.examples.points == nil)
        #expect(run.examples.train.count == 45 && run.examples.test.count == 45)
        #expect(run.network.sizes == [2, 6, 3])
        try run.step(batches: 300)
        #expect((try run.evaluate().test.accuracy ?? 0) > 0.9)
        #expect(try run.snapshot().output.isEmpty)
        let model = try run.model()
        #expect(model.encoding.scaler.kind == .standardize && model.encoding.featureNames == ["width", "height"])
        // A file that is not a table names itself and the line.
        try "width,height,colour\n1,2,red\n1,x,blue\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try PlaygroundSession(settings, table: PlaygroundTable(path: path, labelColumn: nil)) } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("line 3")
        }
    }

    /// A saved model continues: its layers replace the settings', training goes on from its
    /// weights, and a model for other features is refused.
    @Test func aSavedModelContinues() throws {
        var settings = PlaygroundSettings()
        settings.hidden = [3]
        settings.activations = ["relu"]
        let first = try PlaygroundSession(settings)
        try first.step(batches: 40)
        let model = try first.model()
        let next = try PlaygroundSession(PlaygroundSettings(), continuing: model)
        #expect(next.settings.hidden == [3] && next.settings.activations == ["relu"])
        #expect(next.network == first.network)
        try next.step(batches: 5)
        #expect(next.network != first.network)
        var other = PlaygroundSettings()
        other.features = [.x1, .x2, .sinX1]
        #expect(throws: BackpropError.self) { try PlaygroundSession(other, continuing: model) }
    }

    /// The lecture's step: w ← w − η ∂C/∂w with this example's gradient, for every parameter.
    @Test func lectureStepIsPlainSGDOnOneExample() throws {
        var settings = PlaygroundSettings()
        settings.optimizer = "adam"
        settings.learningRate = 0.1
        let run = try PlaygroundSession(settings)
        try run.step(batches: 3)
        let before = try run.explanation(example: 42)
        let returned = try run.lectureStep(example: 42)
        #expect(returned.loss == before.loss && run.steps == 4)
        for (l, layer) in run.network.layers.enumerated() {
            for i in layer.weight.elements.indices {
                let expected = Float(before.network.layers[l].weight.elements[i] - 0.1 * before.weightGradients[l].elements[i])
                #expect(layer.weight.elements[i] == expected)
            }
            for j in layer.bias.indices {
                #expect(layer.bias[j] == Float(before.network.layers[l].bias[j] - 0.1 * before.biasGradients[l][j]))
            }
        }
        #expect(try run.explanation(example: 42).loss < before.loss)
        let checks = try run.gradientCheck(example: 42)
        #expect(checks.count == run.network.parameterCount && checks.allSatisfy { $0.relativeError < 1e-6 })
        #expect(throws: BackpropError.self) { try run.lectureStep(example: 500) }
    }
}

/// The playground's bounds on a run: what `PlaygroundBudget` refuses, naming the limit.
@Suite struct PlaygroundBudgetTests {
    @Test func theLargestBuiltInNetworkFits() throws {
        var settings = PlaygroundSettings()
        settings.features = PlanarFeature.allCases
        settings.hidden = Array(repeating: PlaygroundSettings.maximumWidth, count: PlaygroundSettings.maximumHiddenLayers)
        settings.activations = settings.hidden.map { _ in "tanh" }
        settings.count = PlaygroundSettings.maximumCount
        let run = try PlaygroundSession(settings)
        #expect(run.network.parameterCount <= PlaygroundBudget.standard.maximumParameters)
        #expect(run.examples.count * settings.features.count <= PlaygroundBudget.standard.maximumValues)
    }

    @Test func aTableTooWideForTheWeightLimitIsRefused() throws {
        let folder = try TemporaryFolder()
        let path = folder.url.appendingPathComponent("wide.csv").path
        let columns = 1_600
        var text = (0..<columns).map { "c\($0)" }.joined(separator: ",") + ",label\n"
        for i in 0..<6 { text += (0..<columns).map { "\(($0 * i) % 5)" }.joined(separator: ",") + ",\(i % 2)\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var settings = PlaygroundSettings()
        settings.table = "wide"
        settings.hidden = [64]
        settings.activations = ["tanh"]
        // (1,600 + 1) × 64 + (64 + 1) × 2 = 102,594 weights and biases: past 100,000.
        let error = #expect(throws: BackpropError.self) {
            try PlaygroundSession(settings, table: PlaygroundTable(path: path, labelColumn: nil))
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("a network of 102594 weights and biases, expected at most 100000"))
        settings.hidden = [32]
        settings.activations = ["tanh"]
        _ = try PlaygroundSession(settings, table: PlaygroundTable(path: path, labelColumn: nil))
    }

    @Test func oversizedSettingsNameTheirLimit() {
        var settings = PlaygroundSettings()
        settings.count = PlaygroundSettings.maximumCount + 1
        #expect(throws: BackpropError.invalidHyperparameter(name: "count", value: "10001", expected: "4 … 10000")) { try settings.validate() }
        settings = PlaygroundSettings()
        settings.batchSize = PlaygroundSettings.maximumBatchSize + 1
        #expect(throws: BackpropError.invalidHyperparameter(name: "batchSize", value: "1001", expected: "1 … 1000")) { try settings.validate() }
    }
}
