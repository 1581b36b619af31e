import Foundation
import Testing
@testable import Backprop

/// Outputs a^L turned into predictions, the one rule `predict`, `serve` and accuracy share.
@Suite struct PredictionTests {
    let classes = try! LabelEncoding(task: .classification, classNames: ["cat", "dog", "emu"])

    @Test func largestOutputWinsWithEveryProbability() {
        #expect(classes.prediction(fromOutput: [0.2, 0.5, 0.3] as [Float])
            == .classification(index: 1, name: "dog", probabilities: [0.2, 0.5, 0.3]))
        // A tie goes to the first, as accuracy counts it.
        #expect(classes.prediction(fromOutput: [0.4, 0.4, 0.2] as [Double])
            == .classification(index: 0, name: "cat", probabilities: [0.4, 0.4, 0.2]))
    }

    @Test func oneSigmoidOutputIsTheSecondClassProbability() throws {
        let two = try LabelEncoding(task: .classification, classNames: ["no", "yes"])
        #expect(two.prediction(fromOutput: [0.75] as [Double]) == .classification(index: 1, name: "yes", probabilities: [0.25, 0.75]))
        #expect(two.prediction(fromOutput: [0.5] as [Double]) == .classification(index: 0, name: "no", probabilities: [0.5, 0.5]))
    }

    @Test func regressionPredictsTheValues() throws {
        let values = try LabelEncoding(task: .regression)
        #expect(values.prediction(fromOutput: [1.5, -2] as [Float]) == .values([1.5, -2]))
    }

    /// A model's predictions agree with its accuracy: the classes are those `evaluate` counts.
    @Test func modelPredictionsAgreeWithEvaluation() throws {
        let network = try Network<Float>(sizes: [4, 6, 3], activation: .tanh, loss: .crossEntropy, seed: 5)
        let data = try Dataset.random(for: network, count: 50, seed: 6)
        let model = try Model(network: network, labels: classes, scaler: .identity(count: 4))
        let predictions = try model.predictions(data.inputs)
        guard case .classes(let labels) = data.targets else { Issue.record("class targets expected"); return }
        let correct = zip(predictions, labels).filter { prediction, label in
            if case .classification(let index, _, _) = prediction { return index == label }
            return false
        }.count
        #expect(try network.evaluate(on: data).accuracy == Double(correct) / 50)
        for (r, prediction) in predictions.enumerated() {
            guard case .classification(_, _, let p) = prediction else { Issue.record("row \(r): not a class"); continue }
            #expect(p == (try network.predict(data.inputs)).row(r))
        }
    }
}
