/// Updates a network's parameters from the gradients of one mini-batch.
///
/// An optimizer keeps whatever state it needs (velocities, moments) between steps.
public protocol Optimizer {
    mutating func update<S: Scalar>(_ network: inout Network<S>, with gradients: Gradients<S>)
}
