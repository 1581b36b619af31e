import Backprop

/// A copy of a run at one moment: what the page's views are computed from. Taking it under
/// the server's lock costs microseconds (the arrays are shared, copy-on-write), so the views
/// are drawn beside training, never in its way.
public struct PlaygroundState: Sendable {
    /// The run's settings.
    public let settings: PlaygroundSettings
    /// The training and test examples.
    public let examples: PlaygroundExamples
    /// The network, without dropout (as it predicts).
    public let network: Network<Float>
    /// Mini-batches trained so far.
    public let steps: Int

    /// The mean cost C and accuracy on the training and the test set.
    public func evaluate() throws -> (train: Evaluation, test: Evaluation) {
        (try network.evaluate(on: examples.train), try network.evaluate(on: examples.test))
    }
}

extension PlaygroundSession {
    /// The run as it stands.
    public var state: PlaygroundState {
        // Dropout 0 is always valid.
        PlaygroundState(settings: settings, examples: examples, network: (try? network.withDropout(0)) ?? network, steps: steps)
    }

    /// The mean cost C and accuracy on the training and the test set.
    public func evaluate() throws -> (train: Evaluation, test: Evaluation) { try state.evaluate() }

    /// The run as it stands, for the page (see `PlaygroundState.snapshot(gridSize:neuronGridSize:)`).
    public func snapshot(gridSize: Int = 50, neuronGridSize: Int = 20) throws -> PlaygroundSnapshot {
        try state.snapshot(gridSize: gridSize, neuronGridSize: neuronGridSize)
    }

    /// What the page draws of the network over the plane (see `PlaygroundState.planeViews(size:)`).
    public func planeViews(size: Int) throws -> (output: [Float], neurons: [[[Float]]]) { try state.planeViews(size: size) }
}
