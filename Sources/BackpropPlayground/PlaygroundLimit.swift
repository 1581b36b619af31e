/// The numbers a numeric setting accepts: an interval, each end included or not.
/// `PlaygroundSettings.validate()` checks settings against these limits and the server hands
/// the same ones to the page (`GET /api/options`), so the page's inputs stop where the
/// server's checks do.
///
/// Encoded as JSON Schema writes bounds: `minimum` and `maximum` for an end that is included,
/// `exclusiveMinimum` and `exclusiveMaximum` for one that is not.
public struct PlaygroundLimit: Encodable, Equatable, Sendable, CustomStringConvertible {
    /// The interval's lower end.
    public let lowerBound: Double
    /// The interval's upper end.
    public let upperBound: Double
    /// Whether `lowerBound` itself is accepted.
    public let includesLowerBound: Bool
    /// Whether `upperBound` itself is accepted.
    public let includesUpperBound: Bool

    /// [lowerBound, upperBound].
    public init(atLeast lowerBound: Double, atMost upperBound: Double) {
        self.init(lowerBound, upperBound, includes: (true, true))
    }

    /// (lowerBound, upperBound].
    public init(above lowerBound: Double, atMost upperBound: Double) {
        self.init(lowerBound, upperBound, includes: (false, true))
    }

    /// [lowerBound, upperBound).
    public init(atLeast lowerBound: Double, below upperBound: Double) {
        self.init(lowerBound, upperBound, includes: (true, false))
    }

    /// (lowerBound, upperBound).
    public init(above lowerBound: Double, below upperBound: Double) {
        self.init(lowerBound, upperBound, includes: (false, false))
    }

    /// The whole numbers of `range`.
    public init(_ range: ClosedRange<Int>) {
        self.init(Double(range.lowerBound), Double(range.upperBound), includes: (true, true))
    }

    private init(_ lowerBound: Double, _ upperBound: Double, includes: (lower: Bool, upper: Bool)) {
        self.lowerBound = lowerBound
        self.upperBound = upperBound
        includesLowerBound = includes.lower
        includesUpperBound = includes.upper
    }

    /// Whether `value` is a finite number within the limit.
    public func contains(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        let aboveLower = includesLowerBound ? value >= lowerBound : value > lowerBound
        let belowUpper = includesUpperBound ? value <= upperBound : value < upperBound
        return aboveLower && belowUpper
    }

    /// The interval as the settings' messages write it: "[0, 1]", "(0, 10]".
    public var description: String {
        "\(includesLowerBound ? "[" : "(")\(Self.text(lowerBound)), \(Self.text(upperBound))\(includesUpperBound ? "]" : ")")"
    }

    /// A bound as a person writes it: 1, not 1.0.
    private static func text(_ bound: Double) -> String {
        bound.rounded() == bound && abs(bound) < 1e15 ? String(Int64(bound)) : "\(bound)"
    }

    private enum CodingKeys: String, CodingKey {
        case minimum, maximum, exclusiveMinimum, exclusiveMaximum
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(lowerBound, forKey: includesLowerBound ? .minimum : .exclusiveMinimum)
        try container.encode(upperBound, forKey: includesUpperBound ? .maximum : .exclusiveMaximum)
    }
}
