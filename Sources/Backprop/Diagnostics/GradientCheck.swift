/// Compares backpropagation's gradients with finite differences of the cost.
///
/// Each parameter w is nudged by ±h and ±2h and the derivative estimated by the
/// five-point central difference
///
///     ∂C/∂w ≈ [C(w − 2h) − 8 C(w − h) + 8 C(w + h) − C(w + 2h)] / (12 h),
///
/// whose error is O(h⁴) instead of the two-point formula's O(h²). That allows a larger
/// h, so rounding in C costs less, and the estimate is good to about 1e-11 in Double.
///
/// ReLU and leaky ReLU have a kink at z = 0, where C has two one-sided derivatives and
/// backpropagation returns one of them (g′(0) = 0 for ReLU, as in PyTorch). A parameter
/// within 2h of a kink spoils the central estimate, so the error reported for each
/// parameter is the smallest of its errors against the central estimate and the two
/// second-order one-sided estimates, [−3C(w) + 4C(w + h) − C(w + 2h)] / (2h) and its mirror
/// image. Where C is smooth the three agree, so a wrong gradient cannot hide behind them.
public struct GradientCheck: Sendable {
    /// The comparison for one layer's W^l and b^l.
    public struct LayerResult: Equatable, Sendable {
        /// l, the lecture's index of W^l (1 for the first layer).
        public var layer: Int
        /// The largest relative error over the entries of ∂C/∂W^l.
        public var weightError: Double
        /// The largest relative error over the entries of ∂C/∂b^l.
        public var biasError: Double
        /// The largest of the two.
        public var maximumError: Double { Swift.max(weightError, biasError) }
    }

    /// h.
    public var step: Double
    /// Gradients smaller than this count as zero when dividing: the relative error
    /// |g − n| / max(|g|, |n|, floor) would otherwise measure rounding noise.
    public var floor: Double

    /// A check with step h = `step` and the given floor for the relative error.
    public init(step: Double = 1e-4, floor: Double = 1e-5) {
        self.step = step
        self.floor = floor
    }

    /// Relative error |g − n| / max(|g|, |n|, floor).
    public func relativeError(_ g: Double, _ n: Double) -> Double {
        abs(g - n) / Swift.max(abs(g), abs(n), floor)
    }

    /// Checks every weight and bias of `network` on the mini-batch `batch`, in Double.
    /// - Throws: `BackpropError` if the batch does not fit the network.
    public func run<S: Scalar>(_ network: Network<S>, on batch: Dataset<S>) throws -> [LayerResult] {
        let network = network.converted(to: Double.self)
        let data = try Dataset<Double>(inputs: batch.inputs.converted(), targets: batch.targets.converted())
        return try compare(network.gradients(for: data).gradients, for: network, on: data)
    }

    /// Compares the given gradients (normally backpropagation's) with finite differences
    /// of `network`'s cost on `data`, layer by layer.
    /// - Throws: `BackpropError` if the data or the gradients do not fit the network.
    public func compare(
        _ analytic: Gradients<Double>, for network: Network<Double>, on data: Dataset<Double>
    ) throws -> [LayerResult] {
        let parameters = try compareEach(analytic, for: network, on: data)
        return network.layers.indices.map { l in
            func largest(_ weights: Bool) -> Double {
                parameters.lazy.filter { $0.layer == l + 1 && ($0.column != nil) == weights }.map(\.relativeError).max() ?? 0
            }
            return LayerResult(layer: l + 1, weightError: largest(true), biasError: largest(false))
        }
    }

    /// Every weight's and bias's derivative ∂C/∂w on `batch` by backpropagation and by
    /// finite differences, in Double, in the order W^1 (row by row), b^1, W^2, …
    ///
    /// Each comparison costs five evaluations of the cost, so checking all P parameters costs
    /// about 5P forward passes; `limit` bounds that: with more parameters than `limit`, only
    /// every k-th of them (k = ⌈P / limit⌉, counted in the order above) is compared.
    /// - Throws: `BackpropError` if the batch does not fit the network.
    public func parameterResults<S: Scalar>(_ network: Network<S>, on batch: Dataset<S>, atMost limit: Int? = nil) throws -> [ParameterResult] {
        let network = network.converted(to: Double.self)
        let data = try Dataset<Double>(inputs: batch.inputs.converted(), targets: batch.targets.converted())
        let every = limit.map { max(1, (network.parameterCount + max(1, $0) - 1) / max(1, $0)) } ?? 1
        return try compareEach(network.gradients(for: data).gradients, for: network, on: data, every: every)
    }

