import Foundation

/// The two-dimensional datasets of TensorFlow Playground, for watching a network learn a
/// decision boundary (or a surface) in the plane: points p = (x₁, x₂) in [−6, 6]².
///
/// `noise` (0 … 1) works as in TensorFlow Playground: for the circle, XOR and the surface a
/// point keeps its place but takes the label of a place moved by up to `noise` × the data's
/// radius, so labels blur near the boundary; the Gaussian clouds widen (variance 0.5 + 3.5 ×
/// noise) and the spirals' points move by up to `noise` in each coordinate.
public enum PlanarData: String, CaseIterable, Codable, Sendable {
    /// Two classes: a disk of radius 2.5 around the origin ("inside"), and the ring between
    /// radii 3.5 and 5 ("outside").
    case circle
    /// Two classes by the signs of x₁ and x₂: "same signs" where x₁x₂ > 0, else "opposite signs".
    case xor
    /// Two Gaussian clouds centred at (2, 2) and (−2, −2).
    case gaussians
    /// Two interleaved spirals, each turning 1.75 times around the origin.
    case spiral
    /// Regression: y = Σ_k s_k exp(−‖p − c_k‖² / 2), six bumps c_k = (−4 | 0 | 4, ±2.5) of
    /// alternating sign s_k = ±1.
    case surface

    /// Whether the points have classes or values.
    public var task: LearningTask { self == .surface ? .regression : .classification }

    /// The classes' names (empty for the surface).
    public var classNames: [String] {
        switch self {
        case .circle: ["inside", "outside"]
        case .xor: ["same signs", "opposite signs"]
        case .gaussians: ["around (2, 2)", "around (-2, -2)"]
        case .spiral: ["first spiral", "second spiral"]
        case .surface: []
        }
    }

    /// The most points one call makes.
    public static let maximumCount = 1_000_000

    /// `count` points drawn with `noise`, in a random order, the same for the same seed.
    /// - Throws: `BackpropError.invalidHyperparameter` unless 1 ≤ count ≤ `maximumCount`
    ///   and 0 ≤ noise ≤ 1.
    public func points(count: Int, noise: Double = 0, seed: UInt64) throws -> PlanarPoints {
        guard (1...Self.maximumCount).contains(count) else {
            throw BackpropError.invalidHyperparameter(name: "count", value: "\(count)", expected: "1 … \(Self.maximumCount)")
        }
        guard noise.isFinite, (0...1).contains(noise) else {
            throw BackpropError.invalidHyperparameter(name: "noise", value: "\(noise)", expected: "a number in [0, 1]")
        }
        var random = RandomSource(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
        func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * random.uniform() }
        var points = PlanarPoints(data: self)
        points.x1.reserveCapacity(count)
        points.x2.reserveCapacity(count)
        points.labels.reserveCapacity(count)
        for i in 0..<count {
            let (x1, x2, label): (Double, Double, Double)
            switch self {
            case .circle:
                let radius = 5.0, inside = i < count / 2
                let r = inside ? uniform(0, 0.5 * radius) : uniform(0.7 * radius, radius)
                let angle = uniform(0, 2 * .pi)
                (x1, x2) = (r * sin(angle), r * cos(angle))
                let (n1, n2) = (uniform(-radius, radius) * noise, uniform(-radius, radius) * noise)
                label = hypot(x1 + n1, x2 + n2) < 0.5 * radius ? 0 : 1
            case .xor:
                let padding = 0.3
                let u = uniform(-5, 5), v = uniform(-5, 5)
                (x1, x2) = (u + (u > 0 ? padding : -padding), v + (v > 0 ? padding : -padding))
                let (n1, n2) = (uniform(-5, 5) * noise, uniform(-5, 5) * noise)
                label = (x1 + n1) * (x2 + n2) >= 0 ? 0 : 1
            case .gaussians:
                let sigma = (0.5 + 3.5 * noise).squareRoot(), first = i < count / 2
                let centre = first ? 2.0 : -2.0
                (x1, x2) = (centre + sigma * random.normal(), centre + sigma * random.normal())
                label = first ? 0 : 1
            case .spiral:
                let half = (count + 1) / 2, second = i >= half
                let j = second ? i - half : i, n = second ? count - half : half
                let r = Double(j) / Double(n) * 5
                let t = 1.75 * Double(j) / Double(n) * 2 * .pi + (second ? .pi : 0)
                (x1, x2) = (r * sin(t) + uniform(-1, 1) * noise, r * cos(t) + uniform(-1, 1) * noise)
                label = second ? 1 : 0
            case .surface:
                (x1, x2) = (uniform(-6, 6), uniform(-6, 6))
                label = Self.surfaceValue(x1 + uniform(-6, 6) * noise, x2 + uniform(-6, 6) * noise)
            }
            points.x1.append(x1)
            points.x2.append(x2)
            points.labels.append(label)
        }
        // In a random order, so that any range of them (a test split) mixes the classes.
        var order = Array(0..<count)
        random.shuffle(&order)
        points.x1 = order.map { points.x1[$0] }
        points.x2 = order.map { points.x2[$0] }
        points.labels = order.map { points.labels[$0] }
        return points
    }

