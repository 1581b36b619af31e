import Backprop

/// What the page offers and where its numbers stop, as the library defines them: the server
/// answers `GET /api/options` with it, and the page builds its controls from it before the
/// first run, so it copies no list, default or limit of its own.
public struct PlaygroundOptions: Encodable, Equatable, Sendable {
    /// The built-in datasets (`PlanarData`).
    public var data = PlanarData.allCases.map(\.rawValue)
    /// What a network can read of a point (`PlanarFeature`).
    public var features = PlanarFeature.allCases.map(\.rawValue)
    /// A hidden layer's activations: the element-wise ones.
    public var activations = Activation.elementwise.map(\.name)
    /// The losses, besides none (the task's usual one).
    public var losses = Loss.allCases.map(\.name)
    /// The optimizers (`OptimizerKind`).
    public var optimizers = OptimizerKind.allCases.map(\.rawValue)
    /// The activation of a hidden layer that names none.
    public var defaultActivation = PlaygroundSettings.defaultActivation
    /// The settings of a run that sets nothing.
    public var defaults = PlaygroundSettings()
    /// Each number's limit, by setting, as `PlaygroundSettings.validate()` checks it.
    public var limits = PlaygroundSettings.limits
    /// What one run or request may cost (`PlaygroundBudget`).
    public var budget = PlaygroundBudget.standard

    /// The options of this build of the library.
    public init() {}
}
