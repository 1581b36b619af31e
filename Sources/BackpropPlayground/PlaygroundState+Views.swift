import Backprop

extension PlaygroundState {
    /// The square [−6, 6]² the page draws, sampled at `size` × `size` points (row by row,
    /// x₂ from 6 down to −6, x₁ from −6 to 6), as the features the network reads.
    func gridInputs(size: Int) throws -> Matrix<Float> {
        let step = size > 1 ? 12 / Double(size - 1) : 0
        var elements = [Float]()
        elements.reserveCapacity(size * size * settings.features.count)
        for row in 0..<size {
            let x2 = 6 - Double(row) * step
            for column in 0..<size {
                let x1 = -6 + Double(column) * step
                elements += settings.features.map { Float($0.value(x1, x2)) }
            }
        }
        return try Matrix(rows: size * size, columns: settings.features.count, elements: elements)
    }

    /// What the page draws of the network over the plane, at `size` × `size` points: the
    /// output (the probability of the second class, or the regression value) and every
    /// hidden neuron's activation, by layer and neuron.
    /// Empty for a table: only the built-in data lie in a plane.
    public func planeViews(size: Int) throws -> (output: [Float], neurons: [[[Float]]]) {
        guard examples.points != nil else { return ([], []) }
        let activations = try network.layerActivations(gridInputs(size: size))
        let last = activations[activations.count - 1]
        let output: [Float] = (0..<last.rows).map { r in
            last.columns == 1 ? last[r, 0] : last[r, 1]
        }
        let neurons = activations.dropLast().map { a in
            (0..<a.columns).map { j in (0..<a.rows).map { a[$0, j] } }
        }
        return (output, neurons)
    }
}