    /// The surface's value y(x₁, x₂) = Σ_k s_k exp(−‖p − c_k‖² / 2).
    public static func surfaceValue(_ x1: Double, _ x2: Double) -> Double {
        var y = 0.0
        for (k, cx) in [-4.0, 0, 4].enumerated() {
            for (row, cy) in [2.5, -2.5].enumerated() {
                let sign: Double = (k + row).isMultiple(of: 2) ? 1 : -1
                let d2 = (x1 - cx) * (x1 - cx) + (x2 - cy) * (x2 - cy)
                y += sign * Foundation.exp(-d2 / 2)
            }
        }
        return y
    }
}

/// What a network reads of a point p = (x₁, x₂): TensorFlow Playground's input features.
public enum PlanarFeature: String, CaseIterable, Codable, Sendable {
    /// x₁.
    case x1
    /// x₂.
    case x2
    /// x₁².
    case x1Squared = "x1^2"
    /// x₂².
    case x2Squared = "x2^2"
    /// x₁x₂.
    case x1TimesX2 = "x1*x2"
    /// sin x₁.
    case sinX1 = "sin(x1)"
    /// sin x₂.
    case sinX2 = "sin(x2)"

    /// The feature's value at (x₁, x₂).
    public func value(_ x1: Double, _ x2: Double) -> Double {
        switch self {
        case .x1: x1
        case .x2: x2
        case .x1Squared: x1 * x1
        case .x2Squared: x2 * x2
        case .x1TimesX2: x1 * x2
        case .sinX1: sin(x1)
        case .sinX2: sin(x2)
        }
    }
}

/// Points in the plane with their labels: a class index (0 or 1) or a value.
public struct PlanarPoints: Equatable, Sendable {
    /// The dataset they were drawn from.
    public let data: PlanarData
    /// The points' first coordinates, x₁.
    public var x1: [Double] = []
    /// The points' second coordinates, x₂.
    public var x2: [Double] = []
    /// Each point's class index (classification) or value y (regression).
    public var labels: [Double] = []

    init(data: PlanarData) {
        self.data = data
    }

    /// The number of points.
    public var count: Int { labels.count }

    /// The points as a dataset: row i holds `features` of point i; targets are the classes,
    /// or the values as a one-column matrix.
    /// - Parameters:
    ///   - features: what the network reads of each point, in order.
    ///   - range: the points to take (all by default), for a train/test split.
    /// - Throws: `BackpropError.invalidHyperparameter` if `features` is empty or names one twice.
    public func dataset<S: Scalar>(features: [PlanarFeature] = [.x1, .x2], range: Range<Int>? = nil) throws -> Dataset<S> {
        guard !features.isEmpty, Set(features).count == features.count else {
            throw BackpropError.invalidHyperparameter(
                name: "features", value: features.map(\.rawValue).joined(separator: ","), expected: "at least one, each once")
        }
        let rows = range ?? 0..<count
        let inputs = rows.flatMap { i in features.map { S($0.value(x1[i], x2[i])) } }
        let targets: Targets<S> = data.task == .classification
            ? .classes(rows.map { Int(labels[$0]) })
            : .values(try Matrix(rows: rows.count, columns: 1, elements: rows.map { S(labels[$0]) }))
        return try Dataset(inputs: Matrix(rows: rows.count, columns: features.count, elements: inputs), targets: targets)
    }
}
