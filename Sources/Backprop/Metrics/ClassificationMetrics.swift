/// Accuracy, confusion matrix and per-class precision, recall and F1 (scikit-learn's definitions).
public struct ClassificationMetrics: Codable, Equatable, Sendable {
    /// `confusionMatrix[i][j]`: examples of class i predicted as class j.
    public let confusionMatrix: [[Int]]
    /// Correct predictions / examples.
    public let accuracy: Double
    /// Per class c: TP / (TP + FP), 0 when c is never predicted.
    public let precision: [Double]
    /// Per class c: TP / (TP + FN), 0 when c never occurs.
    public let recall: [Double]
    /// Per class: 2PR / (P + R), 0 when P + R = 0.
    public let f1: [Double]
    /// Per class: the number of examples of that class.
    public let support: [Int]

    /// The unweighted mean F1 over classes.
    public var macroF1: Double { f1.isEmpty ? 0 : f1.reduce(0, +) / Double(f1.count) }

    /// - Throws: `BackpropError` if the lists differ in length or hold a class outside 0 ..< classCount.
    public init(predicted: [Int], actual: [Int], classCount: Int) throws {
        guard predicted.count == actual.count else {
            throw BackpropError.shapeMismatch(
                what: "predictions", expected: "\(actual.count) (one per target)", got: "\(predicted.count)")
        }
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for (row, (p, a)) in zip(predicted, actual).enumerated() {
            for label in [p, a] where !(0..<classCount).contains(label) {
                throw BackpropError.labelOutOfRange(row: row, label: label, classCount: classCount)
            }
            matrix[a][p] += 1
        }
        self.init(confusionMatrix: matrix)
    }

    /// The metrics of a confusion matrix (rows: actual classes, columns: predicted).
    init(confusionMatrix matrix: [[Int]]) {
        let classCount = matrix.count
        confusionMatrix = matrix
        let total = matrix.reduce(0) { $0 + $1.reduce(0, +) }
        let correct = (0..<classCount).reduce(0) { $0 + matrix[$1][$1] }
        accuracy = total == 0 ? 0 : Double(correct) / Double(total)
        let support = matrix.map { $0.reduce(0, +) }
        let predictedCounts = (0..<classCount).map { c in matrix.reduce(0) { $0 + $1[c] } }
        let precision = (0..<classCount).map {
            predictedCounts[$0] == 0 ? 0 : Double(matrix[$0][$0]) / Double(predictedCounts[$0])
        }
        let recall = (0..<classCount).map { support[$0] == 0 ? 0 : Double(matrix[$0][$0]) / Double(support[$0]) }
        self.support = support
        self.precision = precision
        self.recall = recall
        f1 = zip(precision, recall).map { p, r in p + r == 0 ? 0 : 2 * p * r / (p + r) }
    }
}
