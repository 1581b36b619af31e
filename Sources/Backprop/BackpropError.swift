/// An error in something a user supplied: a shape, a value, a hyperparameter.
public enum BackpropError: Error, Equatable, CustomStringConvertible {
    /// A network that cannot be built, e.g. a zero-width layer.
    case invalidArchitecture(String)
    /// A matrix, vector or list has the wrong size.
    case shapeMismatch(what: String, expected: String, got: String)
    /// NaN or ±∞ where finite numbers are required.
    case nonFinite(what: String, row: Int, column: Int)
    /// A class label outside 0 ..< classCount.
    case labelOutOfRange(row: Int, label: Int, classCount: Int)
    /// A hyperparameter outside its allowed range.
    case invalidHyperparameter(name: String, value: String, expected: String)
    /// Training produced a loss or parameter that is NaN or ±∞.
    case diverged(epoch: Int, batch: Int, what: String)

    public var description: String {
        switch self {
        case .invalidArchitecture(let message):
            return "invalid network: \(message)"
        case .shapeMismatch(let what, let expected, let got):
            return "\(what): expected \(expected), got \(got)"
        case .nonFinite(let what, let row, let column):
            return "\(what): row \(row), column \(column) is not a finite number"
        case .labelOutOfRange(let row, let label, let classCount):
            return "targets: row \(row) has class label \(label), expected 0 ..< \(classCount)"
        case .invalidHyperparameter(let name, let value, let expected):
            return "\(name) is \(value), expected \(expected)"
        case .diverged(let epoch, let batch, let what):
            return "training diverged in epoch \(epoch), batch \(batch): \(what) is not finite; try a smaller learning rate"
        }
    }
}
