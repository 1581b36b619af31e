import Backprop

/// What one run or one request of the playground may cost: the server is on a learner's
/// machine, open to any page that learner visits, so no request may take memory or time
/// without a bound. Each limit is checked before the work starts and refused with a message
/// that names it; the page reads them from `GET /api/options` (`budget`).
public struct PlaygroundBudget: Encodable, Equatable, Sendable {
    /// The most values a run's examples hold: examples × features, training and test set
    /// together (a built-in dataset's points, or an uploaded table's cells).
    public var maximumValues = 2_000_000
    /// The most weights and biases a run's network has, the first layer's (inputs × width) included.
    public var maximumParameters = 100_000
    /// The most mini-batches one `step` request trains.
    public var maximumBatchesPerStep = 1_000
    /// The longest one request trains or computes: a `step` still going then stops after the
    /// mini-batch it is on and answers with the run as it stands.
    public var requestSeconds = 10.0
    /// The most parameters a gradient check compares by finite differences. A network with
    /// more is checked on an evenly spaced sample of this many (the answer says so): each
    /// comparison costs five forward passes, so checking every parameter would cost the
    /// square of the network's size.
    public var maximumCheckedParameters = 2_000
    /// The largest body of settings (`POST /api/runs`).
    public var maximumSettingsBytes = 64 << 10
    /// The most uploads (tables, models) received at once; more are refused with 503, so
    /// that uploads in flight hold at most this many times `PlaygroundTable.maximumBytes`.
    public var maximumUploads = 4
    /// The most requests computing at once (training, drawing, checking, reading uploads):
    /// more wait their turn, and past `maximumWaiting` are refused with 503.
    public var maximumWaiting = 64

    /// The playground's budget.
    public init() {}

    /// The budget the library's playground keeps to.
    public static let standard = PlaygroundBudget()

    /// Checks a run's size: its examples' values and its network's parameters.
    /// - Throws: `BackpropError.invalidHyperparameter` naming the limit.
    func check(values: Int, parameters: Int) throws {
        guard values <= maximumValues else {
            throw BackpropError.invalidHyperparameter(
                name: "examples", value: "\(values) values (examples × features)",
                expected: "at most \(maximumValues) values, the playground's limit: fewer points, features or rows")
        }
        guard parameters <= maximumParameters else {
            throw BackpropError.invalidHyperparameter(
                name: "hidden", value: "a network of \(parameters) weights and biases",
                expected: "at most \(maximumParameters), the playground's limit: fewer or narrower layers, or fewer features")
        }
    }
}
