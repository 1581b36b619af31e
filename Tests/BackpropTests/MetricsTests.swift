import Testing
@testable import Backprop

@Suite struct MetricsTests {
    /// 8 examples, 3 classes, worked by hand:
    /// actual    0 0 0 1 1 2 2 2
    /// predicted 0 1 0 1 2 2 2 0
    @Test func classificationWorkedExample() throws {
        let m = try ClassificationMetrics(predicted: [0, 1, 0, 1, 2, 2, 2, 0], actual: [0, 0, 0, 1, 1, 2, 2, 2], classCount: 3)
        #expect(m.confusionMatrix == [[2, 1, 0], [0, 1, 1], [1, 0, 2]])
        #expect(m.accuracy == 5.0 / 8)
        #expect(m.support == [3, 2, 3])
        // precision: class 0 predicted 3 times, 2 right; class 1: 2, 1 right; class 2: 3, 2 right
        expectClose(m.precision, [2.0 / 3, 0.5, 2.0 / 3], "precision")
        expectClose(m.recall, [2.0 / 3, 0.5, 2.0 / 3], "recall")
        expectClose(m.f1, [2.0 / 3, 0.5, 2.0 / 3], "F1")
        expectClose([m.macroF1], [(2.0 / 3 + 0.5 + 2.0 / 3) / 3], "macro F1")
    }

    @Test func classNeverPredictedHasZeroPrecision() throws {
        let m = try ClassificationMetrics(predicted: [0, 0, 0], actual: [0, 1, 1], classCount: 2)
        #expect(m.precision == [1.0 / 3, 0] && m.recall == [1, 0])
        expectClose(m.f1, [0.5, 0], "F1")
    }

    @Test func badInputsAreErrors() {
        #expect(throws: BackpropError.self) { try ClassificationMetrics(predicted: [0], actual: [0, 1], classCount: 2) }
        #expect(throws: BackpropError.labelOutOfRange(row: 1, label: 2, classCount: 2)) {
            try ClassificationMetrics(predicted: [0, 2], actual: [0, 1], classCount: 2)
        }
    }

    /// y = (1, 2, 3, 4), ŷ = (1, 3, 2, 4): residuals 0, −1, 1, 0.
    /// MSE = 2/4 = 0.5, MAE = 0.5, R² = 1 − 2/5 = 0.6 (Σ(y − 2.5)² = 5).
    @Test func regressionWorkedExample() throws {
        let m = try RegressionMetrics(
            predicted: Matrix<Double>([[1, 10], [3, 10], [2, 10], [4, 10]]),
            actual: Matrix<Double>([[1, 10], [2, 10], [3, 10], [4, 10]]))
        #expect(m.mseByOutput == [0.5, 0] && m.maeByOutput == [0.5, 0])
        expectClose(m.r2ByOutput, [0.6, 1], "R² (a constant target predicted exactly scores 1)")
        expectClose([m.mse, m.mae, m.r2], [0.25, 0.25, 0.8], "averages over outputs")
        #expect(throws: BackpropError.self) {
            try RegressionMetrics(predicted: Matrix<Double>([[1]]), actual: Matrix<Double>([[1], [2]]))
        }
    }
}

@Suite struct FeatureScalerTests {
    let data = try! Matrix<Double>([[1, 10, 5], [3, 20, 5], [5, 60, 5]])

    @Test func standardize() throws {
        let s = FeatureScaler.fit(.standardize, to: data)
        // means 3, 30, 5; population standard deviations √(8/3), √(1400/3), 0 → 1
        expectClose(s.shift, [3, 30, 5], "means")
        expectClose(s.scale, [(8.0 / 3).squareRoot(), (1400.0 / 3).squareRoot(), 1], "deviations")
        let x = try s.transform(data)
        expectClose(x.row(0), [-2 / (8.0 / 3).squareRoot(), -20 / (1400.0 / 3).squareRoot(), 0], "row 0")
    }

    @Test func minMax() throws {
        let s = FeatureScaler.fit(.minMax, to: data)
        expectClose(try s.transform(data).elements, [0, 0, 0, 0.5, 0.2, 0, 1, 1, 0], "scaled")
    }

    @Test func noneAndErrors() throws {
        #expect(try FeatureScaler.fit(.none, to: data).transform(data) == data)
        #expect(throws: BackpropError.self) { try FeatureScaler.fit(.minMax, to: data).transform(Matrix<Double>([[1, 2]])) }
        #expect(throws: BackpropError.self) { try FeatureScaler(kind: .standardize, shift: [0], scale: [0]) }
    }
}