    /// One parameter's comparison.
    public struct ParameterResult: Equatable, Sendable, Encodable {
        /// l, the lecture's index of W^l or b^l.
        public var layer: Int
        /// j: the row of W^l (the neuron of layer l + 1), or the entry of b^l.
        public var row: Int
        /// k: the column of W^l (the neuron of layer l); nil for a bias.
        public var column: Int?
        /// ∂C/∂w as backpropagation gives it.
        public var backpropagation: Double
        /// The five-point central difference.
        public var finiteDifference: Double
        /// The relative error described above (the least of the three estimates').
        public var relativeError: Double
    }

    /// Each parameter's analytic derivative against the estimates described above; with
    /// `every` k > 1, only parameters 0, k, 2k, … in the order W^1, b^1, W^2, …
    func compareEach(
        _ analytic: Gradients<Double>, for network: Network<Double>, on data: Dataset<Double>, every: Int = 1
    ) throws -> [ParameterResult] {
        try data.validate(for: network)
        guard analytic.weight.map(\.elements.count) == network.layers.map(\.weight.elements.count),
              analytic.bias.map(\.count) == network.layers.map(\.bias.count)
        else {
            throw BackpropError.shapeMismatch(
                what: "gradients", expected: "one per parameter of the network", got: "other shapes")
        }
        var probe = network
        func cost() -> Double {
            // Inputs were validated above, so evaluation cannot fail.
            (try? probe.loss(on: data)) ?? .nan
        }
        // Sets one parameter to w + offset for each offset, then back to exactly w; returns
        // the central estimate and the error of g against the best of the three estimates.
        func estimate(_ g: Double, at w: Double, _ set: (inout Network<Double>, Double) -> Void) -> (Double, Double) {
            let h = step
            var c: [Double] = []
            for offset in [-2 * h, -h, 0, h, 2 * h] {
                set(&probe, w + offset)
                c.append(cost())
            }
            set(&probe, w)
            let central = (c[0] - 8 * c[1] + 8 * c[3] - c[4]) / (12 * h)
            let left = (3 * c[2] - 4 * c[1] + c[0]) / (2 * h)
            let right = (-3 * c[2] + 4 * c[3] - c[4]) / (2 * h)
            return (central, [central, left, right].map { relativeError(g, $0) }.min() ?? .nan)
        }
        var results: [ParameterResult] = []
        var counted = 0
        // Whether the next parameter in order is one of those compared.
        func chosen() -> Bool {
            defer { counted += 1 }
            return counted % every == 0
        }
        for l in network.layers.indices {
            let columns = network.layers[l].inputSize
            for i in network.layers[l].weight.elements.indices where chosen() {
                let g = analytic.weight[l].elements[i]
                let (n, e) = estimate(g, at: network.layers[l].weight.elements[i]) { $0.layers[l].setWeight(i, to: $1) }
                results.append(ParameterResult(
                    layer: l + 1, row: i / columns, column: i % columns, backpropagation: g, finiteDifference: n, relativeError: e))
            }
            for j in network.layers[l].bias.indices where chosen() {
                let g = analytic.bias[l][j]
                let (n, e) = estimate(g, at: network.layers[l].bias[j]) { $0.layers[l].setBias(j, to: $1) }
                results.append(ParameterResult(
                    layer: l + 1, row: j, column: nil, backpropagation: g, finiteDifference: n, relativeError: e))
            }
        }
        return results
    }
}

extension Dense {
    mutating func setWeight(_ index: Int, to value: S) {
        weight.elements[index] = value
    }

    mutating func setBias(_ index: Int, to value: S) {
        bias[index] = value
    }
}

extension Targets {
    /// The same targets in another precision.
    public func converted<Other: Scalar>(to _: Other.Type = Other.self) -> Targets<Other> {
        switch self {
        case .classes(let labels): .classes(labels)
        case .values(let matrix): .values(matrix.converted())
        }
    }
}
