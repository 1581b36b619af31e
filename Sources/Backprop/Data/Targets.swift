/// What the network should output for each example.
public enum Targets<S: Scalar>: Equatable, Sendable {
    /// One class index per example. With C > 1 outputs, class c means the one-hot
    /// vector e_c; with one output (binary classification), class c ∈ {0, 1} means y = c.
    case classes([Int])
    /// One target vector per row (regression targets, or one-hot / soft labels).
    case values(Matrix<S>)

    /// The number of examples.
    public var count: Int {
        switch self {
        case .classes(let labels): labels.count
        case .values(let matrix): matrix.rows
        }
    }

    /// Whether the targets are classes.
    var isClasses: Bool {
        if case .classes = self { return true }
        return false
    }

    /// Checks that these targets fit a network with `outputSize` outputs.
    func validate(outputSize: Int) throws {
        switch self {
        case .classes(let labels):
            let classCount = max(2, outputSize)
            if let row = labels.firstIndex(where: { $0 < 0 || $0 >= classCount }) {
                throw BackpropError.labelOutOfRange(row: row, label: labels[row], classCount: classCount)
            }
        case .values(let matrix):
            guard matrix.columns == outputSize else {
                throw BackpropError.shapeMismatch(
                    what: "targets", expected: "\(outputSize) columns (one per network output)",
                    got: "\(matrix.columns)")
            }
            if let (row, column) = matrix.firstNonFinite() {
                throw BackpropError.nonFinite(what: "targets", row: row, column: column)
            }
        }
    }

    /// Writes the target rows of `indices` into `y`, shape (indices.count × outputSize).
    func gather(_ indices: UnsafeBufferPointer<Int>, into y: UnsafeMutablePointer<S>, outputSize: Int) {
        switch self {
        case .classes(let labels):
            if outputSize == 1 {
                for (r, index) in indices.enumerated() { y[r] = S(labels[index]) }
            } else {
                zeroValues(y, count: indices.count * outputSize)
                for (r, index) in indices.enumerated() { y[r * outputSize + labels[index]] = 1 }
            }
        case .values(let matrix):
            matrix.withPointer { source in
                for (r, index) in indices.enumerated() {
                    copyValues(outputSize, from: source + index * outputSize, to: y + r * outputSize)
                }
            }
        }
    }
}
