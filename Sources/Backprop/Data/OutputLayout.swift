/// The output end of a network for some labels: the loss C, the output layer's activation
/// g^L and its width n_L. Every front end (the command line, the playground, a library user
/// who wants the defaults) gets them from here, so they agree.
///
/// The defaults, as Keras and PyTorch users expect them:
/// - the loss: softmax cross-entropy for classes, the quadratic loss for regression;
/// - the output activation: the one the loss needs (softmax for cross-entropy, sigmoid for
///   binary cross-entropy), else sigmoid for classes and the identity for regression;
/// - the width: one output per class, except one sigmoid output for two classes with binary
///   cross-entropy; one output for regression.
public struct OutputLayout: Equatable, Sendable {
    /// C, the loss.
    public var loss: Loss
    /// g^L, the output layer's activation.
    public var activation: Activation
    /// n_L, the number of outputs.
    public var size: Int

    /// The layout for `labels`, with `loss` and `activation` where given.
    /// - Throws: `BackpropError.invalidHyperparameter` for a loss other than the quadratic
    ///   one for regression, or an output activation that the loss does not allow.
    public init(for labels: LabelEncoding, loss: Loss? = nil, activation: Activation? = nil) throws {
        let classification = labels.task == .classification
        let loss = loss ?? (classification ? .crossEntropy : .quadratic)
        if !classification, loss != .quadratic {
            throw BackpropError.invalidHyperparameter(
                name: "loss", value: loss.name, expected: "quadratic, for a regression (the others need classes)")
        }
        if let activation, let required = loss.requiredOutputActivation, activation != required {
            throw BackpropError.invalidHyperparameter(
                name: "output activation", value: activation.name, expected: "\(required.name), for the \(loss.name) loss")
        }
        self.loss = loss
        self.activation = activation ?? loss.requiredOutputActivation ?? (classification ? .sigmoid : .identity)
        size = Self.size(for: labels, loss: loss)
    }

    /// n_L for `labels` and `loss`: one output per class (one sigmoid output for two classes
    /// with binary cross-entropy), or one for regression.
    public static func size(for labels: LabelEncoding, loss: Loss) -> Int {
        guard labels.task == .classification else { return 1 }
        return loss == .binaryCrossEntropy && labels.classNames.count == 2 ? 1 : labels.classNames.count
    }
}
