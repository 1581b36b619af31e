/// Examples for training or evaluation: one input per row, with its target.
public struct Dataset<S: Scalar>: Equatable, Sendable {
    /// X, shape (count × inputSize).
    public internal(set) var inputs: Matrix<S>
    /// y, one target per row of `inputs`.
    public internal(set) var targets: Targets<S>

    /// - Throws: `BackpropError` if the row counts differ or an input is NaN or ±∞.
    public init(inputs: Matrix<S>, targets: Targets<S>) throws {
        guard inputs.rows == targets.count else {
            throw BackpropError.shapeMismatch(
                what: "targets", expected: "\(inputs.rows) (one per input row)", got: "\(targets.count)")
        }
        if let (row, column) = inputs.firstNonFinite() {
            throw BackpropError.nonFinite(what: "inputs", row: row, column: column)
        }
        self.inputs = inputs
        self.targets = targets
    }

    /// n, the number of examples (rows of X).
    public var count: Int { inputs.rows }

    /// Checks that this data fits `network`'s input and output sizes.
    func validate(for network: Network<S>) throws {
        guard inputs.columns == network.inputSize else {
            throw BackpropError.shapeMismatch(
                what: "inputs", expected: "\(network.inputSize) columns (the network's input size)",
                got: "\(inputs.columns)")
        }
        try targets.validate(outputSize: network.outputSize)
    }
}
